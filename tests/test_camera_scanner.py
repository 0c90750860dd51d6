"""The ``image:`` camera scanner: the phone's QR rendered to pixels, decoded by ZBar or zxing-cpp."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from apcv.clock import FrozenClock
from apcv.imaging.decoders import DECODERS, DecoderError, make_decoder
from apcv.imaging.qr_render import QUIET_ZONE, render_qr
from apcv.links.base import LinkError
from apcv.links.registry import open_scanner
from apcv.links.scanner_base import ScanTimeout
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone


@pytest.fixture
def phone():
    return synthetic_phone(2, synthetic_insurer(0), FrozenClock())


class BlankScreen:
    """A screen with pixels but no QR code on them (a lock screen)."""

    def qr_payload(self) -> str | None:
        return None

    def qr_frame(self) -> np.ndarray:
        return np.full((200, 200), 255, dtype=np.uint8)


def _url(query: str = "") -> str:
    return f"image:counter-{uuid.uuid4().hex}{'?' + query if query else ''}"


@pytest.mark.parametrize("name", sorted(DECODERS))
@pytest.mark.parametrize("scale", [2, 4])
def test_rendered_token_decodes(phone, name, scale):
    text = phone.qr_payload()
    frame = render_qr(text, scale=scale)
    assert frame.dtype == np.uint8 and frame.shape[0] == frame.shape[1]
    assert frame[: QUIET_ZONE * scale].min() == 255  # quiet zone is light
    assert make_decoder(name).decode(frame) == [text]


@pytest.mark.parametrize("side", [1, 99, 500, 1000])
def test_a_fitted_code_takes_whole_pixels_per_module_within_the_side(phone, side):
    text = phone.qr_payload()
    modules = render_qr(text, scale=1).shape[0]
    frame = render_qr(text, fit=side)
    scale = max(1, side // modules)  # the largest that fits, never below one pixel
    assert frame.shape == (scale * modules, scale * modules)
    assert np.array_equal(frame, render_qr(text, scale=scale))


def test_a_code_fitted_to_a_display_decodes(phone):
    text = phone.qr_payload()
    assert make_decoder("zbar").decode(render_qr(text, fit=720)) == [text]


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_camera_scanner_reads_the_phone(phone, name):
    scanner = open_scanner(_url(f"decoder={name}&timeout=1"))
    scanner.show(phone)
    assert scanner.read_payload() == phone.qr_payload()
    phone.clock.advance(30)
    assert scanner.read_payload() == phone.qr_payload()
    scanner.close()


def test_locked_phone_and_blank_frames_time_out(phone):
    scanner = open_scanner(_url("timeout=0.1"))
    with pytest.raises(ScanTimeout, match="no QR code in view"):
        scanner.read_payload()
    phone.lock.lock()
    scanner.show(phone)
    with pytest.raises(ScanTimeout, match="no QR code in view"):
        scanner.read_payload()
    scanner.show(BlankScreen())
    with pytest.raises(ScanTimeout, match="zbar read no QR in the frame"):
        scanner.read_payload()
    assert scanner.frames_captured >= 1


def test_camera_conditions_from_the_url(phone):
    sharp = open_scanner(_url("angle=30&glare=0.6&jpeg=30&decoder=zxing&timeout=10"))  # ZBar: glare+JPEG
    sharp.show(phone)
    assert sharp.read_payload() == phone.qr_payload()
    blurred = open_scanner(_url("blur=4&timeout=1.5"))  # long enough for two frames on a loaded machine
    blurred.show(phone)
    with pytest.raises(ScanTimeout, match="zbar read no QR in the frame"):
        blurred.read_payload()
    assert blurred.frames_captured >= 2


class PayloadOnlyScreen:
    def qr_payload(self) -> str:
        return "APCV1:X"


@pytest.mark.parametrize(("url", "message"), [
    ("image:x?decoder=boofcv", "unknown QR decoder 'boofcv'; known: zbar, zxing, opencv"),
    ("image:x?focus=2", "unknown parameter focus"),
    ("image:x?blur=30", "camera blur=30.0 is out of range 0..20"),
    ("image:x?jpeg=high", "camera jpeg='high' is not a whole number"),
    ("image:x?light=dim", "camera light='dim' is not a number"),
    ("image:x?timeout=never", "timeout='never' must be seconds"),
])
def test_bad_urls(url, message):
    with pytest.raises(LinkError, match=message):
        open_scanner(url)


def test_screen_without_pixels_is_refused():
    with pytest.raises(LinkError, match="shows no pixels"):
        open_scanner(_url()).show(PayloadOnlyScreen())


def test_bad_render_and_decoder_names():
    with pytest.raises(ValueError, match="at least 1 pixel"):
        render_qr("APCV1:X", scale=0)
    with pytest.raises(DecoderError, match="unknown QR decoder"):
        make_decoder("dynamsoft")
