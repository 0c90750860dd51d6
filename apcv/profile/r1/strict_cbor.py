"""The CBOR subset APCV-R1 accepts from a device: deterministic, profile tags only.

Every byte string a verifier decodes from outside (a COSE_Sign1, the claims it signs, the
insurer-signed card data and its items, a QR token, an identity assertion) is first walked
here, before ``cbor2`` builds anything from it. The walk refuses, with the offset of the
fault:

- what RFC 8949 §4.2.1 (core deterministic encoding) forbids: an integer, length or tag
  number not in its shortest form, an indefinite length, a map with the same key twice;
- what the profile has no use for: any tag but COSE_Sign1 (18) — so no bignum, bigfloat,
  decimal fraction, shared value, UUID, date or regular expression reaches ``cbor2``'s tag
  decoders —, floating-point numbers, ``undefined`` and simple values other than
  ``false``/``true``/``null``;
- what would cost more than the message's size: a length or a count past the bytes left,
  nesting deeper than the caller allows.

Map keys need not be sorted: the profile's encoders (``cbor2.dumps``) keep insertion order,
and the signature covers the exact bytes, so order adds no ambiguity. The walk is linear in
the message's size and allocates nothing but the duplicate-key sets.
"""

from __future__ import annotations

from typing import Any

import cbor2

COSE_SIGN1_TAG = 18
PROFILE_TAGS = frozenset({COSE_SIGN1_TAG})
"""The only CBOR tags APCV-R1 defines."""
MAX_DEPTH = 16
"""Deepest nesting of arrays, maps and tags accepted (the profile needs 5)."""
_SIMPLE_VALUES = {20: "false", 21: "true", 22: "null"}
_MINIMUM = {24: 24, 25: 0x100, 26: 0x1_0000, 27: 0x1_0000_0000}
"""Smallest argument each long form may carry (a smaller one has a shorter encoding)."""
_KEY_MAJORS = frozenset({0, 1, 2, 3})
"""Map keys the profile uses (integers, text; byte strings harmless): a ``true`` key would equal
the key ``1`` once decoded, hiding a duplicate."""
_WIDTH = {24: 1, 25: 2, 26: 4, 27: 8}
_MAJOR_NAMES = ("unsigned integer", "negative integer", "byte string", "text string", "array", "map",
                "tag", "simple value")


class StrictCborError(ValueError):
    """Bytes outside the CBOR subset of the profile; the message names the fault and its offset."""


def check(data: bytes, max_depth: int = MAX_DEPTH) -> None:
    """Refuse ``data`` unless it is exactly one item of the profile's deterministic CBOR."""
    end = _Walk(data, max_depth).item(0, 0)
    if end != len(data):
        raise StrictCborError(f"{len(data) - end} unexpected byte(s) after the CBOR item")


def loads(data: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """:func:`check` then decode ``data``; :class:`StrictCborError` on any fault."""
    check(data, max_depth)
    try:
        return cbor2.loads(data)
    except (cbor2.CBORError, ValueError) as exc:  # none known once checked; kept a clear refusal
        raise StrictCborError(str(exc)) from None


class _Walk:
    """One pass over a message; :meth:`item` returns the offset after the item at ``pos``."""

    def __init__(self, data: bytes, max_depth: int) -> None:
        self.data = data
        self.max_depth = max_depth

    def _head(self, pos: int) -> tuple[int, int, int]:
        """Major type, argument and offset after the head at ``pos``."""
        data = self.data
        if pos >= len(data):
            raise StrictCborError(f"CBOR ends early at byte {pos}")
        major, info = data[pos] >> 5, data[pos] & 0x1F
        if info < 24:
            return major, info, pos + 1
        if info == 31:
            raise StrictCborError(f"indefinite-length {_MAJOR_NAMES[major]} at byte {pos} "
                                  "(deterministic CBOR has definite lengths)")
        if info > 27:
            raise StrictCborError(f"reserved additional information {info} at byte {pos}")
        if major == 7:
            kind = "simple value" if info == 24 else "floating-point number"
            raise StrictCborError(f"{kind} at byte {pos}: the profile has none")
        width = _WIDTH[info]
        if pos + 1 + width > len(data):
            raise StrictCborError(f"CBOR ends early at byte {pos}")
        argument = int.from_bytes(data[pos + 1:pos + 1 + width], "big")
        if argument < _MINIMUM[info]:
            raise StrictCborError(f"{_MAJOR_NAMES[major]} at byte {pos} is not in its shortest form "
                                  "(deterministic CBOR)")
        return major, argument, pos + 1 + width

    def item(self, pos: int, depth: int) -> int:
        start = pos
        major, argument, pos = self._head(pos)
        if major <= 1:
            return pos
        if major <= 3:
            if argument > len(self.data) - pos:
                raise StrictCborError(f"{_MAJOR_NAMES[major]} at byte {start} claims {argument} bytes, "
                                      f"{len(self.data) - pos} are left")
            if major == 3:
                try:
                    self.data[pos:pos + argument].decode("utf-8")
                except UnicodeDecodeError as exc:
                    reason = exc.reason
                    raise StrictCborError(f"text string at byte {start} is not UTF-8 ({reason})") from None
            return pos + argument
        if major == 7:
            if argument not in _SIMPLE_VALUES:
                raise StrictCborError(f"simple value {argument} at byte {start}: the profile has only "
                                      "false, true and null")
            return pos
        if depth >= self.max_depth:
            raise StrictCborError(f"CBOR nests deeper than {self.max_depth} levels at byte {start}")
        if major == 6:
            if argument not in PROFILE_TAGS:
                raise StrictCborError(f"CBOR tag {argument} at byte {start} is not one the profile defines "
                                      f"({', '.join(map(str, sorted(PROFILE_TAGS)))})")
            return self.item(pos, depth + 1)
        if major == 4:
            if argument > len(self.data) - pos:
                raise StrictCborError(f"array at byte {start} claims {argument} items, past the bytes left")
            for _ in range(argument):
                pos = self.item(pos, depth + 1)
            return pos
        if 2 * argument > len(self.data) - pos:
            raise StrictCborError(f"map at byte {start} claims {argument} pairs, past the bytes left")
        keys: set[bytes] = set()
        for _ in range(argument):
            if pos < len(self.data) and self.data[pos] >> 5 not in _KEY_MAJORS:
                raise StrictCborError(f"map at byte {start} has a key at byte {pos} that is not an integer, "
                                      "a byte string or a text string")
            key_end = self.item(pos, depth + 1)
            key = self.data[pos:key_end]
            if key in keys:
                raise StrictCborError(f"map at byte {start} has the key at byte {pos} twice")
            keys.add(key)
            pos = self.item(key_end, depth + 1)
        return pos
