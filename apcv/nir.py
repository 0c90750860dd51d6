"""NIR (numéro d'inscription au répertoire, the "social security number") rules.

A NIR has 15 characters::

    S YY MM DD CCC OOO KK      e.g. 1 84 12 75 123 456 78

- ``S`` sex: 1 man, 2 woman; 7 and 8 for provisional numbers.
- ``YY`` year of birth, ``MM`` month of birth. Months 01-12 are calendar months. Following
  INSEE practice, 20-42 (birth month unknown or not given) and 50-99 (numbers registered
  from incomplete civil records) are accepted too; 00, 13-19 and 43-49 are rejected.
- ``DD CCC`` birthplace, five characters in one of three shapes:
  - metropolitan department (01-95, 2A/2B for Corsica, and 20 for people born in Corsica
    before 1976) then a 3-digit commune number 001-999;
  - overseas department or collectivity on three digits (971-978, 984-988) then a 2-digit
    commune number 01-99;
  - 99 (born abroad) then a 3-digit INSEE country code 001-999 (not checked against the
    list of countries).
- ``OOO`` order number of the birth in that place and month, 001-999.
- ``KK`` key: 97 minus (the 13-character number modulo 97), so 01-97, counting 2A as 19
  and 2B as 18.

Every function takes the NIR as a string; spaces (any whitespace) are removed and letters
upper-cased first, so ``"1 84 12 2a 123 456 78"`` is read as ``"184122A12345678"``.
"""

from __future__ import annotations

from typing import NamedTuple

from apcv.errors import InvalidNir

NIR_LENGTH = 15
_CORSICA = {"2A": "19", "2B": "18"}
_OVERSEAS = frozenset({*(f"97{d}" for d in range(1, 9)), *(f"98{d}" for d in range(4, 9))})
_ABROAD = "99"
_SEX_DIGITS = {"M": "1", "F": "2"}


class NirParts(NamedTuple):
    """The fields of a NIR, as strings exactly as they appear in it."""

    sex: str
    year: str
    month: str
    department: str
    commune: str  # commune number, or the country code when department is "99"
    order: str
    key: str


def normalise_nir(nir: str) -> str:
    """Return ``nir`` without whitespace and upper-cased (``2a`` becomes ``2A``)."""
    if not isinstance(nir, str):
        raise InvalidNir(f"NIR must be a string, got {type(nir).__name__}")
    return "".join(nir.split()).upper()


def nir_key(first13: str) -> int:
    """Return the key (1-97) of the first 13 characters of a NIR.

    Only the characters are checked (13 digits, ``2A``/``2B`` allowed as department);
    raises :class:`InvalidNir` otherwise. Spaces are ignored.
    """
    body = normalise_nir(first13)
    if len(body) != NIR_LENGTH - 2:
        raise InvalidNir(f"NIR body must have 13 characters, got {len(body)}")
    _check_characters(body)
    return _key(body)


def _key(body: str) -> int:
    numeric = body[:5] + _CORSICA.get(body[5:7], body[5:7]) + body[7:]
    return 97 - int(numeric) % 97


def _check_characters(text: str) -> None:
    if text.isascii() and (text.isdigit() or (
            text[5:7] in _CORSICA and text[:5].isdigit() and text[7:].isdigit())):
        return
    for position, char in enumerate(text, start=1):
        if char.isascii() and char.isdigit():
            continue
        if position == 7 and char in "AB" and text[5] == "2":
            continue
        expected = "a digit, or A/B after 2 for Corsica" if position == 7 else "a digit"
        raise InvalidNir(f"bad character {char!r} at position {position}: expected {expected}")


def parse_nir(nir: str) -> NirParts:
    """Split a valid NIR into its fields; raises :class:`InvalidNir` saying what is wrong."""
    text = normalise_nir(nir)
    if len(text) != NIR_LENGTH:
        raise InvalidNir(
            f"NIR must have {NIR_LENGTH} characters (spaces aside), got {len(text)}"
        )
    _check_characters(text)
    parts = _split(text)
    _check_fields(parts)
    expected = _key(text[:13])
    if int(parts.key) != expected:
        raise InvalidNir(f"key is {parts.key}, expected {expected:02d}")
    return parts


def _split(text: str) -> NirParts:
    department = text[5:8] if text[5:8] in _OVERSEAS else text[5:7]
    return NirParts(text[0], text[1:3], text[3:5], department, text[5 + len(department):10],
                    text[10:13], text[13:15])


