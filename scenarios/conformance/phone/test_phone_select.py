"""Application selection on the phone (APCV-R1 §3)."""

import pytest

from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.files import fci, tlv_paths
from scenarios.conformance.phone.r1_reader import SELECT_APCV, establish

AID = bytes.fromhex("F04150435601")


@pytest.mark.apcv_requirement("APCV-NFC-001")
@pytest.mark.apcv_element("phone.tag.6F", "phone.tag.6F/84", "phone.tag.6F/A5", "phone.tag.6F/A5/80",
                     "phone.tag.6F/A5/81")
def test_select_apcv_answers_fci(apdu):
    rsp = apdu.send(SELECT_APCV)
    assert rsp.sw == 0x9000
    assert rsp.data[0] == 0x6F and rsp.data[1] == len(rsp.data) - 2
    found = dict(tlv_paths(rsp.data))
    assert sorted(found) == sorted(dict(tlv_paths(fci()))), f"FCI tags {sorted(found)}"
    assert found["6F/84"] == AID
    assert found["6F/A5/80"] == b"\x01"  # profile version R1
    assert len(found["6F/A5/81"]) == 2 and int.from_bytes(found["6F/A5/81"], "big") >= 256, \
        "tag 81 must give the largest command data accepted, on two bytes, at least 256"


@pytest.mark.apcv_requirement("APCV-NFC-002", "APCV-NFC-054")
@pytest.mark.apcv_element("phone.sw.foreign-aid", "phone.state.foreign-aid-deselects",
                     "phone.sw.session-before-select")
@pytest.mark.parametrize("aid", ["F04150435602", "A0000000041010", "F0415043560101", "F041504356"])
def test_select_other_aid_is_not_found(apdu, aid, blame):
    with blame("APCV-NFC-002"):
        assert apdu.send(f"00A40400{len(aid) // 2:02X}{aid}00").sw == 0x6A82
    with blame("APCV-NFC-054"):
        assert apdu.send("80 50 00 00 51" + "04" * 81 + "00").sw == 0x6985  # nothing selected


@pytest.mark.apcv_requirement("APCV-NFC-002")
@pytest.mark.apcv_element("phone.sw.foreign-aid", "phone.state.foreign-aid-ends-session")
def test_select_other_aid_ends_the_session(apdu, session):
    assert apdu.send("00A4040006F0415043560200").sw == 0x6A82
    rsp = apdu.send(CommandApdu(0x80, 0x52, 0, 0, session.request(), le=256).encode())
    assert rsp.sw == 0x6985, f"GET PRESENTATION after another AID was selected answered {rsp.sw:04X}"


@pytest.mark.apcv_requirement("APCV-NFC-003")
@pytest.mark.apcv_element("phone.field.select-p2-0c-no-data")
@pytest.mark.parametrize("command", ["00A4040C06F04150435601", "00A4040006F04150435601",
                                     "00A4040C06F0415043560100"], ids=["P2=0C", "no Le", "P2=0C with Le"])
def test_select_without_fci(apdu, command):
    rsp = apdu.send(command)
    assert (rsp.sw, rsp.data) == (0x9000, b"")


@pytest.mark.apcv_requirement("APCV-NFC-053")
@pytest.mark.apcv_element("phone.sw.select-p1p2")
@pytest.mark.parametrize("p1p2", ["0000", "0400"[:2] + "01", "0204", "0404"])
def test_select_wrong_p1p2(apdu, p1p2):
    assert apdu.send(f"00A4{p1p2}06F0415043560100").sw == 0x6A86


@pytest.mark.apcv_requirement("APCV-NFC-004", "APCV-NFC-030")
@pytest.mark.apcv_element("phone.sw.locked-session", "phone.state.locked-sends-nothing")
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
