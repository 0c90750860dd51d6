"""Session, presentation, chaining and extended length (§4, §5, §7)."""

from datetime import UTC, datetime

import cbor2
import pytest

from apcv.errors import VerificationError
from apcv.profile.r1 import cose
from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.issuer_signed import verify_issuer_signed, verify_security_object
from apcv.profile.r1.presentation import CLAIM_KEYS, verify_presentation
from apcv.profile.r1.session import decode_point, encode_point, new_ephemeral_key
from harness.dut.timing import exchanges, judge
from scenarios.conformance.phone.r1_reader import SELECT_APCV, establish

GCM_TAG_LEN = 16
MALFORMED_REQUESTS = [cbor2.dumps([1, 2]), cbor2.dumps({1: b"short", 2: 0}),
                      cbor2.dumps({1: b"C" * 16, 2: -1}), b"\xff\xfe",
                      cbor2.dumps({1: b"C" * 16, 2: 0, 3: 0})]
"""Requests that decrypt but are not the map {1: challenge, 2: index} of §5 (and no other key)."""
MALFORMED_IDS = ["array", "short challenge", "negative index", "not CBOR", "another key"]


def get_presentation(apdu, body: bytes, le: int = 256, extended: bool = False):
    """GET PRESENTATION following 61XX; returns (data, final SW, number of APDUs)."""
    data, sw, chunks = get_presentation_chunks(apdu, body, le, extended)
    return data, sw, len(chunks)


def get_presentation_chunks(apdu, body: bytes, le: int = 256, extended: bool = False):
    """GET PRESENTATION following 61XX; returns (data, final SW, [(bytes received, SW)])."""
    rsp = apdu.send(CommandApdu(0x80, 0x52, 0, 0, body, le=le, extended=extended).encode())
    data, chunks = rsp.data, [(len(rsp.data), rsp.sw)]
    while rsp.sw >> 8 == 0x61:
        rsp = apdu.send(f"00C00000{min(rsp.sw & 0xFF or 256, le) % 256:02X}")
        data += rsp.data
        chunks.append((len(rsp.data), rsp.sw))
    return data, rsp.sw, chunks


def _reads_as_cose_sign1(data: bytes) -> bool:
    """True when ``data`` is a whole COSE_Sign1 as it stands (not sealed)."""
    try:
        cose.parse(data)
    except VerificationError:
        return False
    return True


def presented(apdu, session, challenge: bytes = b"Q" * 16) -> tuple[bytes, dict, bytes]:
    """One presentation of an open session: (COSE_Sign1 bytes, protected header, payload)."""
    data, sw, _ = get_presentation(apdu, session.request(challenge=challenge))
    assert sw == 0x9000, f"GET PRESENTATION answered {sw:04X}"
    signed = session.channel.open(data)
    header, payload = cose.peek(signed)
    return signed, header, payload


@pytest.mark.apcv_requirement("APCV-NFC-010", "APCV-NFC-011", "APCV-NFC-012", "APCV-NFC-020")
@pytest.mark.apcv_element("phone.field.session-key", "phone.field.session-nonce")
def test_presentation_in_a_session(apdu, session, blame):
    with blame("APCV-NFC-010"):
        assert decode_point(session.phone_point) and len(session.phone_nonce) == 16
    with blame("APCV-NFC-020"):
        data, sw, _ = get_presentation(apdu, session.request())
        assert sw == 0x9000, f"GET PRESENTATION answered {sw:04X}"
    with blame("APCV-NFC-012"):  # sealed bytes may begin with 0xD2 (1 in 256): what reads as one is clear
        assert not _reads_as_cose_sign1(data), "the presentation crossed in the clear, not sealed"
        assert len(data) > GCM_TAG_LEN
    with blame("APCV-NFC-011"):  # the keys we derive (§4.1) open what the phone sealed: the presentation
        payload = cose.peek(session.channel.open(data))[1]
        assert len(cbor2.loads(payload)["tid"]) == 16


