"""A rig on a labgrid place, before any coordinator: what it may name, and how it is resolved."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.pcsc import PcscdUnavailable, ensure_pcscd
from harness.remote.hold import resolved_rig
from harness.rig import RigError, load_rig

PHONE = """name: bench
place: bench-3
coordinator: lab-1:20408
dut: {role: phone, control: {kind: api, url: "tcp://{place.phone-control}"}}
roles:
  phone: {link: "vpcd://{place.vpcd}", simulated: false}
  reader: {link: "pcsc://Virtual PCD 00 00"}
"""


def test_a_place_rig_needs_the_resources_it_names_and_the_bench_pcscd(tmp_path: Path) -> None:
    rig = tmp_path / "bench.yaml"
    rig.write_text(PHONE)
    assert load_rig(rig).place_resources() == {"phone-control", "vpcd", "pcscd"}


def test_the_resolved_rig_has_addresses_and_no_place(tmp_path: Path) -> None:
    rig = tmp_path / "bench.yaml"
    rig.write_text(PHONE)
    (tmp_path / "out").mkdir()
    path = resolved_rig(load_rig(rig), {"phone-control": "10.1.2.3:35990", "vpcd": "[::1]:35964",
                                        "pcscd": "10.1.2.3:35970"}, tmp_path / "out")
    resolved = load_rig(path)
    assert resolved.place is None and resolved.coordinator == ""
    assert resolved.dut is not None and resolved.dut.control.url == "tcp://10.1.2.3:35990"
    assert resolved.roles.phone is not None and resolved.roles.phone.link == "vpcd://[::1]:35964"


@pytest.mark.parametrize(("text", "says"), [
    ("name: r\nroles: {reader: {link: 'pcsc://0'}, phone: {link: 'vpcd://{place.vpcd}'}}\n",
     r"names place resources \(vpcd\) but no place: add place: NAME"),
    ("name: r\ncoordinator: lab:20408\nroles: {reader: {link: 'sim:b'}}\n",
     "names a coordinator but no place"),
    ("name: r\nplace: bench-3\ndut: {role: phone, launch: [x]}\nroles: {reader: {link: 'sim:b'}}\n",
     "cannot launch its DUT here"),
    ("name: r\nplace: 'bench 3'\nroles: {reader: {link: 'sim:b'}}\n", r"place: String should match"),
    ("name: r\nplace: b\ncoordinator: 'http://x'\nroles: {reader: {link: 'sim:b'}}\n",
     r"coordinator: String should match"),
])
def test_bad_place_keys_are_named(tmp_path: Path, text: str, says: str) -> None:
    rig = tmp_path / "r.yaml"
    rig.write_text(text)
    with pytest.raises(RigError, match=says):
        load_rig(rig)


def test_pytest_on_a_place_rig_says_to_use_run(tmp_path: Path) -> None:
    rig = tmp_path / "bench.yaml"
    rig.write_text(PHONE)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "--apcv-rig", str(rig),
                           "scenarios/conformance/phone", "--co"], capture_output=True, text=True,
                          timeout=300, check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "runs through `apcv-hil run` or `certify`" in done.stdout + done.stderr


def test_a_pcsc_socket_named_elsewhere_is_used_and_never_started(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "pcscd.comm"
    monkeypatch.setenv("PCSCLITE_CSOCK_NAME", str(path))
    with pytest.raises(PcscdUnavailable, match=r"\$PCSCLITE_CSOCK_NAME=.*pcscd.comm names does not answer"):
        ensure_pcscd()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen()
        daemon = ensure_pcscd()
        assert daemon.executor is None  # the one found there, left alone
