"""QR codes a billing program must refuse: expired, tampered with, signed by an untrusted device.

Made from a bench phone's wallet with the profile's own encoder, each broken in one way; a
replayed QR is simply a genuine one shown a second time.
"""

from __future__ import annotations

import secrets
import time
import zlib

import base45
import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from apcv.profile.r1 import qr
from apcv.profile.r1.constants import QR_PREFIX
from apcv.profile.r1.credentials import Insurer, key_from_scalar
from apcv.seeded_keys import seeded_scalar

EXPIRED_AGO_S = 600


def expired_qr(card_reference: str, key: ec.EllipticCurvePrivateKey) -> str:
    """A genuine token of the card, issued and expired ten minutes ago."""
    issued = time.time() - EXPIRED_AGO_S
    claims = qr.issue_claims(card_reference, issued, token_id=secrets.token_bytes(qr.TOKEN_ID_LEN),
                             unlocked_at=issued)
    return qr.encode(claims, key)


def tampered_qr(genuine: str) -> str:
    """``genuine`` with its claims rewritten (another token id) under the original signature."""
    token = qr.decode(genuine)
    message = cbor2.loads(token.cose_sign1)
    claims = cbor2.loads(message.value[2])
    claims["tid"] = secrets.token_bytes(qr.TOKEN_ID_LEN)
    message.value[2] = cbor2.dumps(claims)
    return QR_PREFIX + base45.b45encode(zlib.compress(cbor2.dumps(message), 9)).decode("ascii")


def untrusted_qr(card_reference: str, seed: int) -> str:
    """A well-formed token for the card, signed by a device a rogue insurer certified."""
    rogue = Insurer.create(key_from_scalar(seeded_scalar("practice-rogue-insurer", seed)))
    key = key_from_scalar(seeded_scalar("practice-rogue-device", seed))
    certificate = rogue.issue_device_certificate(key.public_key(), card_reference).public_bytes(Encoding.DER)
    now = time.time()
    claims = qr.issue_claims(card_reference, now, token_id=secrets.token_bytes(qr.TOKEN_ID_LEN),
                             unlocked_at=now)
    return qr.encode(claims, key, certificate)
