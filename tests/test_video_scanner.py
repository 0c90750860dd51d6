"""``camera:`` scanners: frames through OpenCV's VideoCapture (a recorded clip here, a camera on a
bench), decoded by each decoder."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from apcv.clock import FrozenClock
from apcv.imaging.decoders import DECODERS
from apcv.imaging.qr_render import render_qr
from apcv.links.base import LinkError
from apcv.links.registry import open_scanner
from apcv.links.scanner_base import ScanError, ScanTimeout
from apcv.seeded_keys import synthetic_insurer
from harness.bench import Bench
from harness.rig import parse_rig
from simulators.factory import synthetic_phone

SIZE = 400


def _record(path, frames: list[np.ndarray]) -> str:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (SIZE, SIZE))
    assert writer.isOpened()
    for gray in frames:
        canvas = np.full((SIZE, SIZE), 96, dtype=np.uint8)
        canvas[: gray.shape[0], : gray.shape[1]] = gray[:SIZE, :SIZE]
        writer.write(cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR))
    writer.release()
    return str(path)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[str, list[str]]:
    """A clip: 5 frames without a phone, then two tokens 30 s apart, 8 frames each."""
    clock = FrozenClock()
    phone = synthetic_phone(2, synthetic_insurer(0), clock)
    texts, frames = [], [np.full((SIZE, SIZE), 96, dtype=np.uint8)] * 5
    for _ in range(2):
        texts.append(phone.qr_payload())
        frames += [render_qr(texts[-1], scale=5)] * 8
        clock.advance(30)
    return _record(tmp_path_factory.mktemp("clip") / "phone.avi", frames), texts


@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_each_decoder_reads_the_recording(clip, decoder):
    path, texts = clip
    scanner = open_scanner(f"camera://{path}?decoder={decoder}&timeout=5")
    try:
        assert scanner.read_payload() == texts[0]
        assert scanner.frames_read == 6
    finally:
        scanner.close()


def test_reading_on_to_the_next_token_and_the_end(clip):
    path, texts = clip
    scanner = open_scanner(f"camera://{path}")
    try:
        seen = set()
        with pytest.raises(ScanError, match=r"end of the recording after 21 frames"):
            while True:
                seen.add(scanner.read_payload())
        assert seen == set(texts)
    finally:
        scanner.close()


def test_timeout_counts_frames(tmp_path):
    path = _record(tmp_path / "empty.avi", [np.full((SIZE, SIZE), 200, dtype=np.uint8)] * 40)
    scanner = open_scanner(f"camera://{path}?timeout=0.01")
    try:
        with pytest.raises(ScanTimeout, match=r"zbar read none of \d+ frames"):
            scanner.read_payload()
    finally:
        scanner.close()


def test_rig_with_a_recorded_camera(clip):
    path, texts = clip
    rig = parse_rig({"name": "cam", "roles": {"reader": {"link": "sim:cam"},
                                               "scanner": {"link": f"camera://{path}?decoder=zxing"}}})
    assert {"qr-scanner", "qr-camera"} <= rig.all_features()
    with Bench(rig) as bench:
        assert not bench.scanner.takes_screens
        assert bench.scanner.read() == texts[0]


@pytest.mark.parametrize(("url", "message"), [
    ("camera:///dev/video77", "camera /dev/video77 not found: is it plugged in?"),
    ("camera://77", "OpenCV cannot open 77"),
    ("camera:///nonexistent/clip.avi", "video file /nonexistent/clip.avi not found"),
    ("camera:", "no camera given"),
    ("camera://0?decoder=dynamsoft", "unknown QR decoder 'dynamsoft'"),
    ("camera://0?fps=30", "unknown parameter fps"),
])
def test_bad_cameras(url, message):
    with pytest.raises(LinkError, match=message):
        open_scanner(url)


def test_a_file_that_is_not_a_video(tmp_path):
    junk = tmp_path / "notes.avi"
    junk.write_bytes(b"not a video at all\n" * 10)
    with pytest.raises(LinkError, match="OpenCV cannot open"):
        open_scanner(f"camera://{junk}")


@pytest.mark.apcv_hardware
def test_real_camera_sees_a_qr():
    """On a bench with a camera at /dev/video0: hold an apCV QR in front of it within 30 s."""
    if not os.path.exists("/dev/video0"):
        pytest.skip("no camera at /dev/video0")
    scanner = open_scanner("camera:///dev/video0?timeout=30")
    try:
        assert scanner.read_payload().startswith("APCV1:")
    finally:
        scanner.close()
