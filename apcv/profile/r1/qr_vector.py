"""Deterministic APCV-R1 QR token vector: fixed keys, claims and clock -> one recorded token.

``python -m apcv.profile.r1.qr_vector FILE`` writes the vector file. ECDSA signatures are
randomised, so the file records the token produced once; the tests check that it verifies at
the vector's time and that the code gives the same claims (CBOR) byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from apcv.profile.r1 import qr
from apcv.profile.r1.credentials import Insurer, key_from_scalar

VECTOR_TIME = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
INSURER_SCALAR = int.from_bytes(hashlib.sha256(b"APCV-R1 vector insurer").digest(), "big") >> 4
DEVICE_SCALAR = int.from_bytes(hashlib.sha256(b"APCV-R1 vector device").digest(), "big") >> 4
CARD_REFERENCE = "APCV-VECTOR-0001"
BENEFICIARY_NIR = "212067511200136"
TOKEN_ID = hashlib.sha256(b"APCV-R1 vector qr token").digest()[:qr.TOKEN_ID_LEN]
UNLOCKED_AT = VECTOR_TIME.timestamp() - 120


def vector_claims() -> qr.QrClaims:
    """The claims of the vector token (the same insurer, device and card as the NFC vector)."""
    return qr.issue_claims(CARD_REFERENCE, VECTOR_TIME.timestamp(), token_id=TOKEN_ID,
                           unlocked_at=UNLOCKED_AT, beneficiary_nir=BENEFICIARY_NIR)


def generate() -> dict[str, Any]:
    """Build the vector file's content (a new signature each time)."""
    insurer = Insurer.create(key_from_scalar(INSURER_SCALAR))
    device = key_from_scalar(DEVICE_SCALAR)
    cert = insurer.issue_device_certificate(device.public_key(), CARD_REFERENCE, serial=1)
    cert_der = cert.public_bytes(Encoding.DER)
    claims = vector_claims()
    token = qr.encode(claims, device)
    carrying = qr.encode(claims, device, cert_der)
    return {
        "description": "APCV-R1 QR token with fixed keys, claims and clock (docs/protocol.md §11)",
        "time": VECTOR_TIME.isoformat(),
        "unlocked_at": int(UNLOCKED_AT),
        "insurer_root_scalar": f"{INSURER_SCALAR:064x}",
        "device_scalar": f"{DEVICE_SCALAR:064x}",
        "card_reference": CARD_REFERENCE,
        "beneficiary_nir": BENEFICIARY_NIR,
        "insurer_root_certificate": insurer.certificate.public_bytes(Encoding.DER).hex(),
        "device_certificate": cert_der.hex(),
        "kid": qr.key_id(device.public_key()).hex(),
        "claims_cbor": claims.to_cbor().hex(),
        "cose_sign1": qr.decode(token).cose_sign1.hex(),
        "token": token,
        "token_with_certificate": carrying,
    }


def main(argv: list[str]) -> int:
    """Write the vector file named on the command line."""
    if len(argv) != 1:
        print("usage: python -m apcv.profile.r1.qr_vector OUTPUT.json", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(json.dumps(generate(), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
