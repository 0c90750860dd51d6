"""The phone's QR code, read through the rig's scanner (APCV-R1 §11).

The phone is asked to show its code through the DUT control; the device key the token names
by ``kid`` is the one the insurer-signed card data of an NFC presentation of the same phone
names (docs/protocol.md §5.2).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.profile.r1 import qr
from apcv.profile.r1.constants import QR_TOKEN_LIFETIME_S
from apcv.profile.r1.presentation import verify_presentation

pytestmark = pytest.mark.apcv_rig_feature("qr-scanner")
NIR_LIKE = re.compile(rb"[12378]\d{12}(\d{2})?")


@pytest.fixture
def shown_qr(dut_act, scanner) -> str:
    """The text of the QR the unlocked phone shows."""
    dut_act("unlock")
    dut_act("show_qr")
    return scanner.read()


@pytest.fixture
def device_key(bench, tapped_phone) -> ec.EllipticCurvePublicKey:
    """The phone's device key, as the insurer named it in the card data of an NFC presentation."""
    _, key = verify_presentation(bench.reader.read().presentation, bench.trust, datetime.now(UTC))
    return key


@pytest.mark.apcv_requirement("APCV-QR-001")
def test_token_format(shown_qr):
    assert shown_qr.startswith("APCV1:") and len(shown_qr) <= 4296
    token = qr.decode(shown_qr)
    assert token.kid


@pytest.mark.apcv_requirement("APCV-QR-002", "APCV-QR-008")
def test_claims_are_exactly_the_profile_map(shown_qr):
    token = qr.decode(shown_qr)
    keys = set(cbor2.loads(token.claims.to_cbor()))
    assert keys <= {"v", "tid", "iat", "exp", "card", "ben"}
    assert not NIR_LIKE.search(token.claims.to_cbor()), "the token holds a NIR-like number"


@pytest.mark.apcv_requirement("APCV-QR-003")
def test_token_verifies_with_the_certified_device_key(shown_qr, device_key):
    claims = qr.verify_signed_by(qr.decode(shown_qr), device_key, datetime.now(UTC))
    assert claims.card_reference


@pytest.mark.apcv_requirement("APCV-QR-004")
def test_token_lifetime(shown_qr):
    claims = qr.decode(shown_qr).claims
    assert claims.expires_at - claims.issued_at == QR_TOKEN_LIFETIME_S


@pytest.mark.apcv_requirement("APCV-QR-004")
def test_locked_phone_shows_no_token(dut_act, scanner):
    dut_act("lock")
    try:
        with pytest.raises(Exception, match="no QR"):
            scanner.read(timeout=0.3)
    finally:
        dut_act("unlock")