@pytest.mark.apcv_requirement("APCV-NFC-021")
def test_presentation_is_signed_by_the_device_key_the_insurer_named(apdu, session, bench):
    signed, header, payload = presented(apdu, session)
    assert cbor2.loads(signed).tag == 18
    assert cose.X5CHAIN not in header  # no certificate: the insurer-signed card data names the key
    card = verify_issuer_signed(cbor2.loads(payload)["iss"], bench.trust, datetime.now(UTC))
    assert cose.verify(signed, card.device_key) == payload


@pytest.mark.apcv_requirement("APCV-NFC-022", "APCV-NFC-028")
@pytest.mark.apcv_element(*(f"phone.key.{key}" for key in sorted(CLAIM_KEYS)))
def test_card_data_is_signed_by_the_insurer_for_this_card(apdu, session, bench, blame):
    with blame("APCV-NFC-022"):  # the insurer signed the security object, valid now, naming the signer
        signed, _, payload = presented(apdu, session)
        issuer_signed = cbor2.loads(payload)["iss"]
        cose.verify(signed, verify_security_object(issuer_signed, bench.trust, datetime.now(UTC)))
        security_object = cbor2.loads(cose.peek(issuer_signed["so"])[1])
        assert security_object["card"] == cbor2.loads(payload)["card"], "the card data is another card's"
    with blame("APCV-NFC-028"):  # each item is one whose digest the insurer signed
        card = verify_issuer_signed(issuer_signed, bench.trust, datetime.now(UTC))
        claims, _ = verify_presentation(signed, bench.trust, datetime.now(UTC))
        assert (card.holder, card.beneficiaries) == (claims.holder, claims.beneficiaries)


@pytest.mark.apcv_requirement("APCV-NFC-023")
def test_presentation_is_bound_to_the_session(apdu, session):
    presented(apdu, session)  # an earlier presentation must not leak into the next session
    fresh = establish(apdu)
    _, _, payload = presented(apdu, fresh, challenge=b"Z" * 16)
    claims = cbor2.loads(payload)
    assert claims["th"] == fresh.keys.transcript_hash
    assert claims["ch"] == b"Z" * 16


@pytest.mark.apcv_requirement("APCV-NFC-024")
def test_presentation_expires_120_s_after_issue(apdu, session):
    _, _, payload = presented(apdu, session)
    claims = cbor2.loads(payload)
    assert claims["exp"] - claims["iat"] == 120


@pytest.mark.apcv_requirement("APCV-NFC-015")
@pytest.mark.apcv_element("phone.field.session-key", "phone.field.session-nonce")
def test_each_session_has_a_fresh_key_and_nonce(apdu):
    first, second = establish(apdu), establish(apdu)
    assert first.phone_point != second.phone_point
    assert first.phone_nonce != second.phone_nonce


