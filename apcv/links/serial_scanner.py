"""``serial:///dev/ttyACM0?baud=9600&suffix=cr`` — a QR scanner on a serial port.

USB scanners in "USB COM" / CDC-ACM mode (or RS-232 ones) send each decoded payload then a
terminator, the scanner's suffix setting. Query: ``baud`` (9600), ``suffix`` (cr, lf, crlf,
tab; cr), ``timeout`` seconds per read (5), ``max_length`` bytes of one payload (7089),
``prefix`` every payload must start with (``APCV1:``; empty accepts any).
"""

from __future__ import annotations

import errno

import serial

from apcv.links.base import LinkError, LinkUrl, check_params
from apcv.links.scan_lines import MAX_PAYLOAD, PayloadLines, check_prefix, suffix_bytes
from apcv.links.scanner_base import (
    APCV_QR_PREFIX,
    ScannerLink,
    positive_int,
    scan_timeout,
)

PARAMS = ("baud", "suffix", "timeout", "max_length", "prefix")
DEFAULT_BAUD = 9600


def _open_error(port: str, exc: serial.SerialException) -> LinkError:
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        fix = ("is the scanner plugged in and set to USB serial (CDC/COM) mode? "
               "`apcv-hil rigs probe` lists the serial ports")
    elif code == errno.EACCES:
        fix = ("permission denied: add the user to the dialout group "
               "(`sudo usermod -aG dialout $USER`, then log in again) or run as root")
    elif code == errno.EBUSY or "lock" in str(exc).lower():
        fix = "the port is in use by another program (a terminal, ModemManager?): close it"
    else:
        fix = str(exc)
    return LinkError(f"serial port {port} cannot be opened: {fix}")


class SerialScanner(ScannerLink):
    """A scanner sending payload lines on a serial port."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, PARAMS)
        if not url.target:
            raise LinkError(f"{url.raw}: no port given (expected serial:///dev/ttyACM0)")
        self.url = url.raw
        self.port_name = url.target
        self.default_timeout = scan_timeout(url)
        self.prefix = url.params.get("prefix", APCV_QR_PREFIX)
        baud = positive_int(url, "baud", DEFAULT_BAUD, 4_000_000)
        self.terminator = suffix_bytes(url, "cr")
        max_length = positive_int(url, "max_length", MAX_PAYLOAD, 1 << 20)
        try:
            self._port = serial.Serial(self.port_name, baudrate=baud, timeout=self.default_timeout,
                                       exclusive=True)
        except serial.SerialException as exc:
            raise _open_error(self.port_name, exc) from None
        except (ValueError, OSError) as exc:
            raise LinkError(f"serial port {self.port_name} cannot be opened: {exc}") from None
        self._lines = PayloadLines(self.url, self._read_some, self.terminator, max_length)

    def _read_some(self, timeout: float) -> bytes:
        try:
            self._port.timeout = timeout
            first = self._port.read(1)
            return first + self._port.read(self._port.in_waiting) if first else b""
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"{self.url}: the scanner went away ({exc}): is it still plugged in?") from None

    def read_payload(self, timeout: float | None = None) -> str:
        payload = self._lines.read(self.default_timeout if timeout is None else timeout)
        return check_prefix(payload, self.prefix, self.url)

    def read_bytes(self, timeout: float) -> bytes:
        return self._read_some(timeout)

    def close(self) -> None:
        self._port.close()


def open_scanner(url: LinkUrl) -> ScannerLink:
    """Registry hook: the scanner on the serial port of ``url``."""
    return SerialScanner(url)
