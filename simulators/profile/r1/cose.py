"""COSE_Sign1 (ES256) signing and verification over CBOR payloads, through ``cwt``.

The signer's X.509 certificate travels in the unprotected ``x5chain`` header (label 33).
"""

from __future__ import annotations

from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cwt import COSE, COSEKey
from cwt.exceptions import CWTError

from simulators.errors import VerificationError

X5CHAIN = 33
COSE_SIGN1_TAG = 18
_COSE = COSE.new(alg_auto_inclusion=True)


def _cose_key(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> Any:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        priv = key.private_numbers()
        pub = priv.public_numbers
        d = priv.private_value.to_bytes(32, "big")
    else:
        pub = key.public_numbers()
        d = None
    params: dict[int, Any] = {
        1: 2,  # kty EC2
        3: -7,  # ES256
        -1: 1,  # P-256
        -2: pub.x.to_bytes(32, "big"),
        -3: pub.y.to_bytes(32, "big"),
    }
    if d is not None:
        params[-4] = d
    return COSEKey.new(params)


class Signer:
    """Signs CBOR payloads as COSE_Sign1 with one device or insurer key."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, certificate_der: bytes | None) -> None:
        self._key = _cose_key(key)
        self._unprotected = {X5CHAIN: certificate_der} if certificate_der else {}

    def sign(self, payload: bytes) -> bytes:
        """A tagged COSE_Sign1 over ``payload``."""
        return _COSE.encode_and_sign(payload, self._key, unprotected=self._unprotected)


def peek(message: bytes) -> tuple[dict[int, Any], bytes]:
    """Unverified look inside a COSE_Sign1: its unprotected header and payload."""
    try:
        obj = cbor2.loads(message)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError, RecursionError) as exc:
        raise VerificationError(f"presentation is not CBOR: {exc}") from exc
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise VerificationError(f"CBOR tag {obj.tag} is not COSE_Sign1 (18)")
        obj = obj.value
    if not (isinstance(obj, list) and len(obj) == 4 and isinstance(obj[1], dict)
            and isinstance(obj[2], bytes)):
        raise VerificationError("presentation is not a COSE_Sign1 structure")
    return obj[1], obj[2]


def verify(message: bytes, public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Verify a COSE_Sign1 with ``public_key``; returns the payload."""
    try:
        return _COSE.decode(message, _cose_key(public_key))
    except (CWTError, ValueError, TypeError, KeyError) as exc:
        raise VerificationError(f"COSE_Sign1 signature does not verify: {exc}") from exc
