"""A virtual USB keyboard (Linux uinput, python-evdev) typing scanned QR codes into a window.

Keyboard-wedge scanners are keyboards: they type the payload and Enter into whatever has the
focus. This one types with a US layout (the host's layout must be US for the payload to arrive
as sent, as with a real wedge scanner). It needs ``/dev/uinput`` writable (the ``uinput``
kernel module, root or the ``input`` group); :func:`keyboard_problem` says what is missing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from apcv.errors import ApcvError

UINPUT = Path("/dev/uinput")
KEY_PAUSE_S = 0.002
SHIFTED = {"$": "4", "%": "5", "*": "8", "+": "EQUAL", ":": "SEMICOLON"}
PLAIN = {" ": "SPACE", "-": "MINUS", ".": "DOT", "/": "SLASH", "\n": "ENTER"}


class KeyboardUnavailable(ApcvError):
    """No virtual keyboard can be made on this machine (the message says why)."""


def keyboard_problem() -> str | None:
    """Why no virtual keyboard can be made here, or None when one can."""
    if not UINPUT.exists():
        return f"{UINPUT} is missing (load the uinput kernel module: modprobe uinput)"
    if not os.access(UINPUT, os.W_OK):
        return f"{UINPUT} is not writable by this user (run as root or join the input group)"
    try:
        import evdev  # noqa: F401
    except ImportError:
        return "python-evdev is not installed (pip install evdev)"
    return None


def key_names(char: str) -> tuple[str, bool]:
    """The US-layout key of ``char`` (an evdev KEY_ name) and whether Shift is held."""
    if char.isascii() and char.isalpha():
        return f"KEY_{char.upper()}", char.isupper()
    if char.isascii() and char.isdigit():
        return f"KEY_{char}", False
    if char in SHIFTED:
        return f"KEY_{SHIFTED[char]}", True
    if char in PLAIN:
        return f"KEY_{PLAIN[char]}", False
    raise KeyboardUnavailable(f"a keyboard wedge cannot type {char!r}")


class VirtualKeyboard:
    """A uinput keyboard; :meth:`type_line` types text then Enter."""

    def __init__(self) -> None:
        problem = keyboard_problem()
        if problem:
            raise KeyboardUnavailable(problem)
        from evdev import UInput, ecodes

        self._ecodes = ecodes
        self._device = UInput(name="apcv-hil virtual QR scanner")
        time.sleep(0.2)  # the desktop picks the new keyboard up before it types

    def type_line(self, text: str) -> None:
        """Type ``text`` and Enter into the focused window."""
        codes = self._ecodes
        for char in text + "\n":
            name, shifted = key_names(char)
            key = getattr(codes, name)
            if shifted:
                self._device.write(codes.EV_KEY, codes.KEY_LEFTSHIFT, 1)
            self._device.write(codes.EV_KEY, key, 1)
            self._device.write(codes.EV_KEY, key, 0)
            if shifted:
                self._device.write(codes.EV_KEY, codes.KEY_LEFTSHIFT, 0)
            self._device.syn()
            time.sleep(KEY_PAUSE_S)

    def close(self) -> None:
        """Remove the virtual keyboard."""
        self._device.close()
