"""The reference reader kernel against the rig's phone and card (APCV-R1 §9).

These judge our own kernel, so they never count for a reader under test: a reader terminal is
judged on its own output (test_reader_terminal.py), and a transport-only reader has no
verification logic to judge.
"""

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from apcv.clock import FrozenClock
from apcv.errors import VerificationError
from harness.pytest_plugin.terminal import NO_LOGIC
from harness.roles import get_role
from simulators.reader.errors import AppLocked

STEPS = {"detect", "select", "session", "presentation", "verify", "total"}
READS = 7  # each step's timing is kept as a distribution, so two runs compare (apcv-hil compare)


@pytest.fixture(autouse=True)
def _not_for_a_reader_under_test(rig):
    dut = rig.dut
    if dut is not None and get_role(dut.role).reports_output:  # a reader: judged on its own output
        pytest.skip(NO_LOGIC if dut.output is None else
                    "not applicable: a reader terminal is judged on its own reports "
                    "(test_reader_terminal.py), not on our kernel")


@pytest.mark.apcv_requirement("APCV-RDR-001", "APCV-RDR-005")
def test_reads_phone(reader, phone, measure, blame):
    results = [reader.read() for _ in range(READS)]
    with blame("APCV-RDR-001"):
        assert [result.kind for result in results] == ["phone"] * READS
    with blame("APCV-RDR-005"):
        for result in results:
            assert result.holder == phone.wallet.insured.identity
            assert result.coverage == phone.wallet.insured.coverage
            assert result.reference == phone.wallet.card_reference
            assert set(result.timings_ms) == STEPS
    for step in sorted(STEPS):
        samples = [round(result.timings_ms[step], 3) for result in results]
        measure(f"{step}_ms", statistics.median(samples), unit="ms", low=0, samples=samples)


@pytest.mark.apcv_requirement("APCV-RDR-005")
def test_reads_each_beneficiary(reader, phone):
    for index, ben in enumerate(phone.wallet.insured.beneficiaries, start=1):
        assert reader.read(beneficiary=index).selected_identity == ben.identity


@pytest.mark.apcv_requirement("APCV-RDR-001", "APCV-CARD-004")
def test_falls_back_to_card(reader, card, blame, measure):
    results = [reader.read() for _ in range(READS)]
    for result in results:
        with blame("APCV-RDR-001"):
            assert result.kind == "card"
        with blame("APCV-CARD-004"):
            assert result.holder == card.insured.identity
            assert result.reference == card.insured.card_serial
    samples = [round(result.timings_ms["total"], 3) for result in results]
    measure("card_read_ms", statistics.median(samples), unit="ms", low=0, samples=samples)


@pytest.mark.apcv_requirement("APCV-RDR-002")
@pytest.mark.parametrize("extended, max_le", [(True, 256), (False, 256), (False, 64)])
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
