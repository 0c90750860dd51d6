"""``wedge:stdin``, ``wedge:///dev/tty2`` — a keyboard-wedge QR scanner typing into a terminal.

A wedge scanner is a USB keyboard (HID): it types the payload, then Enter, into whatever has
the focus. The link reads those lines from a terminal: the harness's own (``wedge:stdin``,
the terminal the run was started from, focused while the scanner types) or a terminal
device given by path (a spare virtual console with no login on it, ``wedge:///dev/tty2``).
The terminal's line discipline assembles the line; Enter arrives as CR or LF, either ends a
payload. Echo is switched off while the link is open (a scanned token is not for the screen)
and restored on close.

Canonical terminals cut lines at 4095 characters (a line that long is refused as cut);
apCV payloads are far shorter. Reading
an input device directly (``/dev/input/event*``, grabbed so it types nowhere else) is not
supported: give the scanner a terminal of its own, or switch it to serial mode (``serial:``).

The keyboard layout is the classic pitfall: the scanner sends key positions and the host
applies its own layout, so a US-layout scanner on an AZERTY host types ``QPCV&M`` for
``APCV1:``. Payloads failing the ``APCV1:`` prefix check say so (:mod:`keyboard_layout`).
Query: ``timeout`` seconds per read (5), ``prefix`` (``APCV1:``; empty accepts any).
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import termios

from apcv.links.base import LinkError, LinkUrl, check_params
from apcv.links.keyboard_layout import layout_hint
from apcv.links.scan_lines import PayloadLines, check_prefix
from apcv.links.scanner_base import APCV_QR_PREFIX, ScannerLink, scan_timeout

PARAMS = ("timeout", "prefix")
CANONICAL_LINE_MAX = 4095
ENTER = b"\n"
"""What Enter arrives as: the terminal maps a typed CR to LF (and the link maps any CR left)."""


def _open_terminal(target: str) -> tuple[int, bool]:
    """File descriptor of the terminal and whether the link owns it (and must close it)."""
    if target == "stdin":
        return 0, False
    if not target.startswith("/"):
        raise LinkError(f"wedge:{target}: expected wedge:stdin or a terminal path (wedge:///dev/tty2)")
    try:
        return os.open(target, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK), True
    except FileNotFoundError:
        raise LinkError(f"terminal {target} not found: give the terminal the scanner types into "
                        "(wedge:stdin for the harness's own)") from None
    except PermissionError:
        raise LinkError(f"terminal {target}: permission denied: terminals belong to their user and the "
                        "tty group; run as that user, or as root") from None
    except OSError as exc:
        raise LinkError(f"terminal {target} cannot be opened: {exc.strerror}") from None


class WedgeScanner(ScannerLink):
    """Payload lines typed by a keyboard-wedge scanner into a terminal."""

    terminator = ENTER

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, PARAMS)
        self.url = url.raw
        self.default_timeout = scan_timeout(url)
        self.prefix = url.params.get("prefix", APCV_QR_PREFIX)
        self._fd, self._owned = _open_terminal(url.target or "stdin")
        self._is_terminal = os.isatty(self._fd)
        self._saved_mode = self._echo_off()
        self._lines = PayloadLines(self.url, self._read_some, ENTER, CANONICAL_LINE_MAX - 1)

    def _echo_off(self) -> list | None:
        if not self._is_terminal:
            return None
        mode = termios.tcgetattr(self._fd)
        quiet = list(mode)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(self._fd, termios.TCSANOW, quiet)
        return mode

    def _read_some(self, timeout: float) -> bytes:
        return self.read_bytes(timeout).replace(b"\r", ENTER)

    def read_bytes(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:
                raise LinkError(f"{self.url}: the terminal was closed (hung up)") from None
            raise LinkError(f"{self.url}: cannot read the terminal: {exc.strerror}") from None
        if not data and self._is_terminal:
            raise LinkError(f"{self.url}: the terminal was closed (hung up)")
        if not data:
            raise LinkError(f"{self.url}: end of input: nothing more can be typed into it")
        return data

    def read_payload(self, timeout: float | None = None) -> str:
        payload = self._lines.read(self.default_timeout if timeout is None else timeout)
        return check_prefix(payload, self.prefix, self.url, layout_hint(payload, self.prefix))

    def close(self) -> None:
        if self._saved_mode is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._fd, termios.TCSANOW, self._saved_mode)
            self._saved_mode = None
        if self._owned and self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def open_scanner(url: LinkUrl) -> ScannerLink:
    """Registry hook: the wedge scanner typing into the terminal of ``url``."""
    return WedgeScanner(url)
