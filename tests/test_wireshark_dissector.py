"""The packaged dissector (`apcv-hil path dissector`): tshark names the R1 commands of a real
presentation's trace, with the ISO 14443 dissector alone and with the ISO 7816 one, and the
pcapng comments name every APDU even without the script."""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

from apcv.trace import TraceRecorder
from harness.bench import Bench
from harness.rig import load_rig

SCRIPT = Path(str(files("apcv.trace"))) / "wireshark" / "apcv_r1.lua"
TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (scripts/setup.sh)")


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    recorder = TraceRecorder()
    with Bench(load_rig("software"), recorder=recorder) as bench:
        bench.present("phone")
        bench.reader.read()
        bench.reader_link.connect()
        bench.reader_link.transceive(bytes.fromhex("80CA000000"))  # an instruction R1 does not know
        bench.reader_link.disconnect()
    return recorder.save(tmp_path_factory.mktemp("wireshark"), "presentation")["pcapng"]


def tshark(*args: str) -> str:
    done = subprocess.run([TSHARK, *args], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


@pytest.mark.parametrize("decode_as", [[], ["-d", "iso14443.subdissector,iso7816"]])
def test_the_info_column_names_r1_commands_and_answers(capture: Path, decode_as: list[str]) -> None:
    out = tshark("-X", f"lua_script:{SCRIPT}", "-r", str(capture), *decode_as)
    assert "SELECT (CLA=00 INS=A4 P1=04 P2=00)" in out
    assert "ESTABLISH SESSION (CLA=80 INS=50 P1=00 P2=00)" in out
    assert "ESTABLISH SESSION answer: 9000 success" in out
    assert "GET PRESENTATION (CLA=80 INS=52 P1=00 P2=00)" in out
    assert "GET PRESENTATION answer: 61" in out and "more data" in out
    assert "unknown instruction CA (CLA=80 INS=CA" in out
    assert "answer: 6D00 instruction not supported" in out


def test_fields_filter_by_command_name(capture: Path) -> None:
    out = tshark("-X", f"lua_script:{SCRIPT}", "-r", str(capture),
                 "-Y", 'apcv_r1.command == "GET PRESENTATION"', "-T", "fields", "-e", "apcv_r1.ins")
    assert out.split() == ["0x52"]
    answers = tshark("-X", f"lua_script:{SCRIPT}", "-r", str(capture), "-Y", "apcv_r1.sw == 0x9000",
                     "-T", "fields", "-e", "apcv_r1.answers").splitlines()
    assert "ESTABLISH SESSION" in answers and "SELECT" in answers


def test_packet_comments_name_every_apdu_without_the_script(capture: Path) -> None:
    comments = tshark("-r", str(capture), "-T", "fields", "-e", "frame.comment")
    assert "ESTABLISH SESSION (APCV-R1) CLA=80 INS=50 P1=00 P2=00" in comments
    assert "ESTABLISH SESSION (APCV-R1) answer: 9000 success" in comments
