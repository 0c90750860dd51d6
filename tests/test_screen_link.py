"""The ``screen:`` link under Xvfb: the phone's live code full-screen, checked from real screenshots.

A screenshot of the X display (ImageMagick's ``import -window root``) must decode to the token
the phone shows, and a rotation must be on screen within a second. Skipped, with the reason,
when Xvfb, ImageMagick or tkinter is missing or no X server can be started.
"""

from __future__ import annotations

import io
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from apcv.clock import FrozenClock
from apcv.imaging.conditions import condition
from apcv.imaging.decoders import make_decoder
from apcv.links.base import LinkError
from apcv.links.registry import open_display
from apcv.seeded_keys import synthetic_insurer
from scenarios.conformance.scanner.screens import PictureScreen
from simulators.factory import synthetic_phone

ROTATION_BUDGET_S = 1.0


def screenshot(display: str) -> np.ndarray:
    """The whole X display as a gray image, taken by ImageMagick."""
    png = subprocess.run(["import", "-display", display, "-window", "root", "png:-"],
                         capture_output=True, check=True, timeout=10).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def wait_for_code(display: str, wanted: str | None, budget: float) -> float:
    """Seconds until a screenshot shows ``wanted`` (None: no code); fails past ``budget``."""
    decoder = make_decoder("zxing")
    start = time.monotonic()
    while True:
        seen = decoder.decode(screenshot(display))
        if seen == ([] if wanted is None else [wanted]):
            return time.monotonic() - start
        assert time.monotonic() - start < budget, f"screen shows {[s[:12] for s in seen]}, not {wanted!r:.20}"


@pytest.fixture
def phone():
    return synthetic_phone(2, synthetic_insurer(0), FrozenClock())


def test_the_live_code_is_on_screen_and_follows_each_rotation(xdisplay, phone):
    display = open_display(f"screen:{xdisplay}")
    try:
        assert display.size == (1280, 720)
        display.show(phone)
        for _ in range(3):
            token = phone.qr_payload()
            wait_for_code(xdisplay, token, ROTATION_BUDGET_S)
            assert display.shown == token
            rotated_at = time.monotonic()
            phone.clock.advance(30)  # the phone shows its next token
            new = phone.qr_payload()
            assert new != token
            assert wait_for_code(xdisplay, new, ROTATION_BUDGET_S) < ROTATION_BUDGET_S
            last = display.history[-1]
            assert last.payload == new and last.at - rotated_at < ROTATION_BUDGET_S
        phone.lock.lock()  # a locked phone shows no code: the display goes blank
        wait_for_code(xdisplay, None, ROTATION_BUDGET_S)
        payloads = [shown.payload for shown in display.history]
        assert payloads[0] is None and payloads[-1] is None and len(set(payloads[1:-1])) == 4
    finally:
        display.close()


def test_a_window_instead_of_the_full_screen(xdisplay, phone):
    display = open_display(f"screen:{xdisplay}?windowed=400x300&poll=0.02")
    try:
        assert display.size == (400, 300)
        display.show(phone)
        wait_for_code(xdisplay, phone.qr_payload(), ROTATION_BUDGET_S)
    finally:
        display.close()


def test_a_picture_of_the_code_is_shown_scaled_to_the_display(xdisplay, phone):
    token = phone.qr_payload()
    screen = PictureScreen.of(phone, condition("perspective-mild"), 2)
    display = open_display(f"screen:{xdisplay}")
    try:
        display.show(screen)
        wait_for_code(xdisplay, token, ROTATION_BUDGET_S)
        assert display.shown == token
    finally:
        display.close()


def test_a_display_that_does_not_exist(xdisplay):
    with pytest.raises(LinkError, match=r"the window did not open: cannot open X display ':4077'"):
        open_display("screen::4077?start=5")


@pytest.mark.parametrize(("url", "message"), [
    ("screen::0?windowed=big", "windowed='big' must be WIDTHxHEIGHT"),
    ("screen::0?poll=0", "poll='0' must be seconds"),
    ("screen::0?fps=60", "unknown parameter fps"),
    ("projector:", "no QR display link for scheme 'projector'"),
])
def test_bad_display_urls(url, message):
    with pytest.raises(LinkError, match=message):
        open_display(url)


def test_no_display_named_and_none_in_the_environment(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(LinkError, match="no X display: set DISPLAY or name one"):
        open_display("screen:")


def test_qr_show_command_puts_each_code_up(xdisplay):
    from click.testing import CliRunner

    from harness.cli import cli

    result = CliRunner().invoke(cli, ["qr", "show", "--display", f"screen:{xdisplay}", "--rotation", "0.5",
                                      "--duration", "1.6", "--beneficiary", "1"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"showing the phone's code on screen:{xdisplay} (1280×720)")
    assert "a new one every 0.5 s" in lines[0]
    codes = [line for line in lines if " UTC code " in line]
    assert len(codes) >= 3 and all("characters" in line for line in codes), lines
    assert len({line.split("token ", 1)[1] for line in codes}) == len(codes)  # each one new
