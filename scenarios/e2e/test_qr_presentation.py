"""End to end, QR side: unlock the phone, hold it to the practitioner's scanner, read a token.

Backend verification (single use, rights) is the backend scenario's job; here the scanned
text must be an R1 QR token, and on rigs with a simulated phone, one that verifies against the
insurer root and names the phone's card.
"""

import pytest

from harness.clock import to_datetime
from harness.links.scanner_base import ScanTimeout
from simulators.profile.r1 import qr


@pytest.mark.requirement("APCV-QR-001", "APCV-QR-002")
@pytest.mark.rig_feature("qr-scanner")
def test_scanned_text_is_an_r1_token(scanner):
    token = qr.decode(scanner.read())
    assert len(token.claims.token_id) == qr.TOKEN_ID_LEN
    assert token.claims.issued_at <= token.claims.expires_at


@pytest.mark.requirement("APCV-QR-001", "APCV-QR-003", "APCV-QR-004")
@pytest.mark.rig_feature("qr-scanner", "sim-phone")
def test_unlock_then_scan(bench, scanner):
    phone = bench.require("phone")
    phone.lock.lock()
    phone.unlock()
    payload = scanner.read()
    verified = qr.verify(payload, bench.insurer.trust_anchor, to_datetime(bench.clock),
                         certificate_for=lambda kid: phone.wallet.device_certificate_der)
    assert verified.claims.card_reference == phone.wallet.card_reference
    assert any("scanned APCV1:" in e.detail for e in bench.recorder.events)


@pytest.mark.requirement("APCV-QR-004")
@pytest.mark.rig_feature("qr-scanner", "sim-phone")
def test_locked_phone_shows_nothing_to_scan(bench, scanner):
    bench.require("phone").lock.lock()
    with pytest.raises(ScanTimeout, match="no QR payload within"):
        scanner.read(timeout=0.2)
