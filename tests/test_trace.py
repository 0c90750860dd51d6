"""Trace recorder: JSON lines, pcapng dissected by tshark, NIR masking, garbage input."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apcv.clock import FrozenClock
from apcv.redact import NIR_SHAPE_BYTES, may_hold_nir
from apcv.trace import TraceEvent, TraceRecorder, redact_nirs
from apcv.trace.apdu import describe_command, describe_response
from apcv.trace.files import TraceFiles
from apcv.trace.pcapng import pcapng_bytes
from apcv.trace.redact import ResponseStream, is_nir, nir_key

START = 1_767_225_600.123456
SELECT = bytes.fromhex("00A4040006F0415043560100")
FCI_OK = bytes.fromhex("6F088406F041504356019000")
READ = bytes.fromhex("00B0000000")
LOCKED = bytes.fromhex("6982")


def make_nir(first13: str) -> str:
    """A NIR with the right key after ``first13``."""
    return f"{first13}{nir_key(first13):02d}"


def session(tmp_path: Path) -> tuple[TraceRecorder, dict[str, Path]]:
    """Field on, SELECT answered 9000, READ BINARY answered 6982, a note, field off."""
    clock = FrozenClock(START)
    recorder = TraceRecorder(clock, link="sim:phone")
    recorder.field(True)
    for command, response in ((SELECT, FCI_OK), (READ, LOCKED)):
        clock.advance(0.000217)
        recorder.command(command)
        clock.advance(0.001003)
        recorder.response(response)
    clock.advance(0.000011)
    recorder.note("fault: rf-drop armed")
    clock.advance(0.000500)
    recorder.field(False)
    return recorder, recorder.save(tmp_path / "traces", "select")


def pcapng_blocks(data: bytes) -> list[tuple[int, bytes]]:
    """(type, body) of each block, checking both length fields of every block."""
    blocks = []
    offset = 0
    while offset < len(data):
        block_type, total = struct.unpack_from("<II", data, offset)
        assert total % 4 == 0 and total >= 12
        assert struct.unpack_from("<I", data, offset + total - 4)[0] == total
        blocks.append((block_type, data[offset + 8 : offset + total - 4]))
        offset += total
    assert offset == len(data)
    return blocks


@pytest.mark.slow  # runs tshark
def test_tshark_dissects_select_and_status_words(tmp_path: Path) -> None:
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark is not installed; the pcapng dissection check needs it")
    recorder, paths = session(tmp_path)
    out = subprocess.run(
        [tshark, "-r", str(paths["pcapng"]), "-d", "iso14443.subdissector,iso7816", "-V"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Event: Field on (0xfc)" in out
    assert "Event: Field off (0xfd)" in out
    assert "Event: Data transfer PCD -> PICC (CRC bytes were dropped) (0xfa)" in out
    assert "Event: Data transfer PICC -> PCD (CRC bytes were dropped) (0xfb)" in out
    assert "Instruction: Select file (0xa4)" in out
    assert "[Response to frame 2 (Select file)]" in out
    assert "Status Word SW1: Normal processing (0x90)" in out
    assert "Status Word SW1: Checking error (0x69)" in out
    assert "Status Word SW2: 0x82" in out
    assert "Block number: 1" in out
    assert "fault: rf-drop armed" in out
    assert "Interface name: sim:phone" in out
    epochs = [line.split()[2] for line in out.splitlines() if "Epoch Time:" in line]
    assert epochs == [f"{e.timestamp:.6f}000" for e in recorder.events if e.kind != "note"]


def test_jsonl_records(tmp_path: Path) -> None:
    _, paths = session(tmp_path)
    lines = [json.loads(line) for line in paths["jsonl"].read_text().splitlines()]
    assert [r["kind"] for r in lines] == [
        "field_on",
        "command",
        "response",
        "command",
        "response",
        "note",
        "field_off",
    ]
    first, select, ok, _, locked, note, _ = lines
    assert first["ts"] == "2026-01-01T00:00:00.123456+00:00"
    assert first["t"] == START
    assert first["link"] == "sim:phone"
    assert select["data"] == SELECT.hex().upper()
    assert select["apdu"] == {
        "cla": "00",
        "ins": "A4",
        "p1": "04",
        "p2": "00",
        "name": "SELECT",
        "case": "4S",
        "lc": 6,
        "le": 256,
        "summary": "SELECT CLA=00 INS=A4 P1=04 P2=00 Lc=6 Le=256",
    }
    assert ok["apdu"] == {"sw": "9000", "meaning": "success", "data_length": 10}
    assert locked["apdu"]["sw"] == "6982"
    assert locked["apdu"]["meaning"] == "security status not satisfied (app locked)"
    assert note["detail"] == "fault: rf-drop armed"
    assert note["ts"] == "2026-01-01T00:00:00.125907+00:00"


def test_pcapng_structure_and_microseconds(tmp_path: Path) -> None:
    recorder, paths = session(tmp_path)
    blocks = pcapng_blocks(paths["pcapng"].read_bytes())
    assert [t for t, _ in blocks] == [0x0A0D0D0A, 1] + [6] * 6
    link_type, _, _ = struct.unpack_from("<HHI", blocks[1][1])
    assert link_type == 264
    assert b"\x09\x00\x01\x00\x06\x00\x00\x00" in blocks[1][1]
    packets = [e for e in recorder.events if e.kind != "note"]
    for (_, body), event in zip(blocks[2:], packets, strict=True):
        _, high, low, captured, _ = struct.unpack_from("<IIIII", body)
        assert (high << 32 | low) == round(event.timestamp * 1_000_000)
        packet = body[20 : 20 + captured]
        assert packet[0] == 0 and struct.unpack(">H", packet[2:4])[0] == captured - 4
    select_packet = blocks[3][1][20:]
    assert select_packet[1] == 0xFA and select_packet[4] == 0x02
    assert select_packet[5 : 5 + len(SELECT)] == SELECT


def test_block_numbers_toggle_per_exchange() -> None:
    events = [TraceEvent(START, "command", READ), TraceEvent(START, "response", LOCKED)] * 3
    blocks = pcapng_blocks(pcapng_bytes(events))[2:]
    assert [body[20 + 4] for _, body in blocks] == [0x02, 0x02, 0x03, 0x03, 0x02, 0x02]


def test_notes_without_packets_go_on_the_section_header() -> None:
    data = pcapng_bytes([TraceEvent(START, "note", detail="link opened")])
    blocks = pcapng_blocks(data)
    assert len(blocks) == 2
    assert b"link opened" in blocks[0][1]


def test_valid_nir_is_masked_with_length_kept() -> None:
    nir = make_nir("1850575123456")
    corsican = make_nir("292012A004017")
    payload = b"\x5a\x0f" + nir.encode() + b"|" + corsican.encode()
    masked = redact_nirs(payload)
    assert len(masked) == len(payload)
    assert nir.encode() not in masked and corsican.encode() not in masked
    assert masked == b"\x5a\x0f18505" + b"*" * 10 + b"|29201" + b"*" * 10
    assert redact_nirs(f"NIR {nir}.") == f"NIR 18505{'*' * 10}."


def test_invalid_key_and_longer_digit_runs_are_kept() -> None:
    nir = make_nir("1850575123456")
    wrong_key = nir[:13] + f"{(int(nir[13:]) % 97) + 1:02d}"
    assert is_nir(nir) and not is_nir(wrong_key)
    for text in (wrong_key, "0" + nir, nir + "7", "3" + nir[1:]):
        assert redact_nirs(text) == text
        assert redact_nirs(text.encode()) == text.encode()


def test_recorder_masks_payloads_and_notes() -> None:
    nir = make_nir("2750133001002")
    recorder = TraceRecorder(FrozenClock(START))
    command = recorder.command(b"\x80\x10\x00\x00\x0f" + nir.encode())
    note = recorder.note(f"activation refused for {nir}")
    assert nir.encode() not in command.data and len(command.data) == 20
    assert nir not in note.detail
    assert nir not in recorder.jsonl()
    plain = TraceRecorder(FrozenClock(START), redact=False)
    assert nir.encode() in plain.command(nir.encode()).data


@pytest.mark.parametrize(
    "apdu", [b"", b"\x00", b"\x00\xa4", b"\x00\xa4\x04\x00\x00\x00", b"\x00\xa4\x04\x00\x05\x01"]
)
def test_garbage_apdus_never_raise(apdu: bytes, tmp_path: Path) -> None:
    recorder = TraceRecorder(FrozenClock(START))
    recorder.command(apdu)
    recorder.response(apdu)
    records = [json.loads(line) for line in recorder.jsonl().splitlines()]
    assert "error" in records[0]["apdu"]
    assert records[1]["apdu"].get("sw") or "error" in records[1]["apdu"]
    recorder.save(tmp_path, "garbage")


def test_undecodable_note_text_is_written(tmp_path: Path) -> None:
    recorder = TraceRecorder(FrozenClock(START))
    recorder.note(b"reader said \xff".decode("utf-8", errors="surrogateescape"))
    recorder.field(True)
    paths = recorder.save(tmp_path, "odd")
    first = paths["jsonl"].read_text(encoding="ascii").splitlines()[0]
    assert json.loads(first)["detail"] == "reader said \udcff"
    assert b"reader said \\udcff" in paths["pcapng"].read_bytes()


@pytest.mark.parametrize(
    ("apdu", "case", "lc", "le"),
    [
        ("00A40400", "1", None, None),
        ("00C0000010", "2S", None, 16),
        ("00B00000000000", "2E", None, 65536),
        ("00D6000002AABB", "3S", 2, None),
        ("00D60000000002AABB", "3E", 2, None),
        ("0088000000000211220100", "4E", 2, 256),
    ],
)
def test_command_cases(apdu: str, case: str, lc: int | None, le: int | None) -> None:
    info = describe_command(bytes.fromhex(apdu))
    assert (info["case"], info["lc"], info["le"]) == (case, lc, le)


@pytest.mark.parametrize(
    ("sw", "meaning"),
    [
        ("611A", "more data: 26 bytes available (GET RESPONSE)"),
        ("6C10", "wrong Le: exact length is 16"),
        ("6A82", "application or file not found"),
        ("6D00", "instruction not supported"),
        ("6300", "warning, state changed"),
        ("1234", "unknown"),
    ],
)
def test_status_word_meanings(sw: str, meaning: str) -> None:
    assert describe_response(bytes.fromhex(sw))["meaning"] == meaning


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["field_on", "field_off", "command", "response", "note"]),
            st.binary(max_size=300),
            st.text(max_size=40),
        ),
        max_size=20,
    ),
    st.floats(min_value=0, max_value=4_000_000_000, allow_nan=False),
)
def test_writers_never_raise_on_random_bytes(steps: list[tuple[str, bytes, str]], start: float) -> None:
    recorder = TraceRecorder(FrozenClock(start), link="nfc://udp:127.0.0.1:8888")
    for kind, data, text in steps:
        if kind == "note":
            recorder.note(text)
        elif kind.startswith("field"):
            recorder.field(kind == "field_on")
        else:
            getattr(recorder, kind)(data)
        assert len(recorder.events[-1].data) == (len(data) if kind in ("command", "response") else 0)
    packets = [e for e in recorder.events if e.kind != "note"]
    assert len(pcapng_blocks(pcapng_bytes(recorder.events))) == 2 + len(packets)
    assert len(recorder.jsonl().splitlines()) == len(steps)


@given(
    st.lists(st.sampled_from(["field_on", "field_off", "command", "response", "note"]), max_size=16),
    st.lists(st.integers(min_value=0, max_value=16), max_size=4),
)
def test_trace_files_written_in_batches_equal_one_save(kinds: list[str], cuts: list[int]) -> None:
    """Whatever the batches, the files are those of one save: notes land on the same packets."""
    recorder = TraceRecorder(FrozenClock(START), link="sim:phone")
    for i, kind in enumerate(kinds):
        if kind == "note":
            recorder.note(f"note {i}")
        elif kind.startswith("field"):
            recorder.field(kind == "field_on", detail=f"tap {i}")
        else:
            getattr(recorder, kind)(bytes([i]) * 3)
    bounds = [0, *sorted(min(c, len(kinds)) for c in cuts), len(kinds)]
    with tempfile.TemporaryDirectory() as folder:
        whole = recorder.save(folder, "whole")
        with recorder.open_files(folder, "batches") as files:
            for low, high in itertools.pairwise(bounds):
                files.write(recorder.events[low:high])
        for kind in ("jsonl", "pcapng"):
            assert files.paths[kind].read_bytes() == whole[kind].read_bytes(), kind


def test_trace_files_close_once(tmp_path: Path) -> None:
    files = TraceFiles(tmp_path, "empty")
    assert files.close() == files.close() == {"jsonl": tmp_path / "empty.jsonl",
                                              "pcapng": tmp_path / "empty.pcapng"}
    assert [t for t, _ in pcapng_blocks((tmp_path / "empty.pcapng").read_bytes())] == [0x0A0D0D0A, 1]


@given(st.binary(max_size=200))
def test_redaction_keeps_length(data: bytes) -> None:
    assert len(redact_nirs(data)) == len(data)


@given(st.lists(st.sampled_from([b"x184127511203416x", b"y291022A01234575.", b"x", b"ab"]), max_size=12),
       st.lists(st.integers(min_value=1, max_value=200), max_size=16))
def test_a_response_stream_masks_what_the_whole_stream_holds_however_it_is_cut(
        parts: list[bytes], cuts: list[int]) -> None:
    """Responses cut anywhere are masked, earlier pieces included, as the joined stream would be
    (NIRs standing alone: a digit run cut at a response's end is masked more, not less)."""
    stream = b"".join(parts)
    bounds = sorted({c for c in cuts if c < len(stream)})
    pieces = [stream[a:b] for a, b in zip([0, *bounds], [*bounds, len(stream)], strict=True)]
    masked: list[bytes] = []
    responses = ResponseStream()
    for piece in pieces:
        data, earlier = responses.feed(piece)
        for number, positions in earlier.items():
            fixed = bytearray(masked[number])
            for position in positions:
                fixed[position] = ord("*")
            masked[number] = bytes(fixed)
        masked.append(data)
    assert b"".join(masked) == redact_nirs(stream)


_NIR_SHAPE_AS_FIRST_WRITTEN = re.compile(rb"(?<![0-9])[1278][0-9]{4}(?:[0-9]{2}|2[ABab])[0-9]{8}(?![0-9])")


@given(st.lists(st.sampled_from([b"0", b"1", b"2", b"7", b"8", b"9", b"A", b"b", b"C", b"x", b"\x00",
                                 b"184127511203416", b"291022A01234575"]), max_size=40))
def test_the_nir_shape_and_its_prefilter_find_what_the_plain_look_behind_finds(parts: list[bytes]) -> None:
    """The shape scans from its first character (the look-behind moved after it) and the
    ``translate`` prefilter skips only data without a NIR: the same matches as the first writing."""
    data = b"".join(parts)
    expected = [m.span() for m in _NIR_SHAPE_AS_FIRST_WRITTEN.finditer(data)]
    assert [m.span() for m in NIR_SHAPE_BYTES.finditer(data)] == expected
    assert may_hold_nir(data) or not expected
    assert may_hold_nir(b"x184127511203416x") and may_hold_nir(b"291022a01234575")
    assert not may_hold_nir(b"18412751120341x6" + bytes(range(256)))
