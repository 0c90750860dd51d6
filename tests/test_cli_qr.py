"""``apcv-hil qr encode`` and ``qr decode``: the phone's code to a file and back, verified offline;
each bad file or token gets one line that says what is wrong."""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import base45
import cbor2
import numpy as np
import pytest
from click.testing import CliRunner, Result
from PIL import Image

from apcv.imaging.files import write_gray
from apcv.imaging.qr_render import render_qr
from apcv.profile.r1 import qr

ERROR = re.compile(r"^(apcv-hil: )?error: ")


def invoke(*args: str) -> Result:
    from harness.cli import cli

    return CliRunner().invoke(cli, list(args))


def one_line_error(result: Result, code: int = 2) -> str:
    """The one error line; exit ``code``: 2 for bad input, 1 for a token that is not valid."""
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and ERROR.match(lines[0]), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def code(tmp_path: Path) -> Path:
    out = tmp_path / "code.png"
    result = invoke("qr", "encode", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "token for the holder" in result.stdout
    return out


def decoded_token(path: Path) -> str:
    from apcv.imaging.decoders import make_decoder
    from apcv.imaging.files import read_gray

    return make_decoder("zxing").decode(read_gray(path))[0]


def test_encode_then_decode_is_valid(code: Path):
    result = invoke("qr", "decode", str(code))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{code}: valid APCV1 token for the holder, card APCV-")


@pytest.mark.parametrize("decoder", ["zbar", "zxing", "opencv", "ensemble"])
def test_every_decoder_and_json(code: Path, decoder: str):
    result = invoke("qr", "decode", str(code), "--decoder", decoder, "--json")
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)
    assert entry["valid"] and entry["person"] == "holder" and entry["prefix"] == "APCV1:"


def test_beneficiary_token(tmp_path: Path):
    out = tmp_path / "child.png"
    assert invoke("qr", "encode", "--beneficiary", "2", "--out", str(out)).exit_code == 0
    result = invoke("qr", "decode", str(out))
    assert result.exit_code == 0 and "valid APCV1 token for the beneficiary 2" in result.stdout
    assert "beneficiary 9: the card has 2 beneficiaries" in one_line_error(
        invoke("qr", "encode", "--beneficiary", "9", "--out", str(out)))


def test_expired_and_future_tokens(code: Path):
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    line = one_line_error(invoke("qr", "decode", str(code), "--at", later), code=1)
    assert re.search(r"QR token expired \d+ s ago", line)
    earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert "not yet valid" in one_line_error(invoke("qr", "decode", str(code), "--at", earlier), code=1)
    assert "--at 'yesterday' is not an ISO date" in one_line_error(
        invoke("qr", "decode", str(code), "--at", "yesterday"))


def test_a_token_within_the_skew_allowance_says_it_expired_and_was_accepted(code: Path):
    [decoded] = json.loads(invoke("qr", "decode", "--json", str(code)).stdout)
    expires = datetime.fromisoformat(decoded["expires_at"])
    done = invoke("qr", "decode", str(code), "--at", (expires + timedelta(seconds=30)).isoformat())
    assert done.exit_code == 0, done.output
    assert re.search(r"valid APCV1 token .*, expired 30 s ago \(.* UTC\), accepted within the 60 s "
                     r"clock skew allowance$", done.stdout.strip()), done.stdout


def test_unknown_device_and_wrong_trust_anchor(code: Path, tmp_path: Path):
    rig = tmp_path / "other.yaml"
    rig.write_text("name: other\nseed: 7\nroles:\n  reader: {link: 'sim:x'}\n")
    line = one_line_error(invoke("qr", "decode", str(code), "--rig", str(rig)), code=1)
    assert "is not a registered device and the token carries no certificate" in line
    pem = tmp_path / "root.pem"
    pem.write_text("not a certificate")
    assert "--trust" in one_line_error(invoke("qr", "decode", str(code), "--trust", str(pem)))


def test_bad_signature_is_named(code: Path, tmp_path: Path):
    text = decoded_token(code)
    signed = cbor2.loads(zlib.decompress(base45.b45decode(text[len("APCV1:"):])))
    body = signed.value
    body[3] = bytes(64)  # a signature of zeros
    forged = "APCV1:" + base45.b45encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, body)))).decode()
    path = write_gray(tmp_path / "forged.png", render_qr(forged, scale=6))
    assert "QR token signature does not verify with the device key" in one_line_error(
        invoke("qr", "decode", str(path)), code=1)


