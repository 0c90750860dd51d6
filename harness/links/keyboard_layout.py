"""Keyboard-layout mismatches of keyboard-wedge scanners.

A wedge scanner is a USB keyboard: it sends key positions (scan codes), and the host turns
them into characters with *its* layout. A scanner set for a US (QWERTY) keyboard typing into
a French (AZERTY) host mangles the base45 alphabet of apCV QR codes: digits come out as
``&é"'(-è_çà``, ``A``/``Q`` and ``Z``/``W`` swap, ``M`` becomes ``?``, ``:`` becomes ``M``,
``.`` becomes ``:``, ``/`` becomes ``!``, ``-`` becomes ``)``, ``$ % *`` become ``4 5 8``.
"""

from __future__ import annotations

_US_TO_AZERTY = {
    "A": "Q", "Q": "A", "Z": "W", "W": "Z", "M": "?",
    "1": "&", "2": "é", "3": '"', "4": "'", "5": "(", "6": "-", "7": "è", "8": "_", "9": "ç", "0": "à",
    ":": "M", ".": ":", "/": "!", "-": ")", "$": "4", "%": "5", "*": "8",
}
_AZERTY_TO_US = {typed: wanted for wanted, typed in _US_TO_AZERTY.items()}


def typed_on_azerty(text: str) -> str:
    """What ``text`` becomes when a US-layout scanner types it into an AZERTY host."""
    return "".join(_US_TO_AZERTY.get(ch, ch) for ch in text)


def typed_on_qwerty(text: str) -> str:
    """What ``text`` becomes when an AZERTY-layout scanner types it into a US host."""
    return "".join(_AZERTY_TO_US.get(ch, ch) for ch in text)


def layout_hint(payload: str, prefix: str) -> str:
    """Why a wedge payload lacks ``prefix``: a named layout mismatch, or the general advice."""
    if payload.startswith(typed_on_azerty(prefix)):
        return ("it reads as a US-layout scanner typing into an AZERTY (French) keyboard layout: "
                "set the scanner to the host's layout (or to AZERTY), or the host to US")
    if payload.startswith(typed_on_qwerty(prefix)):
        return ("it reads as an AZERTY-layout scanner typing into a US keyboard layout: "
                "set the scanner to the host's layout")
    return ("the keyboard layout is the likely cause: a wedge scanner types key positions, and a "
            "scanner set for another layout than the host's mangles characters like : $ % * + - . /")
