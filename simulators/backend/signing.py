"""The request signature scheme shared by the backend and its clients (APCV-SIG-1).

A caller signs, with ECDSA P-256 / SHA-256, the bytes::

    APCV-SIG-1 \\n METHOD \\n PATH[?QUERY] \\n TIMESTAMP \\n NONCE \\n SHA256-HEX(BODY)

and sends four headers: ``X-Apcv-Key-Id`` (``rpps:<11 digits>``, ``operator:<name>`` or
``device:<32 hex>``), ``X-Apcv-Timestamp`` (POSIX seconds), ``X-Apcv-Nonce`` (32 lowercase
hex digits, random, new for every request: the service accepts each nonce once) and
``X-Apcv-Signature`` (base64 of the DER signature). Keys here are synthetic test keys.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from apcv.profile.r1.credentials import key_from_scalar
from apcv.seeded_keys import seeded_scalar

SCHEME = "APCV-SIG-1"
KEY_ID_HEADER = "x-apcv-key-id"
TIMESTAMP_HEADER = "x-apcv-timestamp"
NONCE_HEADER = "x-apcv-nonce"
SIGNATURE_HEADER = "x-apcv-signature"
IDEMPOTENCY_HEADER = "idempotency-key"
TIMESTAMP_WINDOW_S = 300
NONCE_PATTERN = re.compile(r"[0-9a-f]{32}")


def new_nonce() -> str:
    """A fresh request nonce: 16 random bytes as 32 lowercase hex digits."""
    return secrets.token_hex(16)


def signed_bytes(method: str, target: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    """The exact bytes a request signature covers."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{SCHEME}\n{method.upper()}\n{target}\n{timestamp}\n{nonce}\n{digest}".encode()


def sign_request(
    key: ec.EllipticCurvePrivateKey, key_id: str, method: str, target: str, body: bytes, timestamp: int,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four signature headers for one request (a new nonce unless one is given)."""
    nonce = nonce or new_nonce()
    signature = key.sign(signed_bytes(method, target, timestamp, nonce, body), ec.ECDSA(hashes.SHA256()))
    return {
        KEY_ID_HEADER: key_id,
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: base64.b64encode(signature).decode(),
    }


def public_key_der(key: ec.EllipticCurvePublicKey) -> bytes:
    """SubjectPublicKeyInfo DER of a public key."""
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def device_id(key: ec.EllipticCurvePublicKey) -> str:
    """A device's id: the first 32 hex digits of SHA-256 over its public key (SPKI DER)."""
    return hashlib.sha256(public_key_der(key)).hexdigest()[:32]


def device_key_id(key: ec.EllipticCurvePublicKey) -> str:
    """The ``X-Apcv-Key-Id`` of a device key."""
    return f"device:{device_id(key)}"


def practitioner_key(rpps: str, seed: int = 0) -> ec.EllipticCurvePrivateKey:
    """The synthetic signing key of practitioner ``rpps`` in the directory of ``seed``."""
    return key_from_scalar(seeded_scalar(f"practitioner-{rpps}", seed))


def operator_key(name: str, seed: int = 0) -> ec.EllipticCurvePrivateKey:
    """The synthetic signing key of review operator ``name`` in the directory of ``seed``."""
    return key_from_scalar(seeded_scalar(f"operator-{name}", seed))