def test_a_code_that_is_not_an_apcv1_token(tmp_path: Path):
    path = write_gray(tmp_path / "url.png", render_qr("https://example.org/menu", scale=6))
    line = one_line_error(invoke("qr", "decode", str(path)), code=1)
    assert "does not start with 'APCV1:' (starts 'https:')" in line


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda d: write_bytes(d / "notes.png", b"these are not pixels\n"), "not an image (no image format"),
    (lambda d: write_bytes(d / "empty.png", b""), "is empty (0 bytes), not an image"),
    (lambda d: d / "missing.png", "missing.png not found"),
    (lambda d: d, "is a directory, not a regular file"),
    (lambda d: write_gray(d / "blank.png", np.full((120, 160), 255, np.uint8)),
     "blank.png: no QR code found (ensemble decoder, 160×120 pixels)"),
    (lambda d: write_bytes(d / "cut.png", (d / "code.png").read_bytes()[:300]), "cut.png: damaged image"),
])
def test_bad_images_give_one_line(code: Path, make, fragment):
    path = make(code.parent)
    assert fragment in one_line_error(invoke("qr", "decode", str(path)))


def test_an_image_with_too_many_pixels(tmp_path: Path):
    path = tmp_path / "huge.png"
    Image.new("1", (10_000, 6_000), 1).save(path)
    line = one_line_error(invoke("qr", "decode", str(path)))
    assert "10000×6000 pixels is more than the 50,000,000" in line


def test_several_images_one_line_each(code: Path, tmp_path: Path):
    junk = write_bytes(tmp_path / "junk.jpg", b"\xff\xd8 not really")
    result = invoke("qr", "decode", str(code), str(junk))
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and "valid APCV1 token" in lines[0] and "junk.jpg: not an image" in lines[1]
    assert "1 of 2 image(s) or code(s) did not give a valid APCV1 token" in one_line_error(result, code=1)
    data = json.loads(invoke("qr", "decode", "--json", str(code), str(junk)).stdout)
    assert [entry["valid"] for entry in data] == [True, False]


def test_encode_errors(tmp_path: Path):
    assert "cannot write this image format" in one_line_error(
        invoke("qr", "encode", "--out", str(tmp_path / "code.xyz")))
    assert "is a folder" in one_line_error(invoke("qr", "encode", "--out", str(tmp_path)))
    locked = tmp_path / "locked.yaml"
    locked.write_text("name: locked\nroles:\n  phone: {link: 'sim:x', locked: true}\n"
                      "  reader: {link: 'sim:x'}\n")
    assert "the phone starts locked" in one_line_error(
        invoke("qr", "encode", "--rig", str(locked), "--out", str(tmp_path / "c.png")))


def test_decoded_token_matches_the_profile(code: Path):
    assert qr.decode(decoded_token(code)).claims.beneficiary is None


def test_verify_scanned_texts_from_arguments_and_stdin(code: Path):
    from harness.cli import cli

    token = decoded_token(code)
    result = invoke("qr", "verify", token)
    assert result.exit_code == 0 and result.stdout.startswith("token 1: valid APCV1 token for the holder")
    piped = CliRunner().invoke(cli, ["qr", "verify"], input=f"{token}\r\n\nAPCV1:QPCV&M\r\n")
    lines = piped.stdout.strip().splitlines()
    assert lines[0].startswith("token 1: valid")
    assert "token 2: QR token has a non-base45 character" in lines[1]
    assert "1 of 2 token(s) are not valid" in one_line_error(piped, code=1)
    assert "no token text given" in one_line_error(CliRunner().invoke(cli, ["qr", "verify"], input=""))
    assert "does not start with 'APCV1:'" in one_line_error(invoke("qr", "verify", "QPCV&M:NCF"), code=1)


def test_verify_a_line_past_the_longest_token():
    from harness.cli import cli

    result = CliRunner().invoke(cli, ["qr", "verify"], input="APCV1:" + "0" * 100_000 + "\nAPCV1:A\n")
    lines = result.stdout.strip().splitlines()
    assert "token 1: QR token of 4297 characters exceeds 4296" in lines[0]
    assert lines[1].startswith("token 2: QR token is not valid base45") and len(lines) == 2