@pytest.mark.apcv_requirement("APCV-NFC-040")
@pytest.mark.apcv_element("phone.chunk.announced", "phone.chunk.announced-256", "phone.chunk.last")
@pytest.mark.parametrize("le", [256, 128, 17])
def test_long_answer_is_chained_with_61xx(apdu, session, le):
    data, sw, chunks = get_presentation_chunks(apdu, session.request(), le=le)
    assert sw == 0x9000
    assert len(chunks) == -(-len(data) // le) > 1
    for index, (_, sw_chunk) in enumerate(chunks[:-1]):
        remaining = sum(n for n, _ in chunks[index + 1:])
        expected = remaining if remaining < 256 else 0  # 6100: 256 bytes or more
        assert sw_chunk & 0xFF == expected, f"61{sw_chunk & 0xFF:02X} announced, {remaining} left"
    session.channel.open(data)


@pytest.mark.apcv_requirement("APCV-NFC-040")
@pytest.mark.apcv_element("phone.chunk.first", "phone.chunk.next")
@pytest.mark.parametrize("le", [256, 128, 17])
def test_each_piece_but_the_last_is_le_bytes(apdu, session, le):
    _, sw, chunks = get_presentation_chunks(apdu, session.request(), le=le)
    assert sw == 0x9000
    sizes = [n for n, _ in chunks]
    assert sizes[:-1] == [le] * (len(sizes) - 1), f"pieces of {sizes} bytes with Le {le}"


@pytest.mark.apcv_requirement("APCV-NFC-041")
@pytest.mark.apcv_element("phone.chunk.extended")
def test_extended_length_answers_whole(apdu, session):
    rsp = apdu.send(CommandApdu(0x80, 0x52, 0, 0, session.request(), le=65536, extended=True).encode())
    assert rsp.sw == 0x9000 and len(rsp.data) > 256
    session.channel.open(rsp.data)


@pytest.mark.apcv_requirement("APCV-NFC-041", "APCV-NFC-010")
def test_extended_length_session_command(apdu, blame):
    from apcv.profile.r1.session import encode_point, new_ephemeral_key

    with blame("APCV-NFC-041"):
        assert apdu.send(SELECT_APCV).sw == 0x9000
        point = encode_point(new_ephemeral_key().public_key())
        rsp = apdu.send(CommandApdu(0x80, 0x50, 0, 0, point + b"n" * 16, le=65536, extended=True).encode())
        assert rsp.sw == 0x9000, f"an extended-length ESTABLISH SESSION answered {rsp.sw:04X}"
    with blame("APCV-NFC-010"):
        assert len(rsp.data) == 81


@pytest.mark.apcv_requirement("APCV-NFC-013")
@pytest.mark.apcv_element("phone.sw.session-off-curve")
def test_reader_key_off_curve(apdu):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send("80 50 00 00 51 04" + "01" * 64 + "00" * 16 + "00").sw == 0x6A80


@pytest.mark.apcv_requirement("APCV-NFC-014")
@pytest.mark.apcv_element("phone.sw.session-length", "phone.sw.session-no-le")
@pytest.mark.parametrize("command", ["80 50 00 00 10" + "04" * 16 + "00", "80 50 00 00 51" + "04" * 81],
                         ids=["16-byte data", "no Le"])
def test_session_wrong_length_or_missing_le(apdu, command):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send(command).sw == 0x6700


@pytest.mark.apcv_requirement("APCV-NFC-053")
@pytest.mark.apcv_element("phone.sw.session-p1p2")
def test_session_wrong_p1p2(apdu):
    assert apdu.send(SELECT_APCV).sw == 0x9000
    assert apdu.send("80 50 01 00 51" + "04" * 81 + "00").sw == 0x6A86


@pytest.mark.apcv_requirement("APCV-NFC-053")
@pytest.mark.apcv_element("phone.sw.presentation-p1p2")
@pytest.mark.parametrize(("p1", "p2"), [(1, 0), (0, 1)])
def test_presentation_wrong_p1p2(apdu, session, p1, p2):
    rsp = apdu.send(CommandApdu(0x80, 0x52, p1, p2, session.request(), le=256).encode())
    assert rsp.sw == 0x6A86, f"GET PRESENTATION with P1/P2 {p1:02X}{p2:02X} answered {rsp.sw:04X}"


@pytest.mark.apcv_requirement("APCV-NFC-026", "APCV-NFC-054")
@pytest.mark.apcv_element("phone.sw.second-presentation", "phone.state.no-second-session")
def test_one_presentation_per_session(apdu, session, blame):
    with blame("APCV-NFC-026"):
        assert get_presentation(apdu, session.request())[1] == 0x9000
        assert get_presentation(apdu, session.request())[1] == 0x6985
    with blame("APCV-NFC-054"):
        assert apdu.send("80 50 00 00 51" + "04" * 81 + "00").sw == 0x6985  # no second session


@pytest.mark.apcv_requirement("APCV-NFC-025")
@pytest.mark.apcv_element("phone.sw.beneficiary-beyond")
def test_unknown_beneficiary(apdu, session):
    assert get_presentation(apdu, session.request(beneficiary=99))[1] == 0x6A88


@pytest.mark.apcv_requirement("APCV-NFC-027")
@pytest.mark.apcv_element("phone.sw.request-undecryptable", "phone.state.undecryptable-ends-session")
def test_tampered_request_ends_session(apdu, session):
    body = bytearray(session.request())
    body[3] ^= 0x01
    assert get_presentation(apdu, bytes(body))[1] == 0x6A80
    assert get_presentation(apdu, session.request())[1] == 0x6985


@pytest.mark.apcv_requirement("APCV-NFC-027")
@pytest.mark.apcv_element("phone.sw.request-malformed")
@pytest.mark.parametrize("request_body", MALFORMED_REQUESTS, ids=MALFORMED_IDS)
def test_malformed_request_content(apdu, session, request_body):
    sealed = session.channel.seal(request_body)
    assert get_presentation(apdu, sealed)[1] == 0x6A80


@pytest.mark.apcv_requirement("APCV-NFC-027")
@pytest.mark.apcv_element("phone.sw.request-malformed", "phone.state.malformed-ends-session")
@pytest.mark.parametrize("request_body", MALFORMED_REQUESTS, ids=MALFORMED_IDS)
def test_malformed_request_ends_session(apdu, session, request_body):
    assert get_presentation(apdu, session.channel.seal(request_body))[1] == 0x6A80
    sw = get_presentation(apdu, session.request())[1]
    assert sw == 0x6985, f"GET PRESENTATION after a malformed request answered {sw:04X}: the session went on"


@pytest.mark.apcv_requirement("APCV-NFC-054")
@pytest.mark.apcv_element("phone.state.reset-ends-session")
def test_a_reset_ends_the_selection_and_the_session(apdu, session):
    """The reader powers the field off and on (as when the phone leaves it): the session in
    progress is over, and a selection made before the reset is gone."""
    apdu.reconnect()
    sw = apdu.send(CommandApdu(0x80, 0x52, 0, 0, session.request(), le=256).encode()).sw
    assert sw == 0x6985, f"GET PRESENTATION of the session before the reset answered {sw:04X}"
    assert apdu.send(SELECT_APCV).sw == 0x9000
    apdu.reconnect()
    point = encode_point(new_ephemeral_key().public_key())
    sw = apdu.send(CommandApdu(0x80, 0x50, 0, 0, point + b"N" * 16, le=256).encode()).sw
    assert sw == 0x6985, f"ESTABLISH SESSION after a reset, nothing selected, answered {sw:04X}"


@pytest.mark.apcv_requirement("APCV-NFC-030")
@pytest.mark.apcv_element("phone.sw.locked-presentation", "phone.state.locked-sends-nothing")
def test_lock_between_session_and_presentation(apdu, session, locked_app):
    data, sw, _ = get_presentation(apdu, session.request())
    assert (sw, data) == (0x6982, b"")


@pytest.mark.apcv_requirement("APCV-NFC-030")
@pytest.mark.apcv_element("phone.state.locked-ends-session")
def test_a_presentation_refused_while_locked_ends_the_session(apdu, session, dut_act):
    """The session opened before the lock gives no presentation once the app is unlocked again:
    the reader opens a new one."""
    dut_act("lock")
    assert get_presentation(apdu, session.request())[1] == 0x6982
    dut_act("unlock")
    sw = get_presentation(apdu, session.request())[1]
    assert sw == 0x6985, f"GET PRESENTATION in the session the lock refused answered {sw:04X} once unlocked"


@pytest.mark.apcv_requirement("APCV-NFC-001")
def test_reselect_restarts(apdu):
    establish(apdu)
    establish(apdu)  # SELECT ends the previous session, a new one opens


@pytest.mark.apcv_requirement("APCV-NFC-060")
def test_presentation_within_budget(apdu, bench, rig, measure):
    durations = []
    for _ in range(3):
        first = len(bench.recorder.events)
        presented(apdu, establish(apdu))
        pairs = exchanges(bench.recorder.events[first:])
        durations.append((pairs[-1][1] - pairs[0][0]) * 1000)
    value, budget = judge("APCV-NFC-060", durations, rig, measure, statistic="max")
    assert value <= budget, f"a whole presentation took {value:.1f} ms (budget {budget:g} ms)"
