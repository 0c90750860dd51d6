"""Hypothesis strategies for hostile CBOR: values under every tag cbor2 knows, and non-canonical encodings.

Shared by the verifier fuzz tests (``tests/test_fuzz_verifiers.py``) and the long fuzz run of
``benchmarks/cbor_fuzz.py``.

- :data:`cbor_values` draws Python values for ``cbor2.dumps``, tags included: every tag
  ``cbor2`` decodes (bignums, decimal fractions, bigfloats, shared and referenced values,
  UUIDs, dates, regular expressions, sets, IP addresses, self-described CBOR...) with contents
  of the shape each expects and of any other shape, plus arbitrary tag numbers.
- :func:`non_canonical` draws an encoding of a value that breaks RFC 8949 §4.2.1 at least once:
  a longer head than needed, an indefinite length, a key repeated.
"""

from __future__ import annotations

from typing import Any

import cbor2
from hypothesis import strategies as st

TOO_LONG_TO_PRINT = 2**14300
"""A CBOR bignum of 1,788 bytes: 4,305 decimal digits, one past what Python will ``repr``."""
KNOWN_TAGS = (0, 1, 2, 3, 4, 5, 18, 21, 22, 23, 24, 25, 28, 29, 30, 32, 33, 34, 35, 36, 37, 52, 54, 100, 256,
              258, 260, 261, 1004, 43000, 55799)
"""Every tag cbor2 5.x decodes (and the ones it names), COSE_Sign1 among them."""
integers = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([1, -1]).map(
    lambda sign: sign * TOO_LONG_TO_PRINT)  # drawn, not listed: hypothesis prints its strategies
_scalars = st.none() | st.booleans() | integers | st.floats() | st.binary(max_size=80) | st.text(max_size=40)
_shaped = {  # contents of the shape a tag's decoder expects, so that it runs rather than refusing at once
    2: st.binary(max_size=40), 3: st.binary(max_size=40),
    4: st.lists(integers, min_size=2, max_size=2), 5: st.lists(integers, min_size=2, max_size=2),
    29: st.integers(min_value=0, max_value=3), 25: st.integers(min_value=0, max_value=3),
    37: st.binary(min_size=16, max_size=16) | st.text(max_size=16),
    260: st.binary(max_size=17),
    261: st.dictionaries(st.binary(max_size=16), st.integers(0, 128), max_size=2),
    1004: st.text(max_size=12), 100: integers, 258: st.lists(_scalars, max_size=4),
}


def _tagged(inner: st.SearchStrategy) -> st.SearchStrategy:
    known = st.sampled_from(KNOWN_TAGS).flatmap(
        lambda tag: st.builds(cbor2.CBORTag, st.just(tag), _shaped.get(tag, inner) | inner))
    shared_self = inner.map(lambda value: cbor2.CBORTag(28, [value, cbor2.CBORTag(29, 0)]))
    any_number = st.builds(cbor2.CBORTag, st.integers(min_value=0, max_value=2**64 - 1), inner)
    return known | shared_self | any_number


cbor_values = st.recursive(
    _scalars,
    lambda inner: (st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8) | integers, inner,
                                                                 max_size=6) | _tagged(inner)),
    max_leaves=20)


def _head(major: int, argument: int, longer: int) -> bytes:
    """A head for ``argument``, ``longer`` sizes past the shortest (capped at 8 bytes)."""
    widths = [w for w in (0, 1, 2, 4, 8) if (w == 0 and argument < 24) or (w and argument < 256 ** w)]
    width = widths[min(longer, len(widths) - 1)]
    if width == 0:
        return bytes([major << 5 | argument])
    return bytes([major << 5 | {1: 24, 2: 25, 4: 26, 8: 27}[width]]) + argument.to_bytes(width, "big")


@st.composite
def non_canonical(draw: st.DrawFn, value: Any) -> bytes:
    """An encoding of ``value`` (ints, bytes, text, lists, text-or-int-keyed maps, None, bools) with
    at least one fault of RFC 8949 §4.2.1."""
    faults = [0]

    def fault(weight: bool) -> bool:
        chosen = draw(st.booleans()) if weight else False
        faults[0] += chosen
        return chosen

    def encode(item: Any) -> bytes:
        if item is None or isinstance(item, bool):
            return cbor2.dumps(item)
        if isinstance(item, int):
            major, argument = (0, item) if item >= 0 else (1, -1 - item)
            if argument >= 2**64:
                return cbor2.dumps(item)  # a bignum: refused as a tag anyway
            return _head(major, argument, draw(st.integers(1, 3)) if fault(argument < 2**32) else 0)
        if isinstance(item, bytes | str):
            raw = item if isinstance(item, bytes) else item.encode("utf-8")
            major = 2 if isinstance(item, bytes) else 3
            if fault(True):
                if draw(st.booleans()):
                    return bytes([major << 5 | 31]) + _head(major, len(raw), 0) + raw + b"\xff"
                return _head(major, len(raw), draw(st.integers(1, 3))) + raw
            return _head(major, len(raw), 0) + raw
        if isinstance(item, list):
            body = b"".join(encode(v) for v in item)
            if fault(True):
                return b"\x9f" + body + b"\xff"
            return _head(4, len(item), 0) + body
        pairs = [encode(k) + encode(v) for k, v in item.items()]
        if pairs and fault(True):
            pairs.append(pairs[draw(st.integers(0, len(pairs) - 1))])
        if fault(True):
            return b"\xbf" + b"".join(pairs) + b"\xff"
        return _head(5, len(pairs), 0) + b"".join(pairs)

    encoded = encode(value)
    if not faults[0]:  # nothing drawn: wrap it in a one-element array whose count takes two bytes
        encoded = b"\x98\x01" + encoded
    return encoded


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**64), max_value=2**64 - 1) | st.binary(max_size=20)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6) | st.integers(-30, 30),
                                                                inner, min_size=1, max_size=4),
    max_leaves=12)
"""Values of the profile's own types, to be encoded by :func:`non_canonical`."""
