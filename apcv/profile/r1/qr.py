"""The QR token of APCV-R1: ``APCV1:`` + base45(zlib(COSE_Sign1(CBOR claims))).

Built like the EU digital COVID certificate (RFC 9285 base45, zlib, COSE_Sign1 ES256). The
claims are minimal: profile version, token id, issued/expires at, card reference and, when the
care is for a beneficiary, an opaque reference to that person. The phone signs them with its
device key; the token names that key by ``kid`` (unprotected header 4: the first 16 bytes of
SHA-256 over the key's SubjectPublicKeyInfo, the device id of APCV-SIG-1) so that it stays small
enough for a phone screen, and the verifier finds the device certificate in its registry of
certified devices. A token may carry the certificate itself in ``x5chain`` instead, at about
three times the size. Single use is enforced by the backend, not here.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import base45
import cbor2
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from apcv.errors import VerificationError
from apcv.profile.r1 import cose, strict_cbor
from apcv.profile.r1.constants import (
    PROFILE_VERSION,
    QR_CLOCK_SKEW_S,
    QR_MAX_COSE,
    QR_MAX_TEXT,
    QR_PREFIX,
    QR_TOKEN_LIFETIME_S,
    QR_UNLOCK_LIFETIME_S,
)
from apcv.profile.r1.credentials import TrustAnchor
from apcv.profile.r1.fields import shown

TOKEN_ID_LEN = 16
KID_LEN = 16
BENEFICIARY_REF_LEN = 8
CARD_REFERENCE_MAX = 32
_BASE45_TEXT = re.compile(r"[0-9A-Z $%*+\-./:]*")
_REQUIRED = {"v", "tid", "iat", "exp", "card"}
_KNOWN = _REQUIRED | {"ben"}


class QrTokenError(VerificationError):
    """A QR token is malformed, badly signed or outside its validity; the message says what."""


def key_id(key: ec.EllipticCurvePublicKey) -> bytes:
    """The ``kid`` of a device key: first 16 bytes of SHA-256 over its SPKI DER."""
    spki = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()[:KID_LEN]


def beneficiary_reference(card_reference: str, nir: str) -> bytes:
    """Opaque 8-byte reference of the person the care is for, scoped to one card."""
    data = b"APCV-R1 beneficiary\x00" + card_reference.encode() + b"\x00" + nir.encode()
    return hashlib.sha256(data).digest()[:BENEFICIARY_REF_LEN]


@dataclass(frozen=True)
class QrClaims:
    """What a QR token says: which card, which token, when; optionally which beneficiary."""

    token_id: bytes
    issued_at: int
    expires_at: int
    card_reference: str
    beneficiary: bytes | None = None  # beneficiary_reference(); None: the care is for the holder

    def selects(self, nir: str) -> bool:
        """True when the token selects the person of ``nir`` on this card."""
        return self.beneficiary == beneficiary_reference(self.card_reference, nir)

    def to_cbor(self) -> bytes:
        """The claims as a CBOR map with text keys."""
        claims: dict[str, object] = {"v": PROFILE_VERSION, "tid": self.token_id, "iat": self.issued_at,
                                     "exp": self.expires_at, "card": self.card_reference}
        if self.beneficiary is not None:
            claims["ben"] = self.beneficiary
        return cbor2.dumps(claims)

    @classmethod
    def from_cbor(cls, payload: bytes) -> QrClaims:
        """Parse and check the claims map; :class:`QrTokenError` naming the bad field."""
        raw = _decode_exact(payload, "claims")
        if not isinstance(raw, dict):
            raise QrTokenError(f"QR token claims are a CBOR {type(raw).__name__}, not a map")
        keys = set(raw)
        if missing := _REQUIRED - keys:
            raise QrTokenError(f"QR token claims lack {', '.join(sorted(missing))}")
        if unknown := keys - _KNOWN:
            raise QrTokenError(f"QR token claims have unknown key(s) "
                               f"{', '.join(sorted(shown(k, 40) for k in unknown)[:5])}")
        if type(raw["v"]) is not int or raw["v"] != PROFILE_VERSION:
            raise QrTokenError(f"QR token version {shown(raw['v'], 20)} is not R1 ({PROFILE_VERSION})")
        card = raw["card"]
        if not isinstance(card, str) or not 0 < len(card) <= CARD_REFERENCE_MAX:
            raise QrTokenError(f"QR token card reference is not text of 1-{CARD_REFERENCE_MAX} characters")
        return cls(
            token_id=_bytes_field(raw, "tid", TOKEN_ID_LEN),
            issued_at=_time_field(raw, "iat"),
            expires_at=_time_field(raw, "exp"),
            card_reference=card,
            beneficiary=_bytes_field(raw, "ben", BENEFICIARY_REF_LEN) if "ben" in raw else None,
        )


def _bytes_field(raw: dict, name: str, length: int) -> bytes:
    value = raw[name]
    if not isinstance(value, bytes) or len(value) != length:
        raise QrTokenError(f"QR token claim '{name}' is not a {length}-byte string")
    return value


def _time_field(raw: dict, name: str) -> int:
    value = raw[name]
    if type(value) is not int or not 0 <= value < 2**40:
        raise QrTokenError(f"QR token claim '{name}' is not POSIX seconds")
    return value


def _decode_exact(data: bytes, what: str) -> object:
    try:
        return strict_cbor.loads(data)
    except strict_cbor.StrictCborError as exc:
        raise QrTokenError(f"QR token {what} are not profile CBOR: {exc}") from None


def issue_claims(card_reference: str, now: float, *, token_id: bytes, unlocked_at: float | None = None,
                 beneficiary_nir: str | None = None, lifetime_s: int = QR_TOKEN_LIFETIME_S) -> QrClaims:
    """Claims of a token shown at ``now``; never valid past the unlock's 15 minutes."""
    issued = int(now)
    expires = issued + lifetime_s
    if unlocked_at is not None:
        unlock_ends = int(unlocked_at) + QR_UNLOCK_LIFETIME_S
        if issued >= unlock_ends:
            raise QrTokenError(f"the unlock ended {issued - unlock_ends} s ago: re-authenticate to show a QR")
        expires = min(expires, unlock_ends)
    ben = beneficiary_reference(card_reference, beneficiary_nir) if beneficiary_nir else None
    return QrClaims(token_id, issued, expires, card_reference, ben)


