"""Strict readers of CBOR fields for everything a verifier decodes from outside.

Each reader checks the exact type (``bool`` is not an integer, a list is not bytes), the
length or range, and raises the caller's error class with the field's name, so a verifier
never lets a ``TypeError`` or an ``OverflowError`` escape and never stores a value of the
wrong shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apcv.errors import VerificationError
from apcv.profile.r1 import strict_cbor

POSIX_MAX = 2**40
"""Upper bound of a POSIX-seconds claim (year ~36,800): far past any real date, far below
what a database integer, a ``datetime`` or a float can hold exactly."""
MAX_NESTING = 16
"""Deepest CBOR nesting accepted in claims (the profile needs 4)."""


def decode_exact(data: bytes, what: str, error: type[VerificationError] = VerificationError) -> Any:
    """One item of the profile's strict CBOR (:mod:`apcv.profile.r1.strict_cbor`) filling ``data``
    exactly: deterministic, profile tags only, no trailing bytes, no absurd nesting."""
    if not isinstance(data, bytes):
        raise error(f"{what} is a {type(data).__name__}, not CBOR bytes")
    try:
        return strict_cbor.loads(data, MAX_NESTING)
    except strict_cbor.StrictCborError as exc:
        raise error(f"{what} is not profile CBOR: {exc}") from None


def shown(value: Any, limit: int) -> str:
    """``repr(value)`` cut to ``limit`` characters, for an error message about outside data.

    Never fails: an integer of more than 4,300 digits (a CBOR bignum of ~1.8 KB) has no
    ``repr`` in Python (``ValueError``), nor has a container holding one.
    """
    try:
        return repr(value)[:limit]
    except ValueError:
        return f"<{type(value).__name__} too long to show>"


def text_map(obj: Any, what: str, required: set[str], optional: frozenset[str] = frozenset(),
             error: type[VerificationError] = VerificationError) -> dict[str, Any]:
    """``obj`` as a map with text keys: all of ``required``, none outside ``required | optional``."""
    if not isinstance(obj, dict):
        raise error(f"{what} is a CBOR {type(obj).__name__}, not a map")
    keys = set(obj)
    if missing := required - keys:
        raise error(f"{what}: missing {', '.join(sorted(missing))}")
    if unknown := keys - required - optional:
        raise error(f"{what}: unknown key(s) {', '.join(sorted(shown(k, 40) for k in unknown)[:5])}")
    return obj


def byte_string(raw: Mapping[str, Any], name: str, length: int, what: str,
                error: type[VerificationError] = VerificationError) -> bytes:
    """The ``length``-byte string under ``name``."""
    value = raw[name]
    if not isinstance(value, bytes) or len(value) != length:
        raise error(f"{what} '{name}' is not a {length}-byte string")
    return value


def posix_time(raw: Mapping[str, Any], name: str, what: str,
               error: type[VerificationError] = VerificationError) -> int:
    """POSIX seconds under ``name``: an integer (not a bool) in ``[0, 2**40)``."""
    value = raw[name]
    if type(value) is not int or not 0 <= value < POSIX_MAX:
        raise error(f"{what} '{name}' is not POSIX seconds (an integer from 0 to 2**40)")
    return value


def small_uint(raw: Mapping[str, Any], name: str, limit: int, what: str,
               error: type[VerificationError] = VerificationError) -> int:
    """An integer (not a bool) under ``name`` in ``[0, limit)``."""
    value = raw[name]
    if type(value) is not int or not 0 <= value < limit:
        raise error(f"{what} '{name}' is not an integer from 0 to {limit - 1}")
    return value


def short_text(raw: Mapping[str, Any], name: str, longest: int, what: str,
               error: type[VerificationError] = VerificationError) -> str:
    """Text of 1 to ``longest`` characters under ``name``, printable ASCII only."""
    value = raw[name]
    if not isinstance(value, str) or not 0 < len(value) <= longest or not (value.isascii()
                                                                           and value.isprintable()):
        raise error(f"{what} '{name}' is not printable ASCII text of 1-{longest} characters")
    return value
