"""The ``frames:`` display: the phone's code kept as a picture file that our simulated scanner,
a process of its own, films through the display's other end (:func:`view_display`); pictures of
a code under a camera condition."""

from __future__ import annotations

import time

import numpy as np
import pytest

from apcv.clock import FrozenClock
from apcv.imaging.conditions import condition
from apcv.imaging.decoders import make_decoder
from apcv.links.base import LinkError
from apcv.links.frames import FramesView
from apcv.links.registry import open_display, view_display
from apcv.seeded_keys import synthetic_insurer
from scenarios.conformance.scanner.screens import PictureScreen
from simulators.factory import synthetic_phone
from simulators.scanner.device import SimulatedScanner


@pytest.fixture
def phone():
    return synthetic_phone(2, synthetic_insurer(0), FrozenClock())


def wait_until(check, budget: float = 2.0) -> None:
    deadline = time.monotonic() + budget
    while not check():
        assert time.monotonic() < deadline, "the display did not follow in time"
        time.sleep(0.01)


def test_the_file_follows_the_phone_and_the_scanner_films_it(tmp_path, phone):
    path = tmp_path / "screen.pgm"
    display = open_display(f"frames:{path}")
    seen = view_display(f"frames:{path}?poll=0.05")
    try:
        assert seen.qr_frame() is None  # blank
        display.show(phone)
        wait_until(lambda: display.shown == phone.qr_payload() and path.exists())
        first = seen.qr_frame()
        assert first is seen.qr_frame()  # unchanged: the same frame, not read again
        assert make_decoder("zxing").decode(first) == [phone.qr_payload()]
        phone.clock.advance(30)
        wait_until(lambda: display.shown == phone.qr_payload())
        scanner = SimulatedScanner.under("nominal", "zxing")
        scanner.look_at(seen)
        assert scanner.next_message() == phone.qr_payload().encode() + b"\r"
        assert scanner.next_message(max_frames=3) is None
        assert scanner.frames == 1  # the same picture again: not filmed
        display.show(None)
        wait_until(lambda: display.shown is None and not path.exists())
        assert seen.qr_frame() is None
        payloads = [shown.payload for shown in display.history]
        assert payloads[0] is None and payloads[-1] is None and len(set(payloads[1:-1])) == 2
    finally:
        display.close()
    assert not path.exists()


def test_a_picture_of_the_code_is_shown_as_it_is(tmp_path, phone):
    display = open_display("frames:")
    try:
        screen = PictureScreen.of(phone, condition("rotation-mild"), 3)
        display.show(screen)
        wait_until(lambda: display.path.exists())
        assert np.array_equal(FramesView(display.path).qr_frame(), screen.picture)
        assert make_decoder("zxing").decode(screen.picture) == [phone.qr_payload()]
        private = display.path.parent
    finally:
        display.close()
    assert not private.exists()


def test_picture_cameras_keep_the_screen_scale():
    screen = np.full((488, 488), 255, np.uint8)
    assert condition("nominal").picture_camera().capture(screen).shape == (488, 488)  # nothing to do
    assert condition("glare-mild").picture_camera().capture(screen).shape == (732, 732)  # a 25 % border
    assert condition("distance-hard").picture_camera().capture(screen).shape[0] < 300  # held farther


@pytest.mark.parametrize(("url", "message"), [
    ("frames:/no/such/folder/screen.pgm", "folder /no/such/folder does not exist"),
    ("frames:?rate=2", "unknown parameter rate"),
    ("frames:?poll=-1", "poll='-1' must be seconds"),
])
def test_bad_frames_urls(url, message):
    with pytest.raises(LinkError, match=message):
        open_display(url)


def test_a_folder_is_not_a_picture_file(tmp_path):
    with pytest.raises(LinkError, match="is a folder, not a picture file"):
        open_display(f"frames:{tmp_path}")


def test_a_screen_without_pixels_is_refused(tmp_path):
    class TextOnly:
        def qr_payload(self) -> str:
            return "APCV1:X"

    display = open_display("frames:")
    try:
        with pytest.raises(LinkError, match="shows no pixels"):
            display.show(TextOnly())
    finally:
        display.close()


def test_a_file_that_is_not_a_picture_is_named(tmp_path):
    path = tmp_path / "screen.pgm"
    path.write_bytes(b"not a picture")
    with pytest.raises(LinkError, match="not a picture a display wrote"):
        view_display(f"frames:{path}").qr_frame()


@pytest.mark.parametrize(("url", "message"), [
    ("frames:", "name the file the frames: display writes"),
    ("frames:/tmp/screen.pgm?fps=3", "unknown parameter fps"),
    ("screen::0?fps=3", "unknown parameter fps"),
    ("sim:bench", "no display link for scheme 'sim'"),
])
def test_a_display_that_cannot_be_viewed_is_named(url, message):
    with pytest.raises(LinkError, match=message):
        view_display(url)
