"""Application selection on the phone (APCV-R1 §3)."""

import pytest

from scenarios.conformance.phone.r1_reader import SELECT_APCV, establish

AID = bytes.fromhex("F04150435601")


@pytest.mark.apcv_requirement("APCV-NFC-001")
def test_select_apcv_answers_fci(apdu):
    rsp = apdu.send(SELECT_APCV)
    assert rsp.sw == 0x9000
    assert rsp.data[0] == 0x6F and rsp.data[1] == len(rsp.data) - 2
    assert b"\x84\x06" + AID in rsp.data
    assert b"\x80\x01\x01" in rsp.data  # profile version R1


@pytest.mark.apcv_requirement("APCV-NFC-002", "APCV-NFC-054")
@pytest.mark.parametrize("aid", ["F04150435602", "A0000000041010", "F0415043560101", "F041504356"])
def test_select_other_aid_is_not_found(apdu, aid, blame):
    with blame("APCV-NFC-002"):
        assert apdu.send(f"00A40400{len(aid) // 2:02X}{aid}00").sw == 0x6A82
    with blame("APCV-NFC-054"):
        assert apdu.send("80 50 00 00 51" + "04" * 81 + "00").sw == 0x6985  # nothing selected


@pytest.mark.apcv_requirement("APCV-NFC-003")
@pytest.mark.parametrize("command", ["00A4040C06F04150435601", "00A4040006F04150435601"])
def test_select_without_fci(apdu, command):
    rsp = apdu.send(command)
    assert (rsp.sw, rsp.data) == (0x9000, b"")


@pytest.mark.apcv_requirement("APCV-NFC-053")
@pytest.mark.parametrize("p1p2", ["0000", "0400"[:2] + "01", "0204", "0404"])
def test_select_wrong_p1p2(apdu, p1p2):
    assert apdu.send(f"00A4{p1p2}06F0415043560100").sw == 0x6A86


@pytest.mark.apcv_requirement("APCV-NFC-004", "APCV-NFC-030")
def test_locked_phone_selects_but_refuses_session(apdu, locked_app, blame):
    with blame("APCV-NFC-004"):
        assert apdu.send(SELECT_APCV).sw == 0x9000
    with blame("APCV-NFC-030"):
        rsp = apdu.send("80 50 00 00 51" + "04" + "00" * 80 + "00")
        assert (rsp.sw, rsp.data) == (0x6982, b"")


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_unlock_opens_sessions_again(apdu, dut_act):
    dut_act("lock")
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send("80 50 00 00 51" + "04" + "00" * 80 + "00").sw == 0x6982
    dut_act("unlock")
    establish(apdu)


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_three_wrong_codes_block_the_app(phone, apdu):
    """Acts on the phone under test itself, so only where the bench holds it: a block cannot be
    undone through a control, and a launched or real phone must stay usable for the plan."""
    from simulators.phone.unlock import UnlockError

    wrong = "8888" if phone.lock.code != "8888" else "9999"
    phone.lock.lock()
    for _ in range(3):
        with pytest.raises(UnlockError):
            phone.lock.unlock_with_code(wrong)
    with pytest.raises(UnlockError, match="blocked"):
        phone.unlock()
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send("80 50 00 00 51" + "04" + "00" * 80 + "00").sw == 0x6982
