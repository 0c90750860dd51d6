"""The phone's QR code, read through the rig's scanner (APCV-R1 §11).

The phone is asked to show its code through the DUT control; the device key the token names
by ``kid`` is the one the insurer-signed card data of an NFC presentation of the same phone
names (docs/protocol.md §5.2).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.links.scanner_base import ScanTimeout
from apcv.profile.r1 import qr
from apcv.profile.r1.constants import QR_CLOCK_SKEW_S, QR_ROTATION_S, QR_TOKEN_LIFETIME_S
from apcv.profile.r1.presentation import verify_presentation

pytestmark = pytest.mark.apcv_rig_feature("qr-scanner")
NIR_LIKE = re.compile(rb"[12378]\d{12}(\d{2})?")
SCREEN_SETTLE_S = 2.0
"""How long a phone's screen may take to change once the app is locked (a camera films it)."""
NO_CODE_S = 0.3
"""How long the camera must see no code for the screen to count as showing none."""


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
def test_claims_are_exactly_the_profile_map(shown_qr, blame):
    with blame("APCV-QR-002"):
        token = qr.decode(shown_qr)
        keys = set(cbor2.loads(token.claims.to_cbor()))
        assert keys <= {"v", "tid", "iat", "exp", "card", "ben"}
    with blame("APCV-QR-008"):
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
def test_the_code_rotates_every_period_and_not_between(shown_qr, scanner):
    """The token on screen was issued at the start of the current rotation period, and the
    same token stays until the next period begins (looked at once the screen has settled)."""
    time.sleep(SCREEN_SETTLE_S)
    first = qr.decode(scanner.read()).claims
    now = time.time()
    assert now - QR_ROTATION_S - QR_CLOCK_SKEW_S <= first.issued_at <= now + QR_CLOCK_SKEW_S, \
        f"the token on screen was issued at {first.issued_at}, {now - first.issued_at:.0f} s ago"
    time.sleep(NO_CODE_S)
    again = qr.decode(scanner.read()).claims
    if again.issued_at == first.issued_at:
        assert again.token_id == first.token_id, "the screen showed a new token within one rotation period"
    else:  # the period ended between the two looks: the next token starts one period later
        assert again.issued_at - first.issued_at == QR_ROTATION_S, \
            f"tokens issued {again.issued_at - first.issued_at} s apart, not one {QR_ROTATION_S} s period"


@pytest.mark.apcv_requirement("APCV-QR-004")
def test_a_new_code_comes_when_the_period_ends(shown_qr, scanner):
    """Waits for the next rotation: a new token appears within one period (and the settling of
    the screen), issued one period after the one before it (looked at once the screen has
    settled: a camera may still see the code of before the unlock)."""
    time.sleep(SCREEN_SETTLE_S)
    first = qr.decode(scanner.read()).claims
    deadline = time.monotonic() + QR_ROTATION_S + SCREEN_SETTLE_S
    while (again := qr.decode(scanner.read()).claims).token_id == first.token_id:
        assert time.monotonic() < deadline, \
            f"the screen showed the same token for over {QR_ROTATION_S + SCREEN_SETTLE_S:g} s"
        time.sleep(NO_CODE_S)
    assert again.issued_at - first.issued_at == QR_ROTATION_S, \
        f"the next token was issued {again.issued_at - first.issued_at} s after the one before it, " \
        f"not one {QR_ROTATION_S} s period"


@pytest.mark.apcv_requirement("APCV-QR-004")
def test_locked_phone_shows_no_token(dut_act, scanner):
    dut_act("lock")
    try:
        deadline = time.monotonic() + SCREEN_SETTLE_S
        while True:
            try:
                scanner.read(timeout=NO_CODE_S)
            except ScanTimeout:
                break  # the camera saw no code for NO_CODE_S
            assert time.monotonic() < deadline, f"the phone still showed a QR token {SCREEN_SETTLE_S:g} s " \
                                                "after it was locked"
            time.sleep(NO_CODE_S / 3)
    finally:
        dut_act("unlock")
