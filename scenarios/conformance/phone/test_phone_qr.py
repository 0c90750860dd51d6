"""The phone's QR code, read through the rig's scanner (APCV-R1 §11).

The phone is asked to show its code through the DUT control; the device certificate the
token names by ``kid`` is taken from an NFC presentation of the same phone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import cbor2
import pytest

from apcv.profile.r1 import cose, qr
from apcv.profile.r1.constants import QR_TOKEN_LIFETIME_S

pytestmark = pytest.mark.rig_feature("qr-scanner")
NIR_LIKE = re.compile(rb"[12378]\d{12}(\d{2})?")


@pytest.fixture
def shown_qr(dut_act, scanner) -> str:
    """The text of the QR the unlocked phone shows."""
    dut_act("unlock")
    dut_act("show_qr")
    return scanner.read()


@pytest.fixture
def device_certificate(bench, tapped_phone) -> bytes:
    """The phone's device certificate, from an NFC presentation."""
    header, _ = cose.peek(bench.reader.read().presentation)
    return header[cose.X5CHAIN]


@pytest.mark.requirement("APCV-QR-001")
def test_token_format(shown_qr):
    assert shown_qr.startswith("APCV1:") and len(shown_qr) <= 4296
    token = qr.decode(shown_qr)
    assert token.kid


@pytest.mark.requirement("APCV-QR-002", "APCV-QR-008")
def test_claims_are_exactly_the_profile_map(shown_qr):
    token = qr.decode(shown_qr)
    keys = set(cbor2.loads(token.claims.to_cbor()))
    assert keys <= {"v", "tid", "iat", "exp", "card", "ben"}
    assert not NIR_LIKE.search(token.claims.to_cbor()), "the token holds a NIR-like number"


@pytest.mark.requirement("APCV-QR-003")
def test_token_verifies_with_the_certified_device_key(shown_qr, bench, device_certificate):
    verified = qr.verify(shown_qr, bench.trust, datetime.now(UTC),
                         certificate_for=lambda kid: device_certificate)
    assert verified.claims.card_reference


@pytest.mark.requirement("APCV-QR-004")
def test_token_lifetime(shown_qr):
    claims = qr.decode(shown_qr).claims
    assert claims.expires_at - claims.issued_at == QR_TOKEN_LIFETIME_S


@pytest.mark.requirement("APCV-QR-004")
def test_locked_phone_shows_no_token(dut_act, scanner):
    dut_act("lock")
    try:
        with pytest.raises(Exception, match="no QR"):
            scanner.read(timeout=0.3)
    finally:
        dut_act("unlock")
