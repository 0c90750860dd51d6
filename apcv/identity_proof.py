"""Identity assertions of the France Identité provider, checked by the insurer at activation.

An assertion says "the person holding this identity document is the person of this NIR, and
asks to enrol this device key". It is a tagged COSE_Sign1 (ES256) by the provider's key over
the CBOR map::

    {"iss": "france-identite", "aud": <audience>, "sub": <NIR>, "dev": <16-byte device id>,
     "iat": <POSIX s>, "exp": <POSIX s>, "jti": <16 random bytes>}

It is short-lived (at most 300 s), bound to one audience (the insurer) and to one device key
(``dev``, the key's ``kid``: first 16 bytes of SHA-256 over its SubjectPublicKeyInfo), so an
assertion seen in transit cannot enrol another key, at another service, later.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.errors import VerificationError
from apcv.nir import is_valid_nir
from apcv.profile.r1 import cose
from apcv.profile.r1.fields import byte_string, decode_exact, posix_time, short_text, text_map

ISSUER = "france-identite"
INSURER_AUDIENCE = "apcv-insurer"
LIFETIME_S = 120
"""Lifetime the simulated provider gives its assertions."""
MAX_LIFETIME_S = 300
MAX_AGE_S = 300
"""An assertion is accepted at most this long after its ``iat``, clock skew included (docs/backend.md)."""
CLOCK_SKEW_S = 60
DEVICE_ID_LEN = 16
MAX_ASSERTION_TEXT = 2000
"""Longest base64 assertion accepted (a real one is about 250 characters)."""
_KEYS = {"iss", "aud", "sub", "dev", "iat", "exp", "jti"}
_WHAT = "identity assertion"


class IdentityProofError(VerificationError):
    """An identity assertion is malformed, not signed by the provider, or proves something else."""


@dataclass(frozen=True)
class ProvenIdentity:
    """What a verified assertion proves."""

    nir: str
    device_id: bytes
    expires_at: int


def issue_assertion(provider_key: ec.EllipticCurvePrivateKey, nir: str, device_id: bytes, now: int, *,
                    audience: str = INSURER_AUDIENCE, lifetime_s: int = LIFETIME_S) -> str:
    """The base64 assertion the provider signs for ``nir`` enrolling the device ``device_id``."""
    claims = {"iss": ISSUER, "aud": audience, "sub": nir, "dev": device_id, "iat": now,
              "exp": now + lifetime_s,
              "jti": os.urandom(16)}
    return base64.b64encode(cose.Signer(provider_key, None).sign(cbor2.dumps(claims))).decode("ascii")


def verify_assertion(text: str, provider_key: ec.EllipticCurvePublicKey, *, now: float,
                     audience: str = INSURER_AUDIENCE) -> ProvenIdentity:
    """Check the provider's signature, the issuer, the audience and the validity window.

    The caller compares the proven NIR and device id with the ones being enrolled.
    """
    if not isinstance(text, str) or len(text) > MAX_ASSERTION_TEXT:
        raise IdentityProofError(f"{_WHAT} is not text of at most {MAX_ASSERTION_TEXT} characters")
    try:
        message = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise IdentityProofError(f"{_WHAT} is not base64") from None
    try:
        payload = cose.verify(message, provider_key)
    except VerificationError as exc:
        raise IdentityProofError(f"{_WHAT} is not signed by France Identité: {exc}") from None
    error = IdentityProofError
    raw = text_map(decode_exact(payload, _WHAT, error), _WHAT, _KEYS, error=error)
    issuer, aud = short_text(raw, "iss", 64, _WHAT, error), short_text(raw, "aud", 64, _WHAT, error)
    nir = short_text(raw, "sub", 15, _WHAT, error)
    device_id = byte_string(raw, "dev", DEVICE_ID_LEN, _WHAT, error)
    issued, expires = posix_time(raw, "iat", _WHAT, error), posix_time(raw, "exp", _WHAT, error)
    byte_string(raw, "jti", 16, _WHAT, error)
    if issuer != ISSUER:
        raise IdentityProofError(f"{_WHAT} is issued by {issuer!r}, not {ISSUER!r}")
    if aud != audience:
        raise IdentityProofError(f"{_WHAT} is meant for {aud!r}, not for this service ({audience!r})")
    if not is_valid_nir(nir) or len(nir) != 15:
        raise IdentityProofError(f"{_WHAT} subject is not a NIR")
    if not 0 < expires - issued <= MAX_LIFETIME_S:
        raise IdentityProofError(f"{_WHAT} lifetime is {expires - issued} s, not 1 to {MAX_LIFETIME_S} s")
    if now > expires + CLOCK_SKEW_S:
        raise IdentityProofError(f"{_WHAT} expired {int(now - expires)} s ago: prove the identity again")
    if now - issued > MAX_AGE_S:
        raise IdentityProofError(f"{_WHAT} was issued {int(now - issued)} s ago, more than {MAX_AGE_S} s: "
                                 "prove the identity again")
    if issued > now + CLOCK_SKEW_S:
        raise IdentityProofError(f"{_WHAT} is issued {int(issued - now)} s in the future")
    return ProvenIdentity(nir, device_id, expires)
