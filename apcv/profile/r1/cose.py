"""COSE_Sign1 (ES256) signing and verification over CBOR payloads, through ``cwt``.

The signer's X.509 certificate travels in the unprotected ``x5chain`` header (label 33);
a key identifier, when given, in the unprotected ``kid`` header (label 4).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cwt import COSE, COSEKey
from cwt.exceptions import CWTError

from apcv.errors import VerificationError
from apcv.profile.r1.fields import decode_exact

X5CHAIN = 33
KID = 4
COSE_SIGN1_TAG = 18
ES256_PROTECTED = b"\xa1\x01\x26"
"""The protected header every APCV-R1 COSE_Sign1 carries: ``{1: -7}`` (alg ES256)."""
_COSE = COSE.new(alg_auto_inclusion=True)


def _ec2_params(x: int, y: int) -> dict[int, Any]:
    return {1: 2, 3: -7, -1: 1, -2: x.to_bytes(32, "big"), -3: y.to_bytes(32, "big")}  # EC2, ES256, P-256


def _private_cose_key(key: ec.EllipticCurvePrivateKey) -> Any:
    numbers = key.private_numbers()
    params = _ec2_params(numbers.public_numbers.x, numbers.public_numbers.y)
    params[-4] = numbers.private_value.to_bytes(32, "big")
    return COSEKey.new(params)


@lru_cache(maxsize=4096)
def _public_cose_key(x: int, y: int, kid: bytes | None = None) -> Any:
    """COSE key of a public point (named ``kid`` if the message names one); cached, as a reader
    meets the same devices again."""
    params = _ec2_params(x, y)
    if kid is not None:
        params[2] = kid
    return COSEKey.new(params)


class Signer:
    """Signs CBOR payloads as COSE_Sign1 with one device or insurer key."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, certificate_der: bytes | None,
                 kid: bytes | None = None) -> None:
        self._key = _private_cose_key(key)
        self._unprotected: dict[int, bytes] = {X5CHAIN: certificate_der} if certificate_der else {}
        if kid:
            self._unprotected[KID] = kid

    def sign(self, payload: bytes) -> bytes:
        """A tagged COSE_Sign1 over ``payload``."""
        return _COSE.encode_and_sign(payload, self._key, unprotected=self._unprotected)


def _decode_exact(message: bytes) -> Any:
    """Decode one strict CBOR item that must fill ``message`` exactly (no trailing bytes)."""
    return decode_exact(message, "presentation")


def peek(message: bytes) -> tuple[dict[int, Any], bytes]:
    """Unverified look inside a COSE_Sign1: its unprotected header and payload.

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
    return obj[1], obj[2]


_CWT_FAULTS = (CWTError, ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
               cbor2.CBORError, RecursionError)
"""What ``cwt`` may raise on a message it cannot verify, beyond its own errors."""


def verify(message: bytes, public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Verify a COSE_Sign1 with ``public_key``; returns the payload."""
    header, _ = peek(message)  # structure and no trailing bytes, with clear errors
    kid = header.get(KID)
    try:
        numbers = public_key.public_numbers()
        return _COSE.decode(message, _public_cose_key(numbers.x, numbers.y,
                                                      kid if isinstance(kid, bytes) else None))
    except _CWT_FAULTS as exc:
        raise VerificationError(f"COSE_Sign1 signature does not verify: {exc}") from exc
