"""Waiting for a presentation: a phone or card on the PC/SC reader, or a QR from the scanner."""

from __future__ import annotations

import time
from dataclasses import dataclass

from apcv.links import open_reader
from apcv.links.base import LinkError
from apcv.links.pcsc import PcscReaderLink
from apcv.links.registry import open_scanner
from apcv.links.scanner_base import ScanError, ScannerLink, ScanTimeout

POLL_S = 0.05


@dataclass(frozen=True)
class Presented:
    """What arrived: ``nfc`` (something on the reader), ``qr`` (``text`` scanned) or
    ``bad-scan`` (the scanner sent something that is no apCV QR; ``text`` says what)."""

    kind: str
    text: str = ""


class Presentations:
    """The reader and, when there is one, the scanner of a billing station."""

    def __init__(self, reader: str, scanner: str) -> None:
        self.reader = open_reader(f"pcsc://{reader}?timeout=1")
        self._scanner: ScannerLink | None = None
        if scanner == "-":
            self._scanner = open_scanner("wedge:stdin?timeout=1")
        elif scanner:
            self._scanner = open_scanner(f"serial://{scanner}?suffix=cr&timeout=1")

    def wait(self, deadline: float) -> Presented | None:
        """The first presentation before ``deadline`` (monotonic seconds), else None."""
        reader = self.reader
        assert isinstance(reader, PcscReaderLink)
        while time.monotonic() < deadline:
            if reader.wait_for_card(POLL_S):
                return Presented("nfc")
            if self._scanner is not None:
                try:
                    return Presented("qr", self._scanner.read_payload(POLL_S))
                except ScanTimeout:
                    continue
                except ScanError as exc:
                    return Presented("bad-scan", str(exc))
                except LinkError:  # the scanner's input ended: only the reader is left
                    self._scanner.close()
                    self._scanner = None
        return None

    def close(self) -> None:
        """Release the reader and the scanner."""
        self.reader.close()
        if self._scanner is not None:
            self._scanner.close()
