"""Seeded test keys: the same seed gives the same keys and insurer PKI in every process."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec

from apcv.profile.r1.credentials import Insurer, key_from_scalar
from apcv.profile.r1.session import P256_ORDER


def seeded_scalar(label: str, seed: int) -> int:
    """A P-256 private scalar derived from a label and a seed (test keys only)."""
    digest = hashlib.sha256(f"apcv-hil {label} {seed}".encode()).digest()
    return int.from_bytes(digest, "big") % (P256_ORDER - 1) + 1


def synthetic_insurer(seed: int = 0) -> Insurer:
    """The synthetic insurer PKI for ``seed`` (same key in every process)."""
    return Insurer.create(key_from_scalar(seeded_scalar("insurer-root", seed)))


def france_identite_key(seed: int = 0) -> ec.EllipticCurvePrivateKey:
    """The synthetic France Identité provider's signing key for ``seed`` (same in every process)."""
    return key_from_scalar(seeded_scalar("france-identite", seed))
