"""Masking of NIRs (French social security numbers) in payloads, logs and reports.

A NIR is 15 ASCII characters: sex ``1``, ``2``, ``7`` or ``8``, two digits of year,
two of month, a department (two digits, or ``2A``/``2B`` for Corsica), three digits of
commune, three of order number, and a two-digit key
``97 - (first 13 as a number mod 97)``, with ``2A`` read as ``19`` and ``2B`` as ``18``.
A run counts only if its key is right and it is not part of a longer digit run; it
keeps its first 5 characters and the rest become ``*``, so lengths (in APDUs, CBOR)
never change.
"""

from __future__ import annotations

import re
from typing import overload
from urllib.parse import unquote

KEPT = 5
"""Characters of a NIR left readable: sex, year and month of birth."""

_SHAPE = r"(?<![0-9])[1278][0-9]{4}(?:[0-9]{2}|2[ABab])[0-9]{8}(?![0-9])"
_TEXT_NIR = re.compile(_SHAPE)
NIR_SHAPE_BYTES = re.compile(_SHAPE.encode("ascii"))
"""A run of bytes shaped like a NIR (its key not yet checked: see :func:`is_nir`)."""
_CORSICA = {"2A": "19", "2B": "18"}


def nir_key(first13: str) -> int:
    """The control key of a NIR from its first 13 characters (``2A``/``2B`` allowed)."""
    department = first13[5:7].upper()
    digits = first13[:5] + _CORSICA.get(department, department) + first13[7:]
    return 97 - int(digits) % 97


def is_nir(candidate: str) -> bool:
    """True if ``candidate`` has the shape of a NIR and a correct key."""
    if _TEXT_NIR.fullmatch(candidate) is None:
        return False
    return nir_key(candidate[:13]) == int(candidate[13:])


def _masked(found: str) -> str:
    return found[:KEPT] + "*" * (len(found) - KEPT) if is_nir(found) else found


@overload
def redact_nirs(data: bytes) -> bytes: ...


@overload
def redact_nirs(data: str) -> str: ...


def redact_nirs(data: bytes | str) -> bytes | str:
    """``data`` with every valid NIR masked after its first 5 characters, same length."""
    if isinstance(data, str):
        return _TEXT_NIR.sub(lambda m: _masked(m.group()), data)
    return NIR_SHAPE_BYTES.sub(lambda m: _masked(m.group().decode("ascii")).encode("ascii"), bytes(data))


_DIGIT = r"(?:[0-9]|%3[0-9])"
_CHAR = r"(?:[0-9ABab]|%3[0-9]|%4[12]|%6[12])"
_SEP = r"(?:[ .\-_+/]|%2[0BDEFbdef]|%5[Ff])"
_SPELLED = re.compile(rf"(?<![0-9A-Za-z%]){_DIGIT}(?:{_SEP}*{_CHAR}){{12,16}}(?![0-9A-Za-z])")
"""A run that may spell a NIR: digits (2A/2B allowed) written plainly or percent-encoded, with
spaces, dots, dashes, underscores, plus signs or slashes (plain or encoded) between them."""
_SEPARATORS = re.compile(r"[ .\-_+/]")
_NIR_SHAPED_13_15 = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6,8}")


def _compact(spelled: str) -> str:
    return _SEPARATORS.sub("", unquote(spelled)).upper()


def spells_a_nir(text: str) -> bool:
    """True if ``text`` holds a valid NIR spelled otherwise than as its 15 characters: percent-
    encoded, or with spaces, dots, dashes (...) between them (``1 84 12 75 112 034 16``, ``%31%38...``)."""
    for match in _SPELLED.finditer(text):
        compact = _compact(match.group())
        if match.group().upper() != compact and any(is_nir(compact[i:i + 15])
                                                    for i in range(len(compact) - 14)):
            return True
    return False


def mask_nir_spellings(text: str) -> str:
    """``text`` with every run spelling a NIR-shaped number (13 to 15 characters once decoded and
    rid of separators) masked after its first five characters, same length."""
    def mask(match: re.Match[str]) -> str:
        found = match.group()
        if _NIR_SHAPED_13_15.search(_compact(found)) is None:
            return found
        return found[:KEPT] + "*" * (len(found) - KEPT)

    return _SPELLED.sub(mask, text)
