"""The reference reader kernel against the rig's phone and card (APCV-R1 §9).

These judge our own kernel, so they never count for a reader under test: a reader terminal is
judged on its own output (test_reader_terminal.py), and a transport-only reader has no
verification logic to judge.
"""

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from apcv.clock import FrozenClock
from apcv.errors import ProtocolError, VerificationError
from apcv.profile.r1.apdu import parse_command
from harness.pytest_plugin.terminal import NO_LOGIC
from harness.roles import get_role
from scenarios.conformance.reader.devices import LocksAfterSession, ProbedDevice, RewritesFcp
from simulators.reader.errors import AppLocked

STEPS = {"detect", "select", "session", "presentation", "verify", "total"}
CARD_STEPS = STEPS - {"session"}  # a card opens no session
READS = 7  # each step's timing is kept as a distribution, so two runs compare (apcv-hil compare)
INS_READ_BINARY = 0xB0


def timed_read(reader, **kwargs):
    """``reader.read(**kwargs)`` and the milliseconds it took, on the reader's clock."""
    before = reader.clock.monotonic()
    result = reader.read(**kwargs)
    return result, (reader.clock.monotonic() - before) * 1000.0


def check_timings(result, took_ms: float, steps=STEPS) -> None:
    """Every step timed, none negative, the steps one after another within the total, the total
    within the time the read took."""
    timings = result.timings_ms
    assert set(timings) == steps, timings
    laps = [value for step, value in timings.items() if step != "total"]
    assert min(timings.values()) >= 0, timings
    assert sum(laps) <= timings["total"] + 1e-6 and timings["total"] <= took_ms + 1e-6, (timings, took_ms)


@pytest.fixture(autouse=True)
def _not_for_a_reader_under_test(rig):
    dut = rig.dut
    if dut is not None and get_role(dut.role).reports_output:  # a reader: judged on its own output
        pytest.skip(NO_LOGIC if dut.output is None else
                    "not applicable: a reader terminal is judged on its own reports "
                    "(test_reader_terminal.py), not on our kernel")


@pytest.mark.apcv_requirement("APCV-RDR-001", "APCV-RDR-005")
def test_reads_phone(reader, phone, measure, blame):
    timed = [timed_read(reader) for _ in range(READS)]
    results = [result for result, _ in timed]
    with blame("APCV-RDR-001"):
        assert [result.kind for result in results] == ["phone"] * READS
    with blame("APCV-RDR-005"):
        for result, took_ms in timed:
            assert result.holder == phone.wallet.insured.identity
            assert result.coverage == phone.wallet.insured.coverage
            assert result.reference == phone.wallet.card_reference
            check_timings(result, took_ms)
    for step in sorted(STEPS):
        samples = [round(result.timings_ms[step], 3) for result in results]
        measure(f"{step}_ms", statistics.median(samples), unit="ms", low=0, samples=samples)


@pytest.mark.apcv_requirement("APCV-RDR-005")
def test_reads_each_beneficiary(reader, phone):
    for index, ben in enumerate(phone.wallet.insured.beneficiaries, start=1):
        result, took_ms = timed_read(reader, beneficiary=index)
        assert result.selected_identity == ben.identity
        check_timings(result, took_ms)


@pytest.mark.apcv_requirement("APCV-RDR-001", "APCV-CARD-004", "APCV-RDR-005")
def test_falls_back_to_card(reader, card, blame, measure):
    timed = [timed_read(reader) for _ in range(READS)]
    results = [result for result, _ in timed]
    for result, took_ms in timed:
        with blame("APCV-RDR-001"):
            assert result.kind == "card"
        with blame("APCV-CARD-004"):
            assert result.holder == card.insured.identity
            assert result.reference == card.insured.card_serial
        with blame("APCV-RDR-005"):
            check_timings(result, took_ms, CARD_STEPS)
    samples = [round(result.timings_ms["total"], 3) for result in results]
    measure("card_read_ms", statistics.median(samples), unit="ms", low=0, samples=samples)


@pytest.mark.apcv_requirement("APCV-RDR-002")
@pytest.mark.apcv_rig_feature("sim-card")
@pytest.mark.parametrize("max_le", [256, 100])
def test_reads_the_card_in_short_apdus_never_past_its_end(bench, card, reader, max_le):
    """A card may take short APDUs only, and answer a read past its end with an error: the
    reader's commands are short, and its reads ask for exactly what is left of the file."""
    probe = ProbedDevice(card)
    bench.present_device("card", probe)
    kernel = type(reader)(reader.link, reader.trust, max_le=max_le)
    result = kernel.read()
    assert result.kind == "card"
    commands = [parse_command(apdu) for apdu in probe.received]
    assert not any(command.extended for command in commands), [apdu.hex() for apdu in probe.received]
    reads = [command for command in commands if command.ins == INS_READ_BINARY]
    offsets = [(command.p1 << 8) | command.p2 for command in reads]
    size = len(result.presentation)
    assert len(reads) > 1 and sum(command.le for command in reads) == size
    assert offsets == [sum(command.le for command in reads[:i]) for i in range(len(reads))]
    assert all(command.le == max_le for command in reads[:-1])