def encode(claims: QrClaims, device_key: ec.EllipticCurvePrivateKey,
           certificate_der: bytes | None = None) -> str:
    """The ``APCV1:`` text of ``claims`` signed by ``device_key`` (certificate carried if given)."""
    signed = cose.Signer(device_key, certificate_der, kid=key_id(device_key.public_key())).sign(
        claims.to_cbor())
    text = QR_PREFIX + base45.b45encode(zlib.compress(signed, 9)).decode("ascii")
    if len(text) > QR_MAX_TEXT:
        raise QrTokenError(f"QR token of {len(text)} characters exceeds {QR_MAX_TEXT}")
    return text


@dataclass(frozen=True)
class QrToken:
    """A decoded QR token, signature not yet checked."""

    cose_sign1: bytes
    kid: bytes
    certificate_der: bytes | None
    claims: QrClaims


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, QR_MAX_COSE + 1)
    except zlib.error as exc:
        raise QrTokenError(f"QR token is not zlib data: {exc}") from None
    if len(data) > QR_MAX_COSE or inflater.unconsumed_tail:
        raise QrTokenError(f"QR token inflates past {QR_MAX_COSE} bytes")
    if not inflater.eof:
        raise QrTokenError("QR token zlib stream is truncated")
    if inflater.unused_data:
        raise QrTokenError(f"QR token has {len(inflater.unused_data)} trailing byte(s) after the zlib stream")
    return data


