"""Masking of NIRs (French social security numbers) in payloads, logs and reports.

A NIR is 15 ASCII characters: sex ``1``, ``2``, ``7`` or ``8``, two digits of year,
two of month, a department (two digits, or ``2A``/``2B`` for Corsica), three digits of
commune, three of order number, and a two-digit key
``97 - (first 13 as a number mod 97)``, with ``2A`` read as ``19`` and ``2B`` as ``18``.
A run counts only if its key is right and it is not part of a longer digit run; it
keeps its first 5 characters and the rest become ``*``, so lengths (in APDUs, CBOR)
never change. Text is masked in every spelling :mod:`apcv.nir_spellings` knows (grouped,
without its key, percent-encoded), lengths kept too.
"""

from __future__ import annotations

import re
from typing import overload

from apcv.nir_spellings import find_nirs, mask_nirs, may_spell_apart

KEPT = 5
"""Characters of a NIR left readable: sex, year and month of birth."""

_SHAPE = r"[1278](?<![0-9][1278])[0-9]{4}(?:[0-9]{2}|2[ABab])[0-9]{8}(?![0-9])"
"""No digit before the NIR, written after its first character (``[1278]`` then "the two characters
ending here are not a digit and that one"): a pattern that starts with a character class lets the
regex engine skip to the candidates instead of trying the look-behind at every position."""
_TEXT_NIR = re.compile(_SHAPE)
NIR_SHAPE_BYTES = re.compile(_SHAPE.encode("ascii"))
"""A run of bytes shaped like a NIR (its key not yet checked: see :func:`is_nir`)."""
_CLASSES = bytes.maketrans(bytes(range(256)), b"".join(
    b"0" if i in b"0123456789" else b"A" if i in b"ABab" else b"." for i in range(256)))
"""A digit becomes ``0``, a Corsican department's letter ``A``, any other byte ``.``."""
_RUNS = (b"0" * 15, b"0" * 6 + b"A" + b"0" * 8)
"""What a NIR's bytes become through ``_CLASSES``: 15 digits, or a Corsican one (``2A``/``2B``)."""
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


def may_hold_nir(data: bytes) -> bool:
    """False when ``data`` cannot hold a NIR's bytes (no 15 digits in a row, nor a Corsican NIR's
    digits and letter): one ``translate`` and two substring searches, far cheaper than the regex
    over the APDUs of a trace, which almost never hold one."""
    classes = data.translate(_CLASSES)
    return _RUNS[0] in classes or _RUNS[1] in classes


@overload
def redact_nirs(data: bytes) -> bytes: ...


@overload
def redact_nirs(data: str) -> str: ...


def redact_nirs(data: bytes | str) -> bytes | str:
    """``data`` with every valid NIR masked after its first 5 characters, same length: packed in
    bytes (APDU data), in any spelling in text."""
    if isinstance(data, str):
        return mask_nirs(data, strict=True)
    data = bytes(data)
    if not may_hold_nir(data):
        return data
    return NIR_SHAPE_BYTES.sub(lambda m: _masked(m.group().decode("ascii")).encode("ascii"), data)


def spells_a_nir(text: str) -> bool:
    """True if ``text`` holds a valid NIR spelled otherwise than as its 15 characters: percent-
    encoded, or with spaces, dots, dashes (...) between any of them (``1 84 12 75 112 034 16``,
    ``%31%38...``), as :mod:`apcv.nir_spellings` finds them."""
    return may_spell_apart(text) and any(len(found.nir) == 15 and found.text.upper() != found.nir
               for found in find_nirs(text, strict=True, anywhere=True))


def mask_nir_spellings(text: str) -> str:
    """``text`` with every spelling of a NIR (:mod:`apcv.nir_spellings`, separators between any
    characters, whatever its key) masked after its first five characters, same length."""
    return mask_nirs(text, strict=False, anywhere=True)
