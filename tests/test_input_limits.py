"""Files and counts a user gives: refused at once with one clear line, never read without end.

A rig, parameter, timing, SLO, devices, key or image file must be a regular file under its size
cap (``/dev/zero``, a FIFO, a directory or a 200 MB file are refused unread), its YAML without
aliases; counts that would
grow memory without bound and dates past the calendar are refused before anything runs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from apcv.errors import ApcvError
from apcv.imaging.files import read_gray
from apcv.input_files import load_yaml, read_text
from harness.bundle.keys import load_signing_key, trusted_fingerprint
from harness.cli import cli
from harness.dut.devices import load_spec
from harness.rig import MAX_RIG_BYTES, RigError, load_rig
from scenarios.load.slo import read_slo
from scenarios.models.params import load_scenario
from scenarios.models.rollout.params import load_rollout
from scenarios.models.timings import load_timings


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("apcv-hil: error:"), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture
def odd_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Paths that are no regular file of a sensible size, and what the refusal says."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as f:
        f.truncate(200 << 20)  # sparse: 200 MB on paper, nothing on disk
    return {"dev-zero": (Path("/dev/zero"), "a character device"), "fifo": (fifo, "a FIFO"),
            "directory": (tmp_path, "a directory"), "200 MB": (huge, "over the")}


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "directory", "200 MB"])
@pytest.mark.parametrize("loader", [load_rig, load_scenario, load_rollout, load_timings, read_slo, load_spec,
                                    load_signing_key, trusted_fingerprint, read_gray],
                         ids=["rig", "scenario", "rollout", "timings", "slo", "devices", "signing key",
                              "trusted key", "image"])
def test_odd_files_are_refused_unread(odd_files, kind, loader) -> None:
    path, fragment = odd_files[kind]
    started = time.monotonic()
    with pytest.raises(ApcvError, match=fragment):
        loader(str(path))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("args", [
    ("read", "--rig", "/dev/zero"),
    ("waiting-room", "--scenario", "/dev/zero", "--replications", "1"),
    ("waiting-room", "--timings", "/dev/zero", "--replications", "1"),
    ("rollout", "--params", "/dev/zero"),
])
def test_the_cli_refuses_them_in_one_line(args) -> None:
    assert_one_line_error(invoke(*args), "/dev/zero", "character device")


def test_a_fifo_rig_does_not_block_the_cli(odd_files) -> None:
    assert_one_line_error(invoke("read", "--rig", str(odd_files["fifo"][0])), "FIFO")


def test_a_rig_at_the_limit_is_read(tmp_path: Path) -> None:
    rig = tmp_path / "padded.yaml"
    text = "name: padded\nroles: {reader: {link: 'sim:x'}}\n"
    rig.write_text(text + "#" * (MAX_RIG_BYTES - len(text) - 1) + "\n")
    assert load_rig(rig).name == "padded"
    rig.write_text(text + "#" * MAX_RIG_BYTES)
    with pytest.raises(RigError, match="over the 262,144-byte limit"):
        load_rig(rig)


@pytest.mark.slow  # a YAML alias bomb and 50,000 levels of nesting
def test_yaml_aliases_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))
    with pytest.raises(ApcvError, match="aliases"):
        load_yaml(bomb, "bomb.yaml")
    rig = tmp_path / "bomb.yaml"
    rig.write_text("name: x\nroles: {reader: {link: 'sim:x'}}\n" + bomb)
    with pytest.raises(RigError, match="not valid YAML"):
        load_rig(rig)
    with pytest.raises(ApcvError, match=r"nested too deeply|not valid YAML"):
        load_yaml("[" * 50_000 + "]" * 50_000, "deep.yaml")


def test_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Fran\u00e7ois".encode("latin-1"))
    with pytest.raises(ApcvError, match="not UTF-8 text"):
        read_text(path, limit=100, what="file")


@pytest.mark.parametrize(("args", "fragment"), [
    (("queue", "mmc", "-L", "0.9", "-M", "1", "-C", "1", "--customers", str(10**9)), "at most 5,000,000"),
    (("waiting-room", "--replications", str(10**9)), "at most 366 and 1000"),
    (("waiting-room", "--days", str(10**9)), "at most 366 and 1000"),
    (("waiting-room", "--replications", "2", "--workers", str(10**6)), "workers must be 1 to 64"),
    (("rollout", "--until", "9999-12-31"), "past 2100-12-31"),
    (("rollout", "--review-replications", str(10**9)), "review replications must be 1 to 1000"),
], ids=["mmc customers", "replications", "days", "workers", "rollout until", "review replications"])
def test_counts_and_dates_out_of_range_are_refused_at_once(args, fragment) -> None:
    started = time.monotonic()
    assert_one_line_error(invoke(*args), fragment)
    assert time.monotonic() - started < 5


def test_read_count_is_bounded() -> None:
    result = invoke("read", "--count", str(10**9))
    assert result.exit_code == 2 and "1<=x<=100000" in result.output and "Traceback" not in result.output
