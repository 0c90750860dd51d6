"""The presentation path's CBOR encoding writes what ``cbor2.dumps`` writes, byte for byte."""

from __future__ import annotations

import threading

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from apcv.profile.r1 import cbor_out

_EDGES = [0, 1, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**64 - 1, 2**64, 2**70]
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.binary(max_size=300) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.integers() | st.text(max_size=8), inner,
                                                                max_size=5),
    max_leaves=20)


@pytest.mark.parametrize("n", [*_EDGES, *(-1 - n for n in _EDGES)])
def test_integers_at_every_head_width_are_encoded_as_cbor2_does(n: int) -> None:
    assert cbor_out.integer(n) == cbor2.dumps(n)


@given(st.integers(min_value=-(2**66), max_value=2**66))
def test_any_integer_is_encoded_as_cbor2_does(n: int) -> None:
    assert cbor_out.integer(n) == cbor2.dumps(n)


@pytest.mark.parametrize("length", [0, 23, 24, 255, 256, 65535, 65536])
def test_byte_and_text_strings_at_every_head_width_are_encoded_as_cbor2_does(length: int) -> None:
    assert cbor_out.byte_string(b"\xff" * length) == cbor2.dumps(b"\xff" * length)
    assert cbor_out.text_string("é" * length) == cbor2.dumps("é" * length)


@given(_VALUES)
def test_the_reused_encoder_writes_what_a_new_one_writes(value: object) -> None:
    assert cbor_out.dumps(value) == cbor2.dumps(value)
    assert cbor_out.dumps(value) == cbor2.dumps(value)  # nothing left over from the first call


def test_a_failed_encoding_leaves_nothing_behind() -> None:
    with pytest.raises(cbor2.CBOREncodeError):
        cbor_out.dumps([1, 2, object()])
    assert cbor_out.dumps({"a": [1, b"x"]}) == cbor2.dumps({"a": [1, b"x"]})


def test_threads_do_not_share_an_encoder() -> None:
    failures: list[object] = []

    def encode_many(seed: int) -> None:
        for i in range(2000):
            value = {"seed": seed, "i": i, "data": bytes([seed]) * (i % 300)}
            if cbor_out.dumps(value) != cbor2.dumps(value):
                failures.append(value)

    threads = [threading.Thread(target=encode_many, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
