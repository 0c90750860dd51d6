"""Judging what a scanner under test sent: which code a line is, and what is wrong with it.

A line is the code it is most like (90 % alike or more, a keyboard-layout mix-up forgiven), so
that each requirement judges one thing: a cut, a dropped or a swapped character is what
APCV-SCN-001 and APCV-SCN-003 look at, a line sent for an old code is APCV-SCN-004's.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence

from apcv.keyboard_layouts import typed_on_azerty, typed_on_qwerty
from harness.scanner_stream import ScannedLine

ALIKE = 0.9
"""How alike (difflib's ratio) a line and a code must be for the line to be that code."""
BASE45_TEXT = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
"""Every character an APCV1 token may hold (its prefix is made of them too)."""
TOKEN_PREFIX = "APCV1:"
TERMINATOR_NAMES = {b"\r": "CR", b"\n": "LF", b"\r\n": "CRLF", b"\t": "TAB", b"": "nothing"}


def layout_forms(code: str) -> tuple[str, str, str]:
    """``code`` as sent, and as either keyboard-layout mix-up types it."""
    return code, typed_on_azerty(code), typed_on_qwerty(code)


@functools.lru_cache(maxsize=4096)
def alike(text: str, other: str) -> float:
    """How alike two texts are (0..1, difflib's ratio)."""
    return difflib.SequenceMatcher(None, text, other, autojunk=False).ratio()


def likeness(text: str, code: str) -> float:
    """How alike ``text`` is to ``code``, the best over the keyboard-layout forms of ``code``."""
    return max(alike(text, form) for form in layout_forms(code))


def closest_form(text: str, code: str) -> str:
    """The keyboard-layout form of ``code`` that ``text`` is most like."""
    return max(layout_forms(code), key=lambda form: alike(text, form))


def code_of(text: str, codes: Sequence[str]) -> int | None:
    """The index of the code ``text`` is (the one it is most like), or None when it is like none."""
    best = max(range(len(codes)), key=lambda i: likeness(text, codes[i]), default=None)
    return best if best is not None and likeness(text, codes[best]) >= ALIKE else None


def is_code(text: str, code: str) -> bool:
    """True when ``text`` is ``code`` as a scanner sent it (see the module's docstring)."""
    return likeness(text, code) >= ALIKE


def lines_for(code: str, codes: Sequence[str], lines: Sequence[ScannedLine]) -> list[ScannedLine]:
    """The lines that are ``code`` (one of ``codes``, all the codes shown)."""
    index = codes.index(code)
    return [line for line in lines if code_of(line.text, codes) == index]


def terminator_name(terminator: bytes) -> str:
    """CR, LF, CRLF, TAB, or the bytes themselves."""
    return TERMINATOR_NAMES.get(terminator, repr(terminator))


def difference(got: str, wanted: str) -> str:
    """What separates ``got`` from ``wanted``, in words: a cut, dropped, doubled or changed characters."""
    if wanted.startswith(got):
        return f"cut after character {len(got)} of {len(wanted)}"
    faults = []
    opcodes = difflib.SequenceMatcher(None, wanted, got, autojunk=False).get_opcodes()
    for op, i1, i2, j1, j2 in opcodes:
        if op == "delete":
            faults.append(f"character {i1 + 1} {wanted[i1:i2]!r} dropped" if i2 - i1 == 1
                          else f"characters {i1 + 1}-{i2} {wanted[i1:i2]!r} dropped")
        elif op == "insert":
            doubled = i1 > 0 and got[j1:j2] == wanted[i1 - j2 + j1:i1]
            faults.append(f"{got[j1:j2]!r} {'doubled' if doubled else 'added'} after character {i1}")
        elif op == "replace":
            faults.append(f"characters {i1 + 1}-{i2} {wanted[i1:i2]!r} arrived as {got[j1:j2]!r}")
    shown = "; ".join(faults[:3]) + (f"; and {len(faults) - 3} more" if len(faults) > 3 else "")
    return f"{len(got)} characters of {len(wanted)}: {shown}"


def foreign_characters(text: str) -> list[str]:
    """The characters of ``text`` no APCV1 token holds, in order of first appearance."""
    return list(dict.fromkeys(ch for ch in text if ch not in BASE45_TEXT))