def _reordered(fcp: bytes) -> bytes:
    """The same template, its file size (tag 80) last: 62 L 82.. 83.. 80.."""
    body = fcp[2:]
    size, rest = body[:4], body[4:]
    return bytes((0x62, len(body))) + rest + size


@pytest.mark.apcv_requirement("APCV-RDR-001")
@pytest.mark.apcv_rig_feature("sim-card")
def test_reads_a_card_whose_fcp_lists_the_size_last(bench, card, reader):
    bench.present_device("card", RewritesFcp(card, _reordered))
    result = reader.read()
    assert result.kind == "card" and result.holder == card.insured.identity


@pytest.mark.apcv_requirement("APCV-RDR-003")
@pytest.mark.apcv_rig_feature("sim-card")
@pytest.mark.parametrize(("fcp", "fault"), [
    (lambda fcp: b"\x6f" + fcp[1:], "no FCP template"),  # an FCI where the FCP should be
    (lambda fcp: b"\x62", "no FCP template"),  # cut after its tag
    (lambda fcp: b"\x62\x00", "no file size"),  # an empty template
    (lambda fcp: b"\x62\x03\x82\x01\x01", "no file size"),  # no tag 80
    (lambda fcp: b"\x62\x04\x80\x05\x00\x10", "no file size"),  # tag 80 running past the end
], ids=["fci", "tag only", "empty", "no size", "size cut"])
def test_refuses_a_card_without_a_usable_fcp(bench, card, reader, fcp, fault):
    bench.present_device("card", RewritesFcp(card, fcp))
    with pytest.raises(ProtocolError, match=fault):
        reader.read()


@pytest.mark.apcv_requirement("APCV-RDR-002")
@pytest.mark.parametrize("extended, max_le", [(True, 256), (False, 256), (False, 64), (False, 1)])
def test_short_and_extended_length(bench, phone, reader, extended, max_le):
    kernel = type(reader)(bench.reader_link, bench.trust, extended_length=extended, max_le=max_le)
    assert kernel.read().kind == "phone"


@pytest.mark.apcv_requirement("APCV-RDR-003")
@pytest.mark.apcv_rig_feature("sim-phone")
def test_locked_phone_is_reported(reader, phone):
    phone.lock.lock()
    with pytest.raises(AppLocked, match="locked: unlock the phone"):
        reader.read()
    phone.unlock()
    assert reader.read().kind == "phone"


@pytest.mark.apcv_requirement("APCV-RDR-003")
@pytest.mark.apcv_rig_feature("sim-phone")
def test_a_phone_locked_mid_session_is_reported_locked(bench, reader, phone):
    """Locked between ESTABLISH SESSION and GET PRESENTATION: the reader says the app is locked,
    not that the presentation failed to verify."""
    bench.present_device("phone", LocksAfterSession(phone))
    with pytest.raises(AppLocked, match="locked: unlock the phone"):
        reader.read()
    phone.unlock()


def _judged_on(variant: str, fault: str, requirement: str):
    """A hostile phone, the fault the kernel must name, and the one requirement it is judged on."""
    return pytest.param(variant, fault, marks=pytest.mark.apcv_requirement(requirement), id=variant)


@pytest.mark.parametrize(("variant", "fault"), [
    _judged_on("phone-uncertified-key", "not signed by the insurer", "APCV-NFC-022"),
    _judged_on("phone-expired-card-data", r"card data is valid from .*, not at", "APCV-NFC-022"),
    _judged_on("phone-bad-signature", "signature does not verify", "APCV-RDR-004"),
    _judged_on("phone-forged-beneficiary", "was not signed by the insurer", "APCV-NFC-028"),
    _judged_on("phone-long-lived-presentation", "lifetime is", "APCV-NFC-029"),
])
def test_rejects_a_hostile_phone(bench, reader, variant, fault):
    bench.present_device("phone", bench.make_phone(variant=variant))
    with pytest.raises(VerificationError, match=fault):
        reader.read()


@pytest.mark.apcv_requirement("APCV-RDR-004")
def test_rejects_a_presentation_from_another_session(bench, reader):
    bench.present_device("phone", bench.make_phone(variant="phone-replays-presentation"))
    assert reader.read().kind == "phone"  # the first presentation is genuine
    with pytest.raises(VerificationError, match="another session"):
        reader.read()


@pytest.mark.apcv_requirement("APCV-RDR-004")
def test_rejects_an_expired_presentation(bench, reader):
    later = FrozenClock(datetime.now(UTC) + timedelta(seconds=130))
    bench.present_device("phone", bench.make_phone())
    kernel = type(reader)(reader.link, reader.trust, clock=later)
    with pytest.raises(VerificationError, match="expired"):
        kernel.read()
