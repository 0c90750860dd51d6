"""Unit tests of the APCV-R1 session: key agreement, secure channel, point decoding."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from apcv.profile.r1.constants import AID_APCV
from apcv.profile.r1.credentials import key_from_scalar
from apcv.profile.r1.session import (
    RandomSource,
    SecureChannel,
    SessionError,
    SessionKeys,
    decode_point,
    derive_session_keys,
    encode_point,
    new_ephemeral_key,
    random_bytes,
    transcript,
)

READER_NONCE = bytes(range(16))
PHONE_NONCE = bytes(range(16, 32))


def _both_sides() -> tuple[SessionKeys, SessionKeys]:
    reader, phone = key_from_scalar(0x1234), key_from_scalar(0x5678)
    reader_point, phone_point = encode_point(reader.public_key()), encode_point(phone.public_key())
    tr = transcript(reader_point, READER_NONCE, phone_point, PHONE_NONCE)
    return derive_session_keys(reader, phone_point, tr), derive_session_keys(phone, reader_point, tr)


@pytest.fixture
def channels() -> tuple[SecureChannel, SecureChannel]:
    reader_keys, phone_keys = _both_sides()
    return SecureChannel(reader_keys, "reader"), SecureChannel(phone_keys, "phone")


def test_both_sides_derive_the_same_keys() -> None:
    reader_keys, phone_keys = _both_sides()
    assert reader_keys == phone_keys
    assert len(reader_keys.reader_to_phone) == len(reader_keys.phone_to_reader) == 32
    assert reader_keys.reader_to_phone != reader_keys.phone_to_reader


def test_transcript_layout_and_hash() -> None:
    reader, phone = key_from_scalar(0x1234), key_from_scalar(0x5678)
    rp, pp = encode_point(reader.public_key()), encode_point(phone.public_key())
    tr = transcript(rp, READER_NONCE, pp, PHONE_NONCE)
    assert tr == b"APCV-R1" + AID_APCV + rp + READER_NONCE + pp + PHONE_NONCE
    assert derive_session_keys(reader, pp, tr).transcript_hash == hashlib.sha256(tr).digest()


def test_seal_open_across_roles(channels: tuple[SecureChannel, SecureChannel]) -> None:
    reader, phone = channels
    for i in range(3):
        assert phone.open(reader.seal(b"request %d" % i)) == b"request %d" % i
        assert reader.open(phone.seal(b"answer %d" % i)) == b"answer %d" % i


def test_sealed_message_has_16_byte_tag(channels: tuple[SecureChannel, SecureChannel]) -> None:
    reader, _ = channels
    assert len(reader.seal(b"abc")) == 3 + 16


def test_a_side_cannot_open_its_own_message(channels: tuple[SecureChannel, SecureChannel]) -> None:
    reader, _ = channels
    with pytest.raises(SessionError, match="authentication"):
        reader.open(reader.seal(b"loop"))


def test_replayed_message_fails(channels: tuple[SecureChannel, SecureChannel]) -> None:
    reader, phone = channels
    sealed = reader.seal(b"once")
    assert phone.open(sealed) == b"once"
    with pytest.raises(SessionError):
        phone.open(sealed)


def test_out_of_order_fails_and_does_not_advance(channels: tuple[SecureChannel, SecureChannel]) -> None:
    reader, phone = channels
    first, second = reader.seal(b"1"), reader.seal(b"2")
    with pytest.raises(SessionError):
        phone.open(second)
    assert phone.open(first) == b"1"  # the failed attempt left the counter alone
    assert phone.open(second) == b"2"


def test_tampered_ciphertext_fails(channels: tuple[SecureChannel, SecureChannel]) -> None:
    reader, phone = channels
    sealed = bytearray(reader.seal(b"payload"))
    sealed[0] ^= 1
    with pytest.raises(SessionError):
        phone.open(bytes(sealed))
    with pytest.raises(SessionError):
        phone.open(b"short")


def test_wrong_transcript_fails() -> None:
    """Same ECDH keys but another transcript: other keys and other AAD, nothing opens."""
    reader, phone = key_from_scalar(0x1234), key_from_scalar(0x5678)
    rp, pp = encode_point(reader.public_key()), encode_point(phone.public_key())
    good = derive_session_keys(reader, pp, transcript(rp, READER_NONCE, pp, PHONE_NONCE))
    bad = derive_session_keys(phone, rp, transcript(rp, READER_NONCE, pp, bytes(16)))
    with pytest.raises(SessionError):
        SecureChannel(bad, "phone").open(SecureChannel(good, "reader").seal(b"x"))


def test_wrong_aad_alone_fails() -> None:
    reader_keys, _ = _both_sides()
    other_aad = SessionKeys(reader_keys.reader_to_phone, reader_keys.phone_to_reader, bytes(32))
    with pytest.raises(SessionError):
        SecureChannel(other_aad, "phone").open(SecureChannel(reader_keys, "reader").seal(b"x"))


def test_channel_role_is_checked() -> None:
    reader_keys, _ = _both_sides()
    with pytest.raises(ValueError, match="role"):
        SecureChannel(reader_keys, "backend")


def test_decode_point_round_trip() -> None:
    key = key_from_scalar(42).public_key()
    assert decode_point(encode_point(key)).public_numbers() == key.public_numbers()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\x04" + bytes(63), "65-byte"),  # too short
        (b"\x04" + bytes(65), "65-byte"),  # too long
        (b"\x02" + bytes(64), "65-byte"),  # compressed-point prefix
        (b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big"), "not on the P-256 curve"),
        (b"\x04" + bytes(64), "not on the P-256 curve"),  # point at infinity coordinates
    ],
)
def test_decode_point_rejects(data: bytes, fragment: str) -> None:
    with pytest.raises(SessionError, match=fragment):
        decode_point(data)


def test_derive_with_off_curve_peer_raises_session_error() -> None:
    with pytest.raises(SessionError):
        derive_session_keys(key_from_scalar(7), b"\x04" + bytes(64), b"t")


def _counter_rng() -> RandomSource:
    counter = itertools.count()
    return lambda n: bytes(next(counter) % 256 for _ in range(n))


def test_new_ephemeral_key_with_fixed_rng_is_deterministic() -> None:
    a = new_ephemeral_key(lambda n: b"\x5a" * n)
    b = new_ephemeral_key(lambda n: b"\x5a" * n)
    assert a.private_numbers().private_value == b.private_numbers().private_value
    assert new_ephemeral_key(_counter_rng()).private_numbers() == new_ephemeral_key(
        _counter_rng()
    ).private_numbers()
    assert new_ephemeral_key(lambda n: b"\x00" * n).private_numbers().private_value == 1


def test_new_ephemeral_key_without_rng_is_random() -> None:
    assert new_ephemeral_key().private_numbers() != new_ephemeral_key().private_numbers()


def test_random_bytes() -> None:
    assert random_bytes(lambda n: b"\x01" * n, 4) == b"\x01\x01\x01\x01"
    assert len(random_bytes(None, 16)) == 16