def decode(text: str) -> QrToken:
    """Parse an ``APCV1:`` text down to its claims; :class:`QrTokenError` naming the fault."""
    if not isinstance(text, str):
        raise QrTokenError(f"QR token is a {type(text).__name__}, not text")
    if len(text) > QR_MAX_TEXT:
        raise QrTokenError(f"QR token of {len(text)} characters exceeds {QR_MAX_TEXT}")
    if not text.startswith(QR_PREFIX):
        raise QrTokenError(f"QR token does not start with {QR_PREFIX!r} (starts {text[:6]!r})")
    body = text[len(QR_PREFIX):]
    if not body:
        raise QrTokenError(f"QR token has nothing after {QR_PREFIX!r}")
    if not _BASE45_TEXT.fullmatch(body):
        bad = next(i for i, c in enumerate(body) if not _BASE45_TEXT.fullmatch(c))
        raise QrTokenError(f"QR token has a non-base45 character {body[bad]!r} at position "
                           f"{bad + len(QR_PREFIX)}")
    try:
        compressed = base45.b45decode(body)
    except ValueError:
        raise QrTokenError("QR token is not valid base45 (length or triplet out of range)") from None
    signed = _inflate(compressed)
    try:
        header, payload = cose.peek(signed)
    except VerificationError as exc:
        raise QrTokenError(f"QR token COSE_Sign1: {exc}") from None
    kid = header.get(cose.KID)
    if not isinstance(kid, bytes) or len(kid) != KID_LEN:
        raise QrTokenError(f"QR token has no {KID_LEN}-byte kid (COSE header 4)")
    cert = header.get(cose.X5CHAIN)
    if isinstance(cert, list) and cert:
        cert = cert[0]
    if cert is not None and not isinstance(cert, bytes):
        raise QrTokenError("QR token x5chain is not a DER certificate")
    return QrToken(signed, kid, cert, QrClaims.from_cbor(payload))


def check_validity(claims: QrClaims, at: datetime) -> None:
    """Refuse a token outside ``[iat, exp]`` at ``at`` (give or take the clock skew allowance)."""
    if claims.expires_at < claims.issued_at:
        raise QrTokenError("QR token expires before it is issued")
    if claims.expires_at - claims.issued_at > QR_UNLOCK_LIFETIME_S:
        raise QrTokenError(f"QR token lifetime exceeds {QR_UNLOCK_LIFETIME_S} s")
    now = int(at.astimezone(UTC).timestamp())
    if now > claims.expires_at + QR_CLOCK_SKEW_S:
        raise QrTokenError(f"QR token expired {now - claims.expires_at} s ago")
    if claims.issued_at > now + QR_CLOCK_SKEW_S:
        raise QrTokenError(f"QR token is not yet valid (issued {claims.issued_at - now} s in the future)")


@dataclass(frozen=True)
class VerifiedQr:
    """A QR token whose chain, signature and validity were checked."""

    claims: QrClaims
    device_key: ec.EllipticCurvePublicKey
    certificate: x509.Certificate


def verify(text: str, trust: TrustAnchor, at: datetime,
           certificate_for: Callable[[bytes], bytes | None] | None = None) -> VerifiedQr:
    """Decode, chain the device certificate to ``trust``, verify the signature and validity.

    ``certificate_for(kid)`` returns the DER certificate of a registered device (or None); it
    is asked only when the token carries no certificate.
    """
    token = decode(text)
    der = token.certificate_der
    if der is None and certificate_for is not None:
        der = certificate_for(token.kid)
    if der is None:
        raise QrTokenError(f"QR token device {token.kid.hex()} is not a registered device "
                           "and the token carries no certificate")
    try:
        cert = trust.verify_device_certificate(der, at)
    except VerificationError as exc:
        raise QrTokenError(f"QR token {exc}") from None
    device_key = cert.public_key()
    if not isinstance(device_key, ec.EllipticCurvePublicKey):
        raise QrTokenError("QR token device certificate holds no ECDSA key")
    return VerifiedQr(verify_signed_by(token, device_key, at), device_key, cert)


def verify_signed_by(token: QrToken, device_key: ec.EllipticCurvePublicKey, at: datetime) -> QrClaims:
    """Check that ``token`` names and is signed by ``device_key`` and is valid at ``at``.

    For a key the caller already trusts: a device certificate chained to the insurer root
    (:func:`verify`), or the insurer-signed card data of the same phone (docs/protocol.md §5.2).
    """
    if key_id(device_key) != token.kid:
        raise QrTokenError("QR token kid does not name the key of its device certificate")
    try:
        cose.verify(token.cose_sign1, device_key)
    except VerificationError:
        raise QrTokenError("QR token signature does not verify with the device key") from None
    check_validity(token.claims, at)
    return token.claims
