"""The physical card (APCV-R1 §8)."""

import pytest

from apcv.profile.r1 import cose

SELECT_CARD = "00A4040C06F04150435602"
SELECT_EF = "00A4020402010100"


@pytest.mark.apcv_requirement("APCV-CARD-001")
def test_select_card_application(card_apdu):
    assert card_apdu.send("00A4040006F0415043560100").sw == 0x6A82
    assert card_apdu.send(SELECT_CARD).sw == 0x9000


@pytest.mark.apcv_requirement("APCV-CARD-002", "APCV-CARD-003", "APCV-CARD-004")
def test_read_signed_card_data(card_apdu, bench):
    assert card_apdu.send(SELECT_CARD).sw == 0x9000
    fcp = card_apdu.send(SELECT_EF)
    assert fcp.sw == 0x9000 and fcp.data[0] == 0x62
    size = int.from_bytes(fcp.data[4:6], "big")
    content = b""
    while len(content) < size:
        rsp = card_apdu.send(f"00B0{len(content):04X}{min(size - len(content), 200) % 256:02X}")
        assert rsp.sw == 0x9000
        content += rsp.data
    assert len(content) == size
    assert cose.verify(content, bench.insurer.trust_anchor.public_key)


@pytest.mark.apcv_requirement("APCV-CARD-003")
def test_read_errors(card_apdu):
    assert card_apdu.send(SELECT_CARD).sw == 0x9000
    assert card_apdu.send("00B0000010").sw == 0x6986  # no current EF
    assert card_apdu.send(SELECT_EF).sw == 0x9000
    assert card_apdu.send("00B07F0010").sw == 0x6B00
    assert card_apdu.send("00B0000010").sw == 0x9000
    assert card_apdu.send("00B00000").sw == 0x6700  # Le missing
    assert card_apdu.send("00A4020C02999900" [:-2]).sw == 0x6A82
