"""Decoding the frames a camera scanner link sees (``image:``, ``camera://``).

The link's ``decoder`` query parameter names the QR library (zbar when absent, see
:mod:`apcv.imaging.decoders`); a decoder that is unknown or not installed, or a QR whose bytes
are not text, is a :class:`LinkError` naming the link.
"""

from __future__ import annotations

import numpy as np

from apcv.imaging.decoders import DecoderError, QrDecoder, make_decoder
from apcv.links.base import LinkError, LinkUrl

DEFAULT_DECODER = "zbar"


def link_decoder(url: LinkUrl) -> QrDecoder:
    """The QR decoder named by ``url``'s ``decoder`` parameter (zbar when absent)."""
    try:
        return make_decoder(url.params.get("decoder", DEFAULT_DECODER))
    except DecoderError as exc:
        raise LinkError(f"{url.raw}: {exc}") from None


def first_payload(decoder: QrDecoder, frame: np.ndarray, url: str) -> str | None:
    """The text of the first QR code ``decoder`` reads in ``frame``, or None when it reads none."""
    try:
        texts = decoder.decode(frame)
    except DecoderError as exc:
        raise LinkError(f"{url}: {exc}") from None
    return texts[0] if texts else None
