"""Cut a scanner's byte stream into payloads: terminator, length limit, text checks.

Serial and keyboard-wedge scanners send the payload then a terminator (CR, LF, CR LF or
TAB, the scanner's "suffix" setting). A line longer than the limit, bytes that are not
UTF-8, or control characters inside a payload raise :class:`ScanError` naming the problem;
the stream stays usable for the next scan.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from apcv.links.base import LinkError, LinkUrl
from apcv.links.scanner_base import ScanError, ScanTimeout

SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t"}
MAX_PAYLOAD = 7089
"""The most characters a QR code holds (version 40, numeric); longer lines are garbage."""


def suffix_bytes(url: LinkUrl, default: str) -> bytes:
    """The terminator named by the ``suffix`` query parameter."""
    name = url.params.get("suffix", default)
    if name not in SUFFIXES:
        raise LinkError(f"{url.raw}: suffix={name!r} is not one of {', '.join(SUFFIXES)}")
    return SUFFIXES[name]


def _printable(payload: bytes, url: str) -> str:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScanError(
            f"{url}: the scanner sent bytes that are not UTF-8 text (byte 0x{payload[exc.start]:02X} at "
            f"offset {exc.start} of {len(payload)}): check the scanner's character-set setting"
        ) from None
    bad = next((i for i, ch in enumerate(text) if ord(ch) < 32 or ord(ch) == 127), None)
    if bad is not None:
        raise ScanError(
            f"{url}: the payload holds a control character (0x{ord(text[bad]):02X} at offset {bad}): "
            "line noise, or the scanner adds a prefix/suffix the link does not expect"
        )
    return text


class PayloadLines:
    """Payload lines from ``read_some(timeout) -> bytes`` (empty bytes when nothing came)."""

    def __init__(self, url: str, read_some: Callable[[float], bytes], terminator: bytes,
                 max_length: int = MAX_PAYLOAD) -> None:
        self.url = url
        self._read_some = read_some
        self._terminator = terminator
        self._max = max_length
        self._buffer = bytearray()
        self._discarding = False

    def read(self, timeout: float) -> str:
        """The next non-empty payload; ScanTimeout after ``timeout`` s, ScanError on a bad one."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._take_line()
            if line is not None and line.strip(b"\r\n"):
                return _printable(line.strip(b"\r\n"), self.url)
            if line is not None:
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ScanTimeout(f"{self.url}: no QR payload within {timeout:g} s "
                                  "(is a QR code in front of the scanner?)")
            self._buffer += self._read_some(remaining)

    def _too_long(self) -> ScanError:
        name = {v: k for k, v in SUFFIXES.items()}[self._terminator]
        return ScanError(f"{self.url}: a line of more than {self._max} bytes without the {name.upper()} "
                         "terminator: check the scanner's suffix setting; the line was dropped")

    def _take_line(self) -> bytes | None:
        end = self._buffer.find(self._terminator)
        if self._discarding:
            if end < 0:
                self._buffer.clear()
                return None
            del self._buffer[: end + len(self._terminator)]
            self._discarding = False
            end = self._buffer.find(self._terminator)
        if end < 0:
            if len(self._buffer) > self._max:
                self._buffer.clear()
                self._discarding = True
                raise self._too_long()
            return None
        line = bytes(self._buffer[:end])
        del self._buffer[: end + len(self._terminator)]
        if len(line) > self._max:
            raise self._too_long()
        return line


def check_prefix(payload: str, prefix: str, url: str, hint: str = "") -> str:
    """``payload`` when it starts with ``prefix`` (an empty prefix accepts any), else ScanError."""
    if not prefix or payload.startswith(prefix):
        return payload
    shown = payload[:24] + ("..." if len(payload) > 24 else "")
    raise ScanError(f"{url}: scanned {shown!r} is not an apCV QR payload (expected prefix {prefix!r})"
                    + (f"; {hint}" if hint else ""))
