"""CBOR encoding on the presentation path, byte for byte what ``cbor2.dumps`` writes.

``cbor2.dumps`` builds a new encoder for every call, which costs more (~5 us) than encoding a
small map; :func:`dumps` keeps one encoder per thread and reuses it. The few items a message is
assembled from around cached parts (an integer, a byte or text string) get their shortest head
(RFC 8949 §4.2.1) from :func:`integer`, :func:`byte_string` and :func:`text_string`.
``tests/test_cbor_out.py`` checks each against ``cbor2.dumps``.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import cbor2

_UINT64_END = 1 << 64


class _Encoder(threading.local):
    """One ``cbor2`` encoder writing into one buffer, per thread."""

    def __init__(self) -> None:
        self.renew()

    def renew(self) -> None:
        """A new encoder and buffer (after a failed encoding, whatever state it left)."""
        self.buffer = io.BytesIO()
        self.encoder = cbor2.CBOREncoder(self.buffer)


_LOCAL = _Encoder()


def dumps(obj: Any) -> bytes:
    """``cbor2.dumps(obj)`` (default options), without building an encoder each call."""
    buffer = _LOCAL.buffer
    buffer.seek(0)
    buffer.truncate()
    try:
        _LOCAL.encoder.encode(obj)
    except BaseException:
        _LOCAL.renew()
        raise
    return buffer.getvalue()


def _head(major: int, n: int) -> bytes:
    """The shortest head of major type ``major`` with argument ``n`` (0 <= n < 2**64)."""
    if n < 24:
        return bytes((major << 5 | n,))
    if n < 0x100:
        return bytes((major << 5 | 24, n))
    if n < 0x1_0000:
        return bytes((major << 5 | 25,)) + n.to_bytes(2, "big")
    if n < 0x1_0000_0000:
        return bytes((major << 5 | 26,)) + n.to_bytes(4, "big")
    return bytes((major << 5 | 27,)) + n.to_bytes(8, "big")


def integer(n: int) -> bytes:
    """An integer as CBOR: the unsigned or negative integer head, a bignum past 64 bits."""
    if 0 <= n < _UINT64_END:
        return _head(0, n)
    if -_UINT64_END <= n < 0:
        return _head(1, -1 - n)
    return dumps(n)


def byte_string(data: bytes) -> bytes:
    """``data`` as a CBOR byte string (major type 2, shortest length head)."""
    return _head(2, len(data)) + data


def text_string(text: str) -> bytes:
    """``text`` as a CBOR text string (major type 3, UTF-8, shortest length head)."""
    encoded = text.encode("utf-8")
    return _head(3, len(encoded)) + encoded
