"""Malformed and unexpected APDUs get the right status word, never a crash (§2)."""

import pytest

from scenarios.conformance.phone.r1_reader import SELECT_APCV

FRAMING_ERRORS = {
    "empty": "",
    "one byte": "00",
    "truncated header": "00A404",
    "Lc longer than data": "00A4040006F04150",
    "Lc shorter than data": "00A4040002F04150435601",
    "garbage after Le": "00A4040006F04150435601" + "00" + "DEAD",
    "6-byte extended header": "00A4040000FF",
    "extended Lc of zero": "00A40400000000" + "00",
    "extended Lc mismatch": "00A404000000 06F041504356".replace(" ", ""),
}


TINY = {"empty", "one byte"}
"""Shorter than 2 bytes: PC/SC refuses an empty APDU and vpcd reads a 1-byte one as a
control code, so only links declaring the ``tiny-apdus`` feature can carry them."""


@pytest.mark.apcv_requirement("APCV-NFC-050", "APCV-NFC-055")
@pytest.mark.apcv_element("phone.sw.framing", "phone.state.framing-keeps-answering")
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.apcv_rig_feature("tiny-apdus")) if n in TINY else n
    for n in FRAMING_ERRORS
])
def test_framing_errors_answer_6700(apdu, name, blame):
    with blame("APCV-NFC-050"):
        rsp = apdu.send(FRAMING_ERRORS[name])
        assert (rsp.sw, rsp.data) == (0x6700, b"")
    with blame("APCV-NFC-055"):
        assert apdu.send(SELECT_APCV).sw == 0x9000  # the applet keeps answering


@pytest.mark.apcv_requirement("APCV-NFC-051")
@pytest.mark.apcv_element("phone.sw.class")
@pytest.mark.parametrize("cla", ["01", "0C", "10", "84", "A0", "FF"])
def test_unknown_class(apdu, cla):
    assert apdu.send(f"{cla}A4040006F0415043560100").sw == 0x6E00


@pytest.mark.apcv_requirement("APCV-NFC-052")
@pytest.mark.apcv_element("phone.sw.instruction")
@pytest.mark.parametrize("command", ["00B0000000", "0084000008", "80CA000000", "8001000000", "0052000000"])
def test_unknown_instruction(apdu, command):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send(command).sw == 0x6D00


@pytest.mark.apcv_requirement("APCV-NFC-054")
@pytest.mark.apcv_element("phone.sw.presentation-before-session")
def test_presentation_before_session(apdu):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send("80 52 00 00 10" + "00" * 16 + "00").sw == 0x6985


@pytest.mark.apcv_requirement("APCV-NFC-054")
@pytest.mark.apcv_element("phone.sw.session-before-select")
def test_session_before_select(apdu):
    assert apdu.send("80 50 00 00 51" + "04" * 81 + "00").sw == 0x6985


@pytest.mark.apcv_requirement("APCV-NFC-042")
@pytest.mark.apcv_element("phone.sw.get-response-nothing")
def test_get_response_with_nothing_pending(apdu):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send("00C0000000").sw == 0x6985
