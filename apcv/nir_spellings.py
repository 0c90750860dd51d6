"""Every way a NIR may be written in text, found and masked: the one recogniser the harness,
the simulators and the leak scans share.

A NIR is 13 characters (sex, year, month, birthplace, order number) and a 2-digit key. People
and programs write it:

- packed (``184127511203416``) or without its key (``1841275112034``);
- grouped with spaces, no-break spaces, dots, dashes or underscores (``1 84 12 75 112 034 16``,
  ``1.84.12.75.112.034.16``, ``1-84-12-75-112-034``), up to two separator characters between
  two fields (``1 84 12 75 112 034 - 16``), or, with ``anywhere``, between any two characters
  (``184.127.511.203.416``, slashes too);
- percent-encoded, in URLs and form bodies: a separator as ``%20``, ``+``, ``%2E``, ``%2D``,
  and any character as its escape (``%31%38%34...``).

:func:`find_nirs` yields each spelling with the 13 or 15 characters it stands for. A spelling
with a key counts when the key is right (``strict``) or whatever the key (``strict=False``, for
masking the harness's own output, where a typo'd NIR must not show either); a spelling without
a key counts when its fields are those of a NIR (:func:`apcv.nir.check_nir`'s rules). A run
never starts right after a digit, inside a percent-escape, nor after ``0.``/``0,`` (a float's
fraction), and a keyless run never goes on with a digit.

:func:`mask_nirs` keeps the first five characters of each (sex, year and month of birth) and
turns every later digit or letter into ``*`` (``%2A`` where it was percent-encoded), separators
kept: the text keeps its length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from apcv.nir import is_nir_body, nir_key

KEPT = 5
"""Characters of a NIR left readable: sex, year and month of birth."""
MASK = "*"
ENCODED_MASK = "%2A"

_DIGIT = r"(?:[0-9]|%3[0-9])"
_SEX = r"(?:[1278]|%3[1278])"
_CORSICA = r"(?:2|%32)(?:[ABab]|%4[12]|%6[12])"
_SEP = r"(?:[ .\-+_\u00a0\u202f]|%20|%2[DdEe]|%5[Ff]|%C2%A0|%E2%80%AF){0,2}"
_ANY_SEPARATORS = r" .\-+_/\u00a0\u202f"
"""The characters that may stand between two characters of a NIR with ``anywhere`` (a class)."""
_ANY_SEP = rf"(?:[{_ANY_SEPARATORS}]|%20|%2[BbDdEeFf]|%5[Ff]|%C2%A0|%E2%80%AF){{0,2}}"
_BODY = (rf"{_SEX}{_SEP}{_DIGIT}{{2}}{_SEP}{_DIGIT}{{2}}{_SEP}(?:{_DIGIT}{{2}}|{_CORSICA}){_SEP}"
         rf"{_DIGIT}{_SEP}{_DIGIT}{{2}}{_SEP}{_DIGIT}{{3}}")
_LETTER = r"(?:[ABab]|%4[12]|%6[12])"
_ANY_DEPARTMENT = rf"(?:{_DIGIT}{_ANY_SEP}{_DIGIT}|(?:2|%32){_ANY_SEP}{_LETTER})"
_ANY_BODY = _ANY_SEP.join([_SEX, *[_DIGIT] * 4, _ANY_DEPARTMENT, *[_DIGIT] * 6])
_NOT_AFTER = r"(?<![0-9%])(?<!%[0-9A-Fa-f])(?<!%3[0-9])(?<![0-9][.,])"
"""A run starts neither after a digit (plain or escaped), nor inside an escape, nor in a float's fraction."""
_NOT_BEFORE = r"(?![0-9])(?!%3[0-9])"
_SPELLING = re.compile(rf"{_NOT_AFTER}(?P<body>{_BODY})(?:(?P<sep>{_SEP})(?P<key>{_DIGIT}{{2}}))?")
_ANY_SPELLING = re.compile(rf"{_NOT_AFTER}(?P<body>{_ANY_BODY})"
                           rf"(?:(?P<sep>{_ANY_SEP})(?P<key>{_DIGIT}{_ANY_SEP}{_DIGIT}))?")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_APART = re.compile(rf"%|[0-9ABab][{_ANY_SEPARATORS}]{{1,2}}[0-9ABab]")
"""What every spelling other than the packed characters holds: a percent-escape, or one or two
separators between two of its characters (digits, or the letter of a Corsican department)."""
_FLOAT = re.compile(r"[0-9]+[.,][0-9]+")


