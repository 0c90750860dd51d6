"""Session, presentation, chaining and extended length (§4, §5, §7)."""

from datetime import UTC, datetime

import cbor2
import pytest

from apcv.profile.r1 import cose
from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.presentation import verify_presentation
from scenarios.conformance.phone.r1_reader import SELECT_APCV, establish


def get_presentation(apdu, body: bytes, le: int = 256, extended: bool = False):
    """GET PRESENTATION following 61XX; returns (data, final SW, number of APDUs)."""
    rsp = apdu.send(CommandApdu(0x80, 0x52, 0, 0, body, le=le, extended=extended).encode())
    data, count = rsp.data, 1
    while rsp.sw >> 8 == 0x61:
        rsp = apdu.send(f"00C00000{min(rsp.sw & 0xFF or 256, le) % 256:02X}")
        data, count = data + rsp.data, count + 1
    return data, rsp.sw, count


@pytest.mark.requirement("APCV-NFC-010", "APCV-NFC-011", "APCV-NFC-012", "APCV-NFC-020",
                         "APCV-NFC-021", "APCV-NFC-022", "APCV-NFC-023", "APCV-NFC-024", "APCV-NFC-028")
def test_full_presentation_over_raw_apdus(apdu, session, bench):
    data, sw, _ = get_presentation(apdu, session.request(challenge=b"Q" * 16))
    assert sw == 0x9000
    signed = session.channel.open(data)
    claims, device_key = verify_presentation(signed, bench.insurer.trust_anchor, datetime.now(UTC),
                                             transcript_hash=session.keys.transcript_hash,
                                             challenge=b"Q" * 16)
    assert claims.expires_at - claims.issued_at == 120
    assert cbor2.loads(signed).tag == 18
    header, payload = cose.peek(signed)
    assert cose.X5CHAIN not in header  # the insurer-signed card data names the device key instead
    assert cose.verify(signed, device_key) == payload


@pytest.mark.requirement("APCV-NFC-040")
@pytest.mark.parametrize("le", [256, 128, 17])
def test_long_answer_is_chained_with_61xx(apdu, session, le):
    data, sw, count = get_presentation(apdu, session.request(), le=le)
    assert sw == 0x9000
    assert count == -(-len(data) // le) > 1
    session.channel.open(data)


@pytest.mark.requirement("APCV-NFC-041")
def test_extended_length_answers_whole(apdu, session):
    rsp = apdu.send(CommandApdu(0x80, 0x52, 0, 0, session.request(), le=65536, extended=True).encode())
    assert rsp.sw == 0x9000 and len(rsp.data) > 256
    session.channel.open(rsp.data)


@pytest.mark.requirement("APCV-NFC-041", "APCV-NFC-010")
def test_extended_length_session_command(apdu):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    from apcv.profile.r1.session import encode_point, new_ephemeral_key

    point = encode_point(new_ephemeral_key().public_key())
    rsp = apdu.send(CommandApdu(0x80, 0x50, 0, 0, point + b"n" * 16, le=65536, extended=True).encode())
    assert rsp.sw == 0x9000 and len(rsp.data) == 81


@pytest.mark.requirement("APCV-NFC-013")
def test_reader_key_off_curve(apdu):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send("80 50 00 00 51 04" + "01" * 64 + "00" * 16 + "00").sw == 0x6A80


@pytest.mark.requirement("APCV-NFC-014")
@pytest.mark.parametrize("command", ["80 50 00 00 10" + "04" * 16 + "00", "80 50 00 00 51" + "04" * 81],
                         ids=["16-byte data", "no Le"])
def test_session_wrong_length_or_missing_le(apdu, command):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send(command).sw == 0x6700


@pytest.mark.requirement("APCV-NFC-053")
def test_session_wrong_p1p2(apdu):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send("80 50 01 00 51" + "04" * 81 + "00").sw == 0x6A86


@pytest.mark.requirement("APCV-NFC-026", "APCV-NFC-054")
def test_one_presentation_per_session(apdu, session):
    assert get_presentation(apdu, session.request())[1] == 0x9000
    assert get_presentation(apdu, session.request())[1] == 0x6985
    assert apdu.send("80 50 00 00 51" + "04" * 81 + "00").sw == 0x6985  # no second session


@pytest.mark.requirement("APCV-NFC-025")
def test_unknown_beneficiary(apdu, session):
    assert get_presentation(apdu, session.request(beneficiary=99))[1] == 0x6A88


@pytest.mark.requirement("APCV-NFC-027")
def test_tampered_request_ends_session(apdu, session):
    body = bytearray(session.request())
    body[3] ^= 0x01
    assert get_presentation(apdu, bytes(body))[1] == 0x6A80
    assert get_presentation(apdu, session.request())[1] == 0x6985


@pytest.mark.requirement("APCV-NFC-027")
@pytest.mark.parametrize("request_body", [cbor2.dumps([1, 2]), cbor2.dumps({1: b"short", 2: 0}),
                                          cbor2.dumps({1: b"C" * 16, 2: -1}), b"\xff\xfe"],
                         ids=["array", "short challenge", "negative index", "not CBOR"])
def test_malformed_request_content(apdu, session, request_body):
    sealed = session.channel.seal(request_body)
    assert get_presentation(apdu, sealed)[1] == 0x6A80


@pytest.mark.requirement("APCV-NFC-030")
@pytest.mark.rig_feature("sim-phone")
def test_lock_between_session_and_presentation(apdu, session, phone):
    phone.lock.lock()
    data, sw, _ = get_presentation(apdu, session.request())
    assert (sw, data) == (0x6982, b"")


@pytest.mark.requirement("APCV-NFC-001")
def test_reselect_restarts(apdu):
    establish(apdu)
    establish(apdu)  # SELECT ends the previous session, a new one opens
