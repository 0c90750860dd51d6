"""QR decoders behind one interface: ZBar (pyzbar), zxing-cpp, OpenCV and the ensemble of the three.

``decode(frame)`` takes a grayscale frame (2-D uint8 array) and returns the text of every QR
code found, in the order the library reports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from apcv.errors import ApcvError


class DecoderError(ApcvError):
    """A decoder is unknown, not installed, or found a QR whose bytes are not text."""


class QrDecoder(Protocol):
    """A QR decoding library."""

    name: str

    def decode(self, frame: np.ndarray) -> list[str]:
        """Texts of the QR codes in ``frame``."""


def _text(data: bytes, library: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DecoderError(f"{library} decoded a QR code whose bytes are not UTF-8 text") from None


class ZbarDecoder:
    """ZBar through pyzbar (needs the libzbar0 system package)."""

    name = "zbar"

    def __init__(self) -> None:
        try:
            from pyzbar import pyzbar
        except ImportError as exc:
            raise DecoderError(f"the zbar decoder needs pyzbar and libzbar0 "
                               f"(pip install pyzbar; apt-get install libzbar0): {exc}") from None
        self._pyzbar = pyzbar

    def decode(self, frame: np.ndarray) -> list[str]:
        found = self._pyzbar.decode(frame, symbols=[self._pyzbar.ZBarSymbol.QRCODE])
        return [_text(item.data, "zbar") for item in found]


class ZxingDecoder:
    """zxing-cpp's Python binding."""

    name = "zxing"

    def __init__(self) -> None:
        try:
            import zxingcpp
        except ImportError as exc:
            raise DecoderError(f"the zxing decoder needs zxing-cpp (pip install zxing-cpp): {exc}") from None
        self._zxing = zxingcpp

    def decode(self, frame: np.ndarray) -> list[str]:
        found = self._zxing.read_barcodes(frame, formats=self._zxing.BarcodeFormat.QRCode)
        return [item.text for item in found if item.valid]


class OpenCvDecoder:
    """OpenCV's ArUco-based QR detector (opencv-python-headless).

    OpenCV's classic ``QRCodeDetector`` missed about one clean, sharp frame in ten of R1 tokens
    (15-22 of 200 rotations, any module size); ``QRCodeDetectorAruco`` read all 200.
    """

    name = "opencv"

    def __init__(self) -> None:
        try:
            import cv2
        except ImportError as exc:
            raise DecoderError(f"the opencv decoder needs opencv-python-headless "
                               f"(pip install opencv-python-headless): {exc}") from None
        self._detector = cv2.QRCodeDetectorAruco()

    def decode(self, frame: np.ndarray) -> list[str]:
        found, texts, _, _ = self._detector.detectAndDecodeMulti(frame)
        return [text for text in texts if text] if found else []


LIBRARIES = {"zbar": ZbarDecoder, "zxing": ZxingDecoder, "opencv": OpenCvDecoder}
"""The single libraries."""


def _ensemble() -> QrDecoder:
    from apcv.imaging.ensemble import EnsembleDecoder  # it builds on the classes above

    return EnsembleDecoder()


DECODERS: dict[str, Callable[[], QrDecoder]] = {**LIBRARIES, "ensemble": _ensemble}
"""Every decoder by name: the libraries and the ensemble of them."""


def make_decoder(name: str) -> QrDecoder:
    """The decoder called ``name`` (zbar, zxing, opencv, ensemble)."""
    if name not in DECODERS:
        raise DecoderError(f"unknown QR decoder {name!r}; known: {', '.join(DECODERS)}")
    return DECODERS[name]()
