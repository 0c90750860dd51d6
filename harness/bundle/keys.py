"""Ed25519 signing keys and trusted keys, and their fingerprints.

A key's fingerprint is ``SHA256:`` followed by the unpadded base64 of the SHA-256 of its
32 raw public bytes. A signing key is a PEM (PKCS#8, ``openssl genpkey -algorithm ed25519``)
or OpenSSH private key file, unencrypted. A trusted key is a public key file (PEM, or an
OpenSSH ``ssh-ed25519`` line), a private key file (its public half is trusted) or a
fingerprint.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from apcv.input_files import read_bytes
from harness.bundle.errors import BundleError

MAX_KEY_BYTES = 64 * 1024
FINGERPRINT_PREFIX = "SHA256:"


def raw_public(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of ``key``."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """``SHA256:<base64>`` of the key's raw public bytes."""
    digest = hashlib.sha256(raw_public(key)).digest()
    return FINGERPRINT_PREFIX + base64.b64encode(digest).decode("ascii").rstrip("=")


def generate_key() -> Ed25519PrivateKey:
    """A new random signing key."""
    return Ed25519PrivateKey.generate()


def _private(data: bytes) -> object:
    loaders = (serialization.load_pem_private_key, serialization.load_ssh_private_key)
    for loader in loaders:
        try:
            return loader(data, password=None)
        except TypeError as exc:  # encrypted
            raise BundleError(f"encrypted keys are not supported ({exc})") from None
        except (ValueError, UnsupportedAlgorithm):
            continue
    return None


def load_signing_key(path: str | Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path``; BundleError naming the file otherwise."""
    target = Path(path)
    data = read_bytes(target, limit=MAX_KEY_BYTES, what="signing key", error=BundleError)
    try:
        key = _private(data)
    except BundleError as exc:
        raise BundleError(f"signing key {target}: {exc}") from None
    if key is None:
        raise BundleError(f"signing key {target}: not a PEM or OpenSSH private key")
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(f"signing key {target}: not an Ed25519 key ({type(key).__name__}); "
                          "make one with: openssl genpkey -algorithm ed25519")
    return key


def _public(data: bytes) -> object:
    for loader in (serialization.load_pem_public_key, serialization.load_ssh_public_key):
        try:
            return loader(data.strip())
        except (ValueError, UnsupportedAlgorithm):
            continue
    try:
        key = _private(data)
    except BundleError:
        return None
    return key.public_key() if key is not None else None  # type: ignore[attr-defined]


def trusted_fingerprint(value: str) -> str:
    """The fingerprint ``--trust VALUE`` names: a key file's, or ``VALUE`` itself when it is one."""
    if value.startswith(FINGERPRINT_PREFIX) and not Path(value).exists():
        body = value.removeprefix(FINGERPRINT_PREFIX)
        try:
            decoded = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
        except ValueError:
            decoded = b""
        if len(decoded) != 32:
            raise BundleError(f"trusted key {value!r}: not a SHA256: fingerprint of 32 bytes")
        return value
    key = _public(read_bytes(value, limit=MAX_KEY_BYTES, what="trusted key", error=BundleError))
    if key is None:
        raise BundleError(f"trusted key {value}: not a public key file (PEM or ssh-ed25519) nor a "
                          "SHA256: fingerprint")
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError(f"trusted key {value}: not an Ed25519 key")
    return fingerprint(key)
