"""What a keyboard-layout mismatch does to text typed by a keyboard-wedge QR scanner.

A wedge scanner is a USB keyboard: it sends key positions (scan codes), and the host turns them
into characters with *its* layout. A scanner set for a US (QWERTY) keyboard typing into a French
(AZERTY) host mangles the base45 alphabet of apCV QR codes: digits come out as ``&é"'(-è_çà``,
``A``/``Q`` and ``Z``/``W`` swap, ``M`` becomes ``?``, ``:`` becomes ``M``, ``.`` becomes ``:``,
``/`` becomes ``!``, ``-`` becomes ``)``, ``$ % *`` become ``4 5 8``. The harness uses this to
name the mismatch; the faulty simulated scanner uses it to commit it.
"""

from __future__ import annotations

US_TO_AZERTY = {
    "A": "Q", "Q": "A", "Z": "W", "W": "Z", "M": "?",
    "1": "&", "2": "é", "3": '"', "4": "'", "5": "(", "6": "-", "7": "è", "8": "_", "9": "ç", "0": "à",
    ":": "M", ".": ":", "/": "!", "-": ")", "$": "4", "%": "5", "*": "8",
}
"""Character meant by a US-layout key → character an AZERTY host makes of that key."""
_AZERTY_TO_US = {typed: wanted for wanted, typed in US_TO_AZERTY.items()}


def typed_on_azerty(text: str) -> str:
    """What ``text`` becomes when a US-layout scanner types it into an AZERTY host."""
    return "".join(US_TO_AZERTY.get(ch, ch) for ch in text)


def typed_on_qwerty(text: str) -> str:
    """What ``text`` becomes when an AZERTY-layout scanner types it into a US host."""
    return "".join(_AZERTY_TO_US.get(ch, ch) for ch in text)
