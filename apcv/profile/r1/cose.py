"""COSE_Sign1 (ES256) signing and verification over CBOR payloads (RFC 9052 §4.4).

The signer's X.509 certificate travels in the unprotected ``x5chain`` header (label 33);
a key identifier, when given, in the unprotected ``kid`` header (label 4). The protected
header is always ``{1: -7}``, so the ``Sig_structure`` is built directly with ``cbor2`` and
signed with ``cryptography``: one CBOR encoding and one ECDSA operation per message (``cwt``
re-encodes the headers, and converts the signature through Python integers, several times).
``tests/test_cose.py`` checks both ways against ``cwt``, the independent implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from apcv.errors import VerificationError
from apcv.profile.r1.cbor_out import byte_string
from apcv.profile.r1.fields import decode_exact

X5CHAIN = 33
KID = 4
COSE_SIGN1_TAG = 18
ES256_PROTECTED = b"\xa1\x01\x26"
"""The protected header every APCV-R1 COSE_Sign1 carries: ``{1: -7}`` (alg ES256)."""
_ES256 = ec.ECDSA(hashes.SHA256())
_SCALAR_LEN = 32
_SIG_STRUCTURE_HEAD = cbor2.dumps(["Signature1", ES256_PROTECTED, b"", b""])[:-1]
"""``["Signature1", protected, external_aad = b"", ...]``: the payload's byte string follows."""
_SIGN1_HEAD = b"\xd2\x84"
"""Tag 18 (COSE_Sign1) and the head of a 4-element array: the protected header, the unprotected
header, the payload and the signature follow."""


def _to_be_signed(payload: bytes) -> bytes:
    """CBOR of ``["Signature1", protected, external_aad = b"", payload]``."""
    return _SIG_STRUCTURE_HEAD + byte_string(payload)


def _p256(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bool:
    return isinstance(key.curve, ec.SECP256R1)


class Signer:
    """Signs CBOR payloads as COSE_Sign1 with one device or insurer key (P-256)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, certificate_der: bytes | None,
                 kid: bytes | None = None) -> None:
        if not _p256(key):
            raise ValueError(f"ES256 signs with a P-256 key, not {key.curve.name}")
        self._key = key
        unprotected: dict[int, bytes] = {X5CHAIN: certificate_der} if certificate_der else {}
        if kid:
            unprotected[KID] = kid
        self._head = _SIGN1_HEAD + byte_string(ES256_PROTECTED) + cbor2.dumps(unprotected)

    def sign(self, payload: bytes) -> bytes:
        """A tagged COSE_Sign1 over ``payload``."""
        r, s = decode_dss_signature(self._key.sign(_to_be_signed(payload), _ES256))
        signature = r.to_bytes(_SCALAR_LEN, "big") + s.to_bytes(_SCALAR_LEN, "big")
        return self._head + byte_string(payload) + byte_string(signature)


def _decode_exact(message: bytes) -> Any:
    """Decode one strict CBOR item that must fill ``message`` exactly (no trailing bytes)."""
    return decode_exact(message, "presentation")


def peek(message: bytes) -> tuple[dict[int, Any], bytes]:
    """Unverified look inside a COSE_Sign1: its unprotected header and payload (see :func:`parse`)."""
    signed = parse(message)
    return signed.header, signed.payload


@dataclass(frozen=True)
class Sign1:
    """A COSE_Sign1 decoded and checked for shape, not yet verified: read the payload, then
    :meth:`verify` it with the key the payload names, without decoding the message twice."""

    header: dict[int, Any]
    """The unprotected header."""
    payload: bytes
    signature: bytes
    """r || s, 64 bytes."""

    def verify(self, public_key: ec.EllipticCurvePublicKey) -> bytes:
        """Verify with ``public_key`` (P-256); returns the payload."""
        if not _p256(public_key):
            raise VerificationError(f"COSE_Sign1 signature does not verify: ES256 needs a P-256 key, not "
                                    f"{public_key.curve.name}")
        der = encode_dss_signature(int.from_bytes(self.signature[:_SCALAR_LEN], "big"),
                                   int.from_bytes(self.signature[_SCALAR_LEN:], "big"))
        try:
            public_key.verify(der, _to_be_signed(self.payload), _ES256)
        except InvalidSignature:
            raise VerificationError("COSE_Sign1 signature does not verify with the given key") from None
        return self.payload


def parse(message: bytes) -> Sign1:
    """The unprotected header, payload and signature of a COSE_Sign1, unverified.

    The structure is checked strictly: a 4-element array (tagged 18 or not), the protected
    header a byte string holding exactly ``{1: -7}`` (ES256), the unprotected header a map,
    the payload a byte string and the signature 64 bytes (r || s).
    """
    obj = _decode_exact(message)
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise VerificationError(f"CBOR tag {obj.tag} is not COSE_Sign1 (18)")
        obj = obj.value
    if not (isinstance(obj, list) and len(obj) == 4 and isinstance(obj[1], dict)
            and isinstance(obj[2], bytes)):
        raise VerificationError("presentation is not a COSE_Sign1 structure")
    protected, _, _, signature = obj
    if not isinstance(protected, bytes) or protected != ES256_PROTECTED:
        raise VerificationError("COSE_Sign1 protected header is not {1: -7} (ES256)")
    if not isinstance(signature, bytes) or len(signature) != 64:
        raise VerificationError("COSE_Sign1 signature is not 64 bytes (ES256 r || s)")
    return Sign1(obj[1], obj[2], signature)


def verify(message: bytes, public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Verify a COSE_Sign1 with ``public_key`` (P-256); returns the payload."""
    return parse(message).verify(public_key)  # structure and no trailing bytes, with clear errors