def _check_fields(parts: NirParts) -> None:
    if parts.sex not in "1278":
        raise InvalidNir(
            f"sex digit is {parts.sex}, expected 1 or 2 (7 or 8 for a provisional number)"
        )
    month = int(parts.month)
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        raise InvalidNir(f"month is {parts.month}, expected 01-12, 20-42 or 50-99")
    department = parts.department
    if department in ("97", "98"):
        raise InvalidNir(
            f"department is {department}{parts.commune[0]}, expected an overseas department "
            "or collectivity (971-978, 984-988)"
        )
    if department in ("00", "96"):
        raise InvalidNir(
            f"department is {department}, expected 01-95, 2A, 2B, 971-978, 984-988 "
            "or 99 (born abroad)"
        )
    if int(parts.commune) == 0:
        what = "country code" if department == _ABROAD else "commune"
        raise InvalidNir(
            f"{what} is {parts.commune}, expected {'0' * (len(parts.commune) - 1)}1-"
            f"{'9' * len(parts.commune)}"
        )
    if parts.order == "000":
        raise InvalidNir("order number is 000, expected 001-999")


def check_nir(nir: str) -> None:
    """Raise :class:`InvalidNir` naming the first thing wrong with ``nir``; return if valid.

    Spaces are accepted and ignored (``"1 84 12 75 123 456 78"``); lower-case ``2a``/``2b``
    are read as ``2A``/``2B``. Checks, in order: length, characters, sex digit, month,
    department, commune (or country code), order number, key.
    """
    parse_nir(nir)


def is_valid_nir(nir: str) -> bool:
    """True when :func:`check_nir` accepts ``nir``; never raises."""
    try:
        check_nir(nir)
    except InvalidNir:
        return False
    return True


def is_nir_body(body: str) -> bool:
    """True when ``body`` is the first 13 characters of a NIR (characters and fields valid, key
    not written); never raises."""
    text = normalise_nir(body) if isinstance(body, str) else ""
    if len(text) != NIR_LENGTH - 2:
        return False
    try:
        _check_characters(text)
        _check_fields(_split(text + "00"))
    except InvalidNir:
        return False
    return True


def make_nir(
    sex: int | str, year: int, month: int, department: str, commune: str | int, order: int
) -> str:
    """Build a valid 15-character NIR, computing its key.

    ``sex`` is 1, 2, 7, 8 or ``"M"``/``"F"``; ``year`` is a full or 2-digit year (only its
    last two digits are kept); ``department`` is ``"75"``, ``"2A"``, ``"971"`` or ``"99"``;
    ``commune`` is the commune number within the department (3 digits, 2 after an overseas
    department) or the country code after ``"99"``. Raises :class:`InvalidNir` when a field
    is out of range.
    """
    if not 0 <= month <= 99:
        raise InvalidNir(f"month is {month}, expected 01-12, 20-42 or 50-99")
    if not 0 <= order <= 999:
        raise InvalidNir(f"order number is {order}, expected 001-999")
    department = normalise_nir(department)
    width = 5 - len(department)
    commune_text = f"{int(commune):0{width}d}" if str(commune).isdigit() else str(commune)
    if len(commune_text) != width:
        raise InvalidNir(
            f"commune {commune!r} does not fit {width} digits after department {department}"
        )
    body = f"{_SEX_DIGITS.get(str(sex), sex)}{year % 100:02d}{month:02d}{department}"
    body += f"{commune_text}{order:03d}"
    if len(body) != NIR_LENGTH - 2:
        raise InvalidNir(f"fields make a NIR body of {len(body)} characters, expected 13")
    _check_characters(body)
    nir = f"{body}{_key(body):02d}"
    _check_fields(_split(nir))
    return nir


def mask_nir(nir: str) -> str:
    """Hide all but sex, year and month: ``"1 84 12 ** *** *** **"``.

    Never reveals a character after the fifth. Input that is not a valid-looking NIR is
    masked too without raising: its first five characters are shown and every other one is
    replaced by ``*``.
    """
    text = "".join(nir.split()) if isinstance(nir, str) else ""
    head = " ".join(part for part in (text[:1], text[1:3], text[3:5]) if part)
    tail = "** *** *** **" if len(text) == NIR_LENGTH else "*" * max(len(text) - 5, 0)
    return f"{head} {tail}" if tail else head


def format_nir(nir: str) -> str:
    """Group a valid NIR for display: ``"1 84 12 75 123 456 78"`` (``"… 974 11 …"`` overseas).

    Shows the whole number: use it only for synthetic NIRs where showing them is asked for;
    logs and reports use :func:`mask_nir`. Raises :class:`InvalidNir` if ``nir`` is invalid.
    """
    return " ".join(parse_nir(nir))
