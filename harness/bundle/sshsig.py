"""The manifest's signature in OpenSSH's ``SSHSIG`` format, which ``ssh-keygen -Y verify``
checks, so a reviewer can verify a bundle with a tool they already have.

The format is OpenSSH's ``PROTOCOL.sshsig``: the signer signs ``"SSHSIG"``, the namespace, an
empty reserved string, the hash algorithm and the hash of the message, each an SSH string
(length-prefixed); the blob holds the public key, the same fields and the signature, armored
between ``-----BEGIN SSH SIGNATURE-----`` lines. The same Ed25519 key signs ``MANIFEST.sig``.

    ssh-keygen -Y verify -f allowed_signers -I vendor -n apcv-hil-bundle \\
        -s MANIFEST.json.sshsig < MANIFEST.json
"""

from __future__ import annotations

import base64
import hashlib
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

NAMESPACE = "apcv-hil-bundle"
MAGIC = b"SSHSIG"
HASH = "sha512"
KEY_TYPE = b"ssh-ed25519"


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def ssh_public_key(key: Ed25519PublicKey) -> str:
    """``ssh-ed25519 AAAA...``: the line for an ``allowed_signers`` file or ``authorized_keys``."""
    return key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode("ascii")


def sign(message: bytes, key: Ed25519PrivateKey, namespace: str = NAMESPACE) -> str:
    """The armored SSH signature of ``message`` under ``namespace``."""
    raw_public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    public_blob = _string(KEY_TYPE) + _string(raw_public)
    fields = _string(namespace.encode()) + _string(b"") + _string(HASH.encode())
    signed = MAGIC + fields + _string(hashlib.sha512(message).digest())
    signature = _string(KEY_TYPE) + _string(key.sign(signed))
    blob = MAGIC + struct.pack(">I", 1) + _string(public_blob) + fields + _string(signature)
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return "\n".join(["-----BEGIN SSH SIGNATURE-----", *lines, "-----END SSH SIGNATURE-----"]) + "\n"
