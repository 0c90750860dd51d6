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
the message's size, without recursion, and allocates nothing but the duplicate-key sets.
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
    end = _walk(data, max_depth)
    if end != len(data):
        raise StrictCborError(f"{len(data) - end} unexpected byte(s) after the CBOR item")


def loads(data: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """:func:`check` then decode ``data``; :class:`StrictCborError` on any fault."""
    check(data, max_depth)
    try:
        return cbor2.loads(data)
    except (cbor2.CBORError, ValueError) as exc:  # none known once checked; kept a clear refusal
        raise StrictCborError(str(exc)) from None


def _walk(data: bytes, max_depth: int) -> int:
    """The offset after the item at the start of ``data``, every item checked on the way.

    One loop over the heads, without recursion: ``stack`` holds the enclosing arrays, maps and
    tags (items still due, the keys seen for a map, the offset of its head); its length is the
    depth of the item being read. A map of ``n`` pairs is due ``2n`` items, a key whenever the
    count left after it is odd. Keys are scalars (integers, strings), read whole where they start.
    """
    size = len(data)
    pos = 0
    stack: list[tuple[int, set[bytes] | None, int]] = []
    due, keys, container = 1, None, 0  # the message: one item
    while True:
        if not due:
            if not stack:
                return pos
            due, keys, container = stack.pop()
            continue
        due -= 1
        start = pos
        if pos >= size:
            raise StrictCborError(f"CBOR ends early at byte {pos}")
        initial = data[pos]
        major, info = initial >> 5, initial & 0x1F
        is_key = keys is not None and due & 1
        if is_key and major not in _KEY_MAJORS:
            raise StrictCborError(f"map at byte {container} has a key at byte {pos} that is not an integer, "
                                  "a byte string or a text string")
        if info < 24:
            argument = info
            pos += 1
        else:
            if info == 31:
                raise StrictCborError(f"indefinite-length {_MAJOR_NAMES[major]} at byte {pos} "
                                      "(deterministic CBOR has definite lengths)")
            if info > 27:
                raise StrictCborError(f"reserved additional information {info} at byte {pos}")
            if major == 7:
                kind = "simple value" if info == 24 else "floating-point number"
                raise StrictCborError(f"{kind} at byte {pos}: the profile has none")
            width = _WIDTH[info]
            if pos + 1 + width > size:
                raise StrictCborError(f"CBOR ends early at byte {pos}")
            argument = int.from_bytes(data[pos + 1:pos + 1 + width], "big")
            if argument < _MINIMUM[info]:
                raise StrictCborError(f"{_MAJOR_NAMES[major]} at byte {pos} is not in its shortest form "
                                      "(deterministic CBOR)")
            pos += 1 + width
        if major <= 1:
            pass
        elif major <= 3:
            if argument > size - pos:
                raise StrictCborError(f"{_MAJOR_NAMES[major]} at byte {start} claims {argument} bytes, "
                                      f"{size - pos} are left")
            if major == 3:
                try:
                    data[pos:pos + argument].decode("utf-8")
                except UnicodeDecodeError as exc:
                    reason = exc.reason
                    raise StrictCborError(f"text string at byte {start} is not UTF-8 ({reason})") from None
            pos += argument
        elif major == 7:
            if argument not in _SIMPLE_VALUES:
                raise StrictCborError(f"simple value {argument} at byte {start}: the profile has only "
                                      "false, true and null")
        else:
            if len(stack) >= max_depth:
                raise StrictCborError(f"CBOR nests deeper than {max_depth} levels at byte {start}")
            stack.append((due, keys, container))
            if major == 6:
                if argument not in PROFILE_TAGS:
                    raise StrictCborError(f"CBOR tag {argument} at byte {start} is not one the profile "
                                          f"defines ({', '.join(map(str, sorted(PROFILE_TAGS)))})")
                due, keys, container = 1, None, start
            elif major == 4:
                if argument > size - pos:
                    raise StrictCborError(f"array at byte {start} claims {argument} items, "
                                          "past the bytes left")
                due, keys, container = argument, None, start
            else:
                if 2 * argument > size - pos:
                    raise StrictCborError(f"map at byte {start} claims {argument} pairs, past the bytes left")
                due, keys, container = 2 * argument, set(), start
            continue
        if is_key:
            key = data[start:pos]
            assert keys is not None
            if key in keys:
                raise StrictCborError(f"map at byte {container} has the key at byte {start} twice")
            keys.add(key)