@dataclass(frozen=True)
class NirSpelling:
    """One NIR written in a text: where (``start``..``end``), and the NIR it stands for."""

    start: int
    end: int
    nir: str
    """The 13 characters (no key written) or 15, upper-cased, separators and escapes removed."""
    text: str
    """The spelling as written."""

    @property
    def body(self) -> str:
        """The first 13 characters: who it is, key aside."""
        return self.nir[:13]


def _plain(spelled: str) -> str:
    return "".join(ch for ch in unquote(spelled.replace("+", " ")) if ch.isalnum()).upper()


def _key_right(nir: str) -> bool:
    return nir_key(nir[:13]) == int(nir[13:])


def find_nirs(text: str, *, strict: bool = True, anywhere: bool = False) -> Iterator[NirSpelling]:
    """Each spelling of a NIR in ``text``, left to right (see the module's rules); ``anywhere``:
    separators (also ``_`` and ``/``) between any two characters, not only between fields
    (``184.127.511.203.416``), for scans whose findings are matched against known people and for
    logs of requests (a text full of spaced hex or dates would lose digits to it)."""
    pattern = _ANY_SPELLING if anywhere else _SPELLING
    position = 0
    while (match := pattern.search(text, position)) is not None:
        found = _judge(text, match, strict, anywhere)
        if found is None:
            position = match.start() + 1
            continue
        yield found
        position = found.end


def may_spell_apart(text: str) -> bool:
    """False when no NIR in ``text`` can be spelled otherwise than as its packed characters (with
    ``anywhere``): ``text`` has no percent sign and no separator (one or two) between two digits or
    letters ``A``/``B``.
    A quick test before :func:`find_nirs` for texts that are mostly such (request targets)."""
    return _APART.search(text) is not None


def _stands_alone(text: str, start: int, end: int) -> bool:
    return not (start > 0 and text[start - 1].isalnum()) and not (end < len(text) and text[end].isalnum())


def _judge(text: str, match: re.Match[str], strict: bool, anywhere: bool) -> NirSpelling | None:
    if _FLOAT.fullmatch(match.group()):
        return None  # digits, one point, digits: a number (1.3489858107579893, a time 1796584270.03178)
    body = _plain(match.group("body"))
    if match.group("key") is not None:
        keyed = body + _plain(match.group("key"))
        key_ok = _key_right(keyed)
        ends_clean = re.match(_NOT_BEFORE, text[match.end():]) is not None
        if key_ok and ends_clean:
            return NirSpelling(match.start(), match.end(), keyed, match.group())
        # the harness's own output: a NIR with a typo in its key is masked too; grouped anyhow (a
        # request log), only where no letter or digit touches it (the start of a hex id stays)
        if not strict and (not anywhere or _stands_alone(text, match.start(), match.end())):
            return NirSpelling(match.start(), match.end(), keyed, match.group())
        if not match.group("sep"):
            return None  # 15 digits with a wrong key, or 16 and more: not a NIR
    end = match.end("body")
    if re.match(_NOT_BEFORE, text[end:]) is None or not is_nir_body(body):
        return None
    return NirSpelling(match.start(), end, body, match.group("body"))


def _masked(spelled: str) -> str:
    out: list[str] = []
    seen = 0
    position = 0
    while position < len(spelled):
        escape = _ESCAPE.match(spelled, position)
        piece = escape.group() if escape else spelled[position]
        position += len(piece)
        char = unquote(piece) if escape else piece
        if not char.isalnum():
            out.append(piece)
            continue
        seen += 1
        out.append(piece if seen <= KEPT else (ENCODED_MASK if escape else MASK))
    return "".join(out)


def mask_nirs(text: str, *, strict: bool = False, anywhere: bool = False) -> str:
    """``text`` with every NIR spelling masked after its first five characters (same length)."""
    out: list[str] = []
    last = 0
    for found in find_nirs(text, strict=strict, anywhere=anywhere):
        out += [text[last:found.start], _masked(found.text)]
        last = found.end
    return "".join(out) + text[last:]


def nirs_written(text: str, *, anywhere: bool = True) -> set[str]:
    """The bodies (first 13 characters) of the valid NIRs ``text`` spells, in any spelling (grouped
    anyhow unless ``anywhere`` is False): for matching against the people a bench knows."""
    return {found.body for found in find_nirs(text, strict=True, anywhere=anywhere)}
