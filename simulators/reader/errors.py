"""Errors the reader kernel reports, each with a message a practitioner can act on."""

from __future__ import annotations

from apcv.errors import ProtocolError
from apcv.profile.iso7816 import sw_meaning


class CardError(ProtocolError):
    """The card or phone answered a status word the kernel cannot go on with."""

    def __init__(self, step: str, sw: int, hint: str = "") -> None:
        text = f"{step}: the device answered {sw:04X} ({sw_meaning(sw)})"
        super().__init__(f"{text}; {hint}" if hint else text, status_word=sw)
        self.step = step


class AppLocked(CardError):
    """6982 from the phone: the apCV app is locked."""

    def __init__(self, step: str) -> None:
        super().__init__(step, 0x6982, "the apCV app is locked: unlock the phone and tap again")


class NoApcvApplication(ProtocolError):
    """Neither the apCV applet nor the card application is on the presented device."""
