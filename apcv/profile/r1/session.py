"""APCV-R1 session establishment and secure channel.

Reader and phone exchange ephemeral P-256 keys and nonces; both derive two AES-256-GCM keys
with HKDF-SHA256 keyed by the ECDH secret and salted with the transcript hash. Each direction
keeps its own message counter, which is part of the nonce.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from apcv.profile.r1.constants import AID_APCV, EPHEMERAL_KEY_LEN, PROFILE_NAME

HKDF_INFO = b"APCV-R1 session keys"
DIRECTION_READER = b"\x00\x00\x00\x01"
DIRECTION_PHONE = b"\x00\x00\x00\x02"

RandomSource = Callable[[int], bytes]
"""Returns n random bytes; ``os.urandom`` by default, fixed bytes for test vectors."""

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class SessionError(Exception):
    """Session data that cannot be used: bad point, failed decryption."""


def new_ephemeral_key(rng: RandomSource | None = None) -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key; drawn from ``rng`` when given (for reproducible vectors)."""
    if rng is None:
        return ec.generate_private_key(ec.SECP256R1())
    scalar = int.from_bytes(rng(32), "big") % (P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def encode_point(key: ec.EllipticCurvePublicKey) -> bytes:
    """Uncompressed SEC1 encoding (65 bytes)."""
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def decode_point(data: bytes) -> ec.EllipticCurvePublicKey:
    """Decode an uncompressed P-256 point, rejecting anything off the curve."""
    if len(data) != EPHEMERAL_KEY_LEN or data[0] != 0x04:
        raise SessionError("ephemeral key is not a 65-byte uncompressed P-256 point")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)
    except ValueError as exc:
        raise SessionError("ephemeral key is not on the P-256 curve") from exc


def transcript(reader_key: bytes, reader_nonce: bytes, phone_key: bytes, phone_nonce: bytes) -> bytes:
    """The bytes both sides hash: profile, AID, then both keys and nonces in order."""
    return PROFILE_NAME.encode() + AID_APCV + reader_key + reader_nonce + phone_key + phone_nonce


@dataclass(frozen=True)
class SessionKeys:
    """Keys of one session: reader->phone, phone->reader, and the transcript hash."""

    reader_to_phone: bytes
    phone_to_reader: bytes
    transcript_hash: bytes


def derive_session_keys(
    own_key: ec.EllipticCurvePrivateKey, peer_point: bytes, transcript_bytes: bytes
) -> SessionKeys:
    """ECDH with the peer's point, then HKDF-SHA256 into two 32-byte keys."""
    shared = own_key.exchange(ec.ECDH(), decode_point(peer_point))
    th = hashlib.sha256(transcript_bytes).digest()
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=th, info=HKDF_INFO).derive(shared)
    return SessionKeys(okm[:32], okm[32:], th)


class SecureChannel:
    """AES-256-GCM in both directions with per-direction counters starting at 1.

    Nonce = 4-byte direction id || 8-byte big-endian counter; AAD = transcript hash.
    """

    def __init__(self, keys: SessionKeys, role: str) -> None:
        if role not in ("reader", "phone"):
            raise ValueError(f"role must be 'reader' or 'phone', not {role!r}")
        to_phone = (AESGCM(keys.reader_to_phone), DIRECTION_READER)
        to_reader = (AESGCM(keys.phone_to_reader), DIRECTION_PHONE)
        self._send, self._recv = (to_phone, to_reader) if role == "reader" else (to_reader, to_phone)
        self._aad = keys.transcript_hash
        self._sent = 0
        self._received = 0

    def seal(self, plaintext: bytes) -> bytes:
        """Encrypt the next outgoing message."""
        self._sent += 1
        aead, direction = self._send
        return aead.encrypt(direction + self._sent.to_bytes(8, "big"), plaintext, self._aad)

    def open(self, ciphertext: bytes) -> bytes:
        """Decrypt the next incoming message; a wrong key, counter or tag is a SessionError."""
        aead, direction = self._recv
        counter = self._received + 1
        try:
            plain = aead.decrypt(direction + counter.to_bytes(8, "big"), ciphertext, self._aad)
        except (InvalidTag, ValueError) as exc:
            raise SessionError("secure-channel message failed authentication") from exc
        self._received = counter
        return plain


def random_bytes(rng: RandomSource | None, n: int) -> bytes:
    """``n`` bytes from ``rng``, or from the OS when none is given."""
    return (rng or os.urandom)(n)
