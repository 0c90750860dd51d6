"""Traces say where they came from: the link URL in every JSON line and as the pcapng
interface name (docs/traces.md), through the bench a plan uses and through tshark."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from apcv.clock import FrozenClock
from apcv.links import open_reader
from apcv.links.tracing import TracingReaderLink
from apcv.trace import TraceEvent, TraceRecorder
from apcv.trace.events import shown_url
from apcv.trace.pcapng import pcapng_bytes
from harness.bench import Bench
from harness.rig import load_rig

START = 1_767_225_600.0
SELECT = bytes.fromhex("00A4040006F0415043560100")
IF_NAME = 2


def interface_name(capture: bytes) -> str:
    """The ``if_name`` option of the capture's Interface Description Block."""
    offset = struct.unpack_from("<I", capture, 4)[0]  # past the Section Header Block
    block_type, total = struct.unpack_from("<II", capture, offset)
    assert block_type == 1
    position, end = offset + 16, offset + total - 4
    while position < end:
        code, length = struct.unpack_from("<HH", capture, position)
        if code == IF_NAME:
            return capture[position + 4 : position + 4 + length].decode()
        position += 4 + (length + 3) // 4 * 4
    raise AssertionError("no if_name option")


def test_a_bench_read_stamps_every_record_with_the_reader_link(tmp_path: Path) -> None:
    rig = load_rig("rigs/software.yaml")
    recorder = TraceRecorder(FrozenClock(START))
    with Bench(rig, recorder=recorder) as bench:
        bench.present("phone")
        bench.reader.read()
    paths = recorder.save(tmp_path, "read")
    records = [json.loads(line) for line in paths["jsonl"].read_text().splitlines()]
    assert {"command", "response"} <= {r["kind"] for r in records}
    assert {r["link"] for r in records if r["kind"] != "note"} == {rig.roles.reader.link}
    assert interface_name(paths["pcapng"].read_bytes()) == rig.roles.reader.link


def test_card_slot_notes_carry_the_slot_link_and_the_interface_stays_the_reader() -> None:
    recorder = TraceRecorder(FrozenClock(START))
    reader = TracingReaderLink(open_reader("sim:trace-links"), recorder)
    recorder.link = "vpcd://127.0.0.1:35963"
    recorder.note("card slot: phone attached")
    recorder.link = reader.url
    recorder.command(SELECT)
    assert [e.link for e in recorder.events] == ["vpcd://127.0.0.1:35963", "sim:trace-links"]
    assert interface_name(pcapng_bytes(recorder.events)) == "sim:trace-links"
    reader.close()


def test_a_trace_of_notes_only_is_named_after_the_recorder_link(tmp_path: Path) -> None:
    recorder = TraceRecorder(FrozenClock(START), link="serial:///dev/ttyACM0")
    recorder.note("scan failed: timeout")
    assert json.loads(recorder.jsonl())["link"] == "serial:///dev/ttyACM0"
    path = recorder.write_pcapng(tmp_path / "notes.pcapng")
    assert interface_name(path.read_bytes()) == "serial:///dev/ttyACM0"


def test_without_any_link_the_interface_keeps_the_harness_name() -> None:
    assert interface_name(pcapng_bytes([TraceEvent(START, "command", SELECT)])) == "apcv-hil"


def test_a_password_in_a_link_url_never_reaches_a_trace(tmp_path: Path) -> None:
    recorder = TraceRecorder(FrozenClock(START), link="http://qa:s3cret@127.0.0.1:8600/")
    recorder.command(SELECT)
    paths = recorder.save(tmp_path, "backend")
    for path in paths.values():
        assert b"s3cret" not in path.read_bytes()
    assert json.loads(paths["jsonl"].read_text())["link"] == "http://qa@127.0.0.1:8600/"


@pytest.mark.parametrize(("url", "shown"), [
    ("pcsc://ACS ACR1252 1S CL Reader PICC 0", "pcsc://ACS ACR1252 1S CL Reader PICC 0"),
    ("vpcd://127.0.0.1:35963", "vpcd://127.0.0.1:35963"),
    ("https://user:pw@backend.example/api?x=1", "https://user@backend.example/api?x=1"),
    ("https://:pw@backend.example/", "https://@backend.example/"),
    ("http://[::1", "http://[::1"),
    ("", ""),
])
def test_shown_url(url: str, shown: str) -> None:
    assert shown_url(url) == shown


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_reads_the_interface_name(tmp_path: Path) -> None:
    recorder = TraceRecorder(FrozenClock(START))
    link = TracingReaderLink(open_reader("sim:tshark-name"), recorder)
    recorder.command(SELECT)
    path = recorder.write_pcapng(tmp_path / "named.pcapng")
    link.close()
    shown = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-e", "frame.interface_name"],
                           capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert shown == ["sim:tshark-name"]
