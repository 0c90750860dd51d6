"""Insurer root, device certificates and the trust anchor readers hold.

All keys are synthetic test keys. The insurer certifies a phone's device key at activation
(an X.509 certificate, ECDSA P-256 / SHA-256); readers trust the insurer root only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from apcv.errors import VerificationError

if TYPE_CHECKING:
    from apcv.people import Insured
    from apcv.profile.r1.issuer_signed import IssuerSigned

ROOT_NAME = "APCV-R1 Test Insurer Root CA"
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "apcv-hil synthetic test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def key_from_scalar(scalar: int) -> ec.EllipticCurvePrivateKey:
    """A P-256 key from a fixed scalar: for seeded simulators and test vectors only."""
    return ec.derive_private_key(scalar, ec.SECP256R1())


@dataclass(frozen=True)
class Insurer:
    """The synthetic insurer PKI: a root key and its self-signed certificate."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def create(
        cls, key: ec.EllipticCurvePrivateKey | None = None, not_before: datetime = _EPOCH
    ) -> Insurer:
        """A new root, valid 30 years from ``not_before``."""
        key = key or ec.generate_private_key(ec.SECP256R1())
        name = _name(ROOT_NAME)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(not_before)
            .not_valid_after(not_before + timedelta(days=365 * 30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def issue_device_certificate(
        self,
        device_key: ec.EllipticCurvePublicKey,
        card_reference: str,
        not_before: datetime = _EPOCH,
        days: int = 365 * 5,
        serial: int | None = None,
    ) -> x509.Certificate:
        """Certify a phone's device key for ``card_reference`` (done at activation)."""
        return (
            x509.CertificateBuilder()
            .subject_name(_name(f"apCV device {card_reference}"))
            .issuer_name(self.certificate.subject)
            .public_key(device_key)
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )

    def issue_card_data(
        self,
        insured: Insured,
        card_reference: str,
        device_key: ec.EllipticCurvePublicKey,
        not_before: datetime = _EPOCH,
        days: float = 365 * 5,
        random: Callable[[int], bytes] = os.urandom,
        *,
        delegated: bool = False,
    ) -> IssuerSigned:
        """Sign ``insured``'s card data for ``card_reference`` on ``device_key`` (done at activation,
        for as long as the device certificate; for a delegate's device, ``delegated``)."""
        from apcv.profile.r1.issuer_signed import issue_card  # the card data verifier imports this module

        start, until = (int(t.timestamp()) for t in (not_before, not_before + timedelta(days=days)))
        return issue_card(self.key, insured, card_reference, device_key, start, until, random,
                          delegated=delegated)

    @property
    def trust_anchor(self) -> TrustAnchor:
        """What readers and the backend hold: the root certificate only."""
        return TrustAnchor(self.certificate)


@dataclass(frozen=True)
class TrustAnchor:
    """The insurer root certificate a verifier trusts."""

    certificate: x509.Certificate

    @classmethod
    def from_pem(cls, pem: bytes) -> TrustAnchor:
        return cls(x509.load_pem_x509_certificate(pem))

    def to_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        key = self.certificate.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        return key

    @property
    def der(self) -> bytes:
        """The root certificate, DER."""
        return self._root_der

    def verify_device_certificate(self, der: bytes, at: datetime) -> x509.Certificate:
        """Check that ``der`` is a device certificate issued by this root, valid ``at``.

        The issuer signature of a given certificate is checked once and remembered (it
        cannot change); the validity window is checked on every call.
        """
        cert = _issued_by(self._root_der, der)
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            raise VerificationError(
                f"device certificate not valid at {at:%Y-%m-%d %H:%M:%S} UTC "
                f"(valid {cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d})"
            )
        return cert

    @cached_property
    def _root_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@lru_cache(maxsize=4096)
def _root(root_der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(root_der)


@lru_cache(maxsize=16)
def root_public_key(root_der: bytes) -> ec.EllipticCurvePublicKey:
    """The public key of a trusted root certificate (parsed once)."""
    key = _root(root_der).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


_BAD_CERTIFICATE = (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm, x509.InvalidVersion)
"""What ``cryptography`` raises on a certificate it cannot parse or verify."""


@lru_cache(maxsize=4096)
def _issued_by(root_der: bytes, der: bytes) -> x509.Certificate:
    """Parse ``der`` and verify it was signed by the root; failures are not cached.

    Fields are read eagerly here: ``cryptography`` parses some of them (names, validity,
    the key) only when asked, and a malformed one must fail now, as a VerificationError.
    """
    root = _root(root_der)
    try:
        cert = x509.load_der_x509_certificate(der)
        issuer, _ = cert.issuer, (cert.not_valid_before_utc, cert.not_valid_after_utc)
    except _BAD_CERTIFICATE as exc:
        raise VerificationError(f"device certificate is not valid DER X.509: {exc}") from None
    if issuer != root.subject:
        try:
            name = issuer.rfc4514_string()[:200]
        except _BAD_CERTIFICATE:
            name = "an unreadable name"
        raise VerificationError(f"device certificate issued by '{name}', not by the trusted insurer root")
    try:
        cert.verify_directly_issued_by(root)
        key = cert.public_key()
    except _BAD_CERTIFICATE as exc:
        raise VerificationError("device certificate signature does not verify") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise VerificationError("device certificate key is not an ECDSA P-256 key")
    return cert
