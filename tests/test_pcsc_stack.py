"""The whole real loop: reader kernel -> pyscard -> pcscd -> vpcd -> simulated phone/card."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from apcv.errors import ApcvError, ProtocolError
from apcv.links import LinkError, NoCardPresent, open_reader
from apcv.seeded_keys import synthetic_insurer
from harness.bench import Bench
from harness.pcsc import PcscdUnavailable, ensure_pcscd
from harness.rig import RIGS_DIR, parse_rig
from simulators.reader.errors import CardError
from simulators.reader.kernel import ReaderKernel

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("pcscd")]  # starts pcscd
READER = "Virtual PCD 00 00"


def rig(phone_query: str = "", reader_query: str = ""):
    data = yaml.safe_load((RIGS_DIR / "pcsc-vpcd.yaml").read_text())
    data["roles"]["phone"]["link"] += phone_query
    data["roles"]["reader"]["link"] += reader_query
    return parse_rig(data, "pcsc-vpcd (test)")


def test_reads_phone_and_card_through_pcscd():
    with Bench(rig()) as bench:
        bench.present("phone")
        phone = bench.reader.read()
        bench.present("card")
        card = bench.reader.read()
    assert phone.kind == "phone" and card.kind == "card"
    assert phone.atr == bench.phone.atr and card.atr == bench.card.atr


def test_rf_drop_is_reported_noted_and_recovered():
    with Bench(rig("?fault=drop@2")) as bench:
        bench.present("phone")
        with pytest.raises(NoCardPresent, match=r"left the field during the exchange \(RF drop\)"):
            bench.reader.read()
        notes = [e.detail for e in bench.recorder.events if e.kind == "note"]
        assert any("RF drop at APDU 2" in n for n in notes)
        bench.withdraw("phone")
        bench.present("phone")  # tapped again: the fault fired once
        assert bench.reader.read().kind == "phone"


def test_reset_mid_session_fails_clearly_then_recovers():
    with Bench(rig("?fault=reset@3")) as bench:
        bench.present("phone")
        with pytest.raises(CardError, match="GET PRESENTATION: the device answered 6985"):
            bench.reader.read()
        assert bench.reader.read().kind == "phone"


def test_corrupted_byte_fails_clearly():
    with Bench(rig("?fault=corrupt@2")) as bench:
        bench.present("phone")
        with pytest.raises(ApcvError, match="ESTABLISH SESSION"):
            bench.reader.read()


def test_card_answering_garbage():
    with Bench(rig("?fault=garbage@1")) as bench:
        bench.present("phone")
        with pytest.raises(ProtocolError, match="malformed response from the device"):
            bench.reader.read()


def test_mute_card_times_out_without_hanging():
    with Bench(rig("?fault=mute@1", "?apdu_timeout=1")) as bench:
        bench.present("phone")
        start = time.monotonic()
        with pytest.raises(LinkError, match=r"did not answer within 1 s \(mute card, an APDU\)"):
            bench.reader.read()
        assert time.monotonic() - start < 5
        bench.withdraw("phone")
        bench.present("phone")  # the link opened a fresh pcscd context: it reads again
        assert bench.reader.read().kind == "phone"


def test_tap_and_removal_events():
    link = open_reader(f"pcsc://{READER}")
    try:
        assert link.wait_for_removal(3)  # the previous test's device may still be leaving
        assert not link.wait_for_card(0.2)
        with Bench(rig()) as bench:
            bench.present("phone")
            assert link.wait_for_card(3)
            bench.withdraw("phone")
            assert link.wait_for_removal(3)
        impatient = open_reader(f"pcsc://{READER}?timeout=0.3")
        with contextlib.closing(impatient), pytest.raises(
                NoCardPresent, match=f"no phone or card on reader '{READER}' within 0.3 s"):
            impatient.connect()
    finally:
        link.close()


def test_tap_and_removal_are_traced(tmp_path):
    with Bench(rig()) as bench:
        link = bench.reader_link.inner
        assert link.wait_for_removal(3)  # the previous test's device may still be leaving
        assert not link.wait_for_card(0.2)
        bench.recorder.events.clear()
        bench.present("phone")  # vpcd connection opened: the card is inserted
        assert link.wait_for_card(3)
        bench.withdraw("phone")  # connection closed: the card is removed
        assert link.wait_for_removal(3)
        files = bench.recorder.save(tmp_path, "taps")
    events = [json.loads(line) for line in files["jsonl"].read_text().splitlines()]
    atr = bench.phone.atr.hex().upper()
    assert [(e["kind"], e["detail"]) for e in events] == [
        ("field_on", f"tap: a phone or card is on the reader (ATR {atr})"),
        ("field_off", "removal: the phone or card left the reader")]
    capture = files["pcapng"].read_bytes()
    assert capture.count(b"\x00\xfc\x00\x00") == 1 and capture.count(b"\x00\xfd\x00\x00") == 1
    assert b"tap: a phone or card is on the reader" in capture
    assert b"removal: the phone or card left the reader" in capture


def test_rf_drop_mid_read_traces_the_removal():
    with Bench(rig("?fault=drop@2")) as bench:
        bench.present("phone")
        with pytest.raises(NoCardPresent):
            bench.reader.read()
        assert bench.reader_link.inner.wait_for_removal(3)
    details = [e.detail for e in bench.recorder.events]
    drop = next(i for i, d in enumerate(details) if "RF drop at APDU 2" in d)
    removal = next(i for i, d in enumerate(details) if d.startswith("removal: "))
    assert drop < removal and bench.recorder.events[removal].kind == "field_off"


@pytest.mark.parametrize(("url", "message"), [
    ("pcsc://Nonexistent Reader", "no PC/SC reader named 'Nonexistent Reader'; readers present: "
                                  "'Virtual PCD 00 00', 'Virtual PCD 00 01'"),
    ("pcsc://7", "no PC/SC reader number 7; readers present: 'Virtual PCD 00 00'"),
    ("pcsc://Virtual", "'Virtual' matches several readers"),
    ("pcsc://0?timeout=0", "timeout='0' must be seconds"),
    ("pcsc://0?apdu_timeout=x", "apdu_timeout='x' must be seconds"),
    ("pcsc://0?fault=drop@1", "unknown parameter fault"),
])
def test_bad_reader_urls(url, message):
    with pytest.raises(LinkError, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_reader(url)


def test_reader_by_index_and_substring():
    for url in ("pcsc://0", "pcsc://pcd 00 00", "pcsc://Virtual%20PCD%2000%2000"):
        link = open_reader(url)
        assert link.reader_name == READER
        link.close()


def test_pcscd_not_startable(tmp_path):
    with pytest.raises(PcscdUnavailable, match=r"vpcd driver configuration .* is missing: apt-get install "
                                               r"pcscd vsmartcard-vpcd"):
        ensure_pcscd(sock_path=tmp_path / "pcscd.comm", vpcd_config=tmp_path / "vpcd")


@pytest.fixture
def simulated_phone():
    """``apcv-hil simulate phone`` on the virtual reader, as outside software would meet it."""
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "apcv-hil"), "simulate", "phone", "--link", "vpcd://127.0.0.1:35963"],
        stderr=subprocess.PIPE, text=True,
    )
    lines = [process.stderr.readline() for _ in range(2)]
    assert lines[-1].startswith("ready: simulated phone"), lines
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(5)


@pytest.mark.skipif(shutil.which("opensc-tool") is None, reason="opensc-tool not installed (make setup)")
def test_opensc_tool_selects_our_phone(simulated_phone):
    out = subprocess.run(["opensc-tool", "-r", READER, "-s", "00 A4 04 00 06 F0 41 50 43 56 01 00"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    assert "SW1=0x90, SW2=0x00" in out.stdout


def test_pyscard_reads_simulated_phone_and_sigterm_stops_it(simulated_phone):
    link = open_reader(f"pcsc://{READER}")
    try:
        result = ReaderKernel(link, synthetic_insurer(0).trust_anchor).read()
    finally:
        link.close()
    assert result.kind == "phone"
    simulated_phone.send_signal(signal.SIGTERM)
    assert simulated_phone.wait(10) == 0
    log = simulated_phone.stderr.read()
    assert "C-APDU 00A4040006F041504356" in log and "stopped: simulated phone" in log
    assert result.holder.nir not in log


@pytest.mark.apcv_requirement("APCV-NFC-050")
@pytest.mark.parametrize("command", [0x05, 0x00, 0x02], ids=["05", "00 (reads as power off)", "02 (reset)"])
def test_a_one_byte_apdu_through_pcscd_gets_an_answer_not_a_hang(command):
    """pcscd hands the 1-byte command to vpcd, which waits for an answer holding the reader."""
    import threading

    with Bench(rig()) as bench:
        bench.present("phone")
        link = bench.reader_link
        link.connect()
        outcome: list[object] = []

        def send() -> None:
            try:
                outcome.append(link.transceive(bytes([command])))
            except ApcvError as exc:
                outcome.append(exc)

        worker = threading.Thread(target=send, daemon=True)
        worker.start()
        worker.join(15)
        assert outcome, "the PC/SC stack hung on a 1-byte APDU"
        assert outcome[0] == bytes.fromhex("6700")
        link.disconnect()
        assert bench.reader.read().kind == "phone"  # the stack and the phone keep working


def test_what_a_killed_pcscd_left_is_removed_when_its_pid_is_reused(tmp_path: Path) -> None:
    """pcscd refuses to start while its old pid file names a live process, whatever that process is."""
    from harness.pcsc.daemon import clear_stale_files

    sock = tmp_path / "pcscd.comm"
    sock.touch()
    (tmp_path / "pcscd.pid").write_text(f"{os.getpid()}\n\0")  # as pcscd writes it; not a pcscd
    assert clear_stale_files(sock)
    assert not sock.exists() and not (tmp_path / "pcscd.pid").exists()
    assert not clear_stale_files(sock)  # nothing left


def test_the_files_of_a_live_pcscd_are_kept(tmp_path: Path) -> None:
    from harness.pcsc.daemon import clear_stale_files

    named_pcscd = tmp_path / "pcscd"
    shutil.copy("/bin/sleep", named_pcscd)
    process = subprocess.Popen([str(named_pcscd), "30"])
    try:
        comm = Path(f"/proc/{process.pid}/comm")
        deadline = time.monotonic() + 10
        while comm.read_text().strip() != "pcscd":  # until the child has exec'd, it is python
            assert time.monotonic() < deadline, "the copied sleep never ran as 'pcscd'"
            time.sleep(0.01)
        sock = tmp_path / "pcscd.comm"
        sock.touch()
        (tmp_path / "pcscd.pid").write_text(f"{process.pid}\n\0")
        assert not clear_stale_files(sock) and sock.exists()
    finally:
        process.kill()
        process.wait()
