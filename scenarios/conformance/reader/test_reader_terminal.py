"""A reader terminal with its own verification logic, judged on what it reports (APCV-RDR-001..005).

The harness presents genuine and hostile phones and a card on the terminal's reader, has the
terminal read (its ``read`` command, or a person), and judges the report the terminal sends
through its output channel (docs/reader-terminal.md): the patient it shows, or its refusal and
reason. Nothing here goes through the harness's own reader kernel. A transport-only reader (no
``dut.output``) is not applicable here: it has no verification logic.
"""

from __future__ import annotations

import pytest

from apcv.nir import mask_nir
from apcv.people import Identity
from harness.terminal.contract import VERIFICATION_REFUSALS, ReadShown, RefusedShown, TerminalReport
from scenarios.conformance.reader.devices import ChainingDevice

CHUNK = 100
"""Bytes per 61XX piece of the chaining phone, fewer than any Le a reader asks for (a presentation
then takes a dozen GET RESPONSE)."""


def assert_shows(report: TerminalReport, patient: Identity, kind: str) -> None:
    """The terminal read the presentation and shows ``patient`` (what it reports of them)."""
    assert isinstance(report, ReadShown), f"the terminal refused: {report}"
    name = f"{' '.join(patient.first_names)} {patient.birth_name}"
    assert report.patient.name == name, f"the terminal shows {report.patient.name!r}, not {name!r}"
    if report.patient.nir is not None:
        assert report.patient.nir == mask_nir(patient.nir)
    if report.patient.birth_date is not None:
        assert report.patient.birth_date == patient.birth_date
    if report.kind is not None:
        assert report.kind == kind


def assert_refused(report: TerminalReport, reasons: tuple[str, ...]) -> None:
    """The terminal refused the presentation for one of ``reasons``."""
    assert isinstance(report, RefusedShown), f"the terminal accepted it and shows {report.patient}"
    assert report.reason in reasons, f"the terminal refused it as {report.reason!r}, not one of {reasons}"


@pytest.mark.apcv_requirement("APCV-RDR-001", "APCV-RDR-005")
def test_terminal_shows_the_holder_of_a_phone(reader_terminal, phone, blame):
    report = reader_terminal.read()
    with blame("APCV-RDR-001"):  # the apCV application was read (a kind it reports is the phone's)
        assert isinstance(report, ReadShown), f"the terminal refused: {report}"
        assert report.kind in (None, "phone"), f"the terminal read the {report.kind}"
    with blame("APCV-RDR-005"):
        assert_shows(report, phone.wallet.insured.identity, "phone")


@pytest.mark.apcv_requirement("APCV-RDR-005")
def test_terminal_shows_the_beneficiary_chosen(reader_terminal, phone):
    beneficiaries = phone.wallet.insured.beneficiaries
    assert beneficiaries, "the rig's phone carries no beneficiary to choose"
    for index, beneficiary in enumerate(beneficiaries, start=1):
        report = reader_terminal.read(index, who=f"the card holder's beneficiary number {index}")
        assert_shows(report, beneficiary.identity, "phone")


@pytest.mark.apcv_requirement("APCV-RDR-001")
def test_terminal_falls_back_to_the_card(reader_terminal, card):
    assert_shows(reader_terminal.read(), card.insured.identity, "card")


@pytest.mark.apcv_requirement("APCV-RDR-002")
def test_terminal_follows_61xx_chaining(bench, reader_terminal):
    chaining = ChainingDevice(bench.make_phone(), CHUNK)
    bench.present_device("phone", chaining)
    report = reader_terminal.read()
    assert chaining.get_responses > 0, "the terminal sent no GET RESPONSE to a phone answering 61XX"
    assert_shows(report, bench.phone.wallet.insured.identity, "phone")


@pytest.mark.apcv_requirement("APCV-RDR-003")
def test_terminal_reports_a_locked_app(bench, reader_terminal):
    bench.present_device("phone", bench.make_phone(locked=True))
    assert_refused(reader_terminal.read(), ("locked",))


def _judged_on(variant: str, requirement: str):
    """A hostile phone, and the one requirement the terminal's refusal of it is judged on."""
    return pytest.param(variant, marks=pytest.mark.apcv_requirement(requirement), id=variant)


@pytest.mark.parametrize("variant", [
    _judged_on("phone-uncertified-key", "APCV-NFC-022"),
    _judged_on("phone-expired-card-data", "APCV-NFC-022"),
    _judged_on("phone-bad-signature", "APCV-RDR-004"),
    _judged_on("phone-forged-beneficiary", "APCV-NFC-028"),
    _judged_on("phone-long-lived-presentation", "APCV-NFC-029"),
])
def test_terminal_refuses_a_hostile_phone(bench, reader_terminal, variant):
    bench.present_device("phone", bench.make_phone(variant=variant))
    assert_refused(reader_terminal.read(), VERIFICATION_REFUSALS)


@pytest.mark.apcv_requirement("APCV-RDR-004")
def test_terminal_refuses_a_presentation_from_another_session(bench, reader_terminal):
    bench.present_device("phone", bench.make_phone(variant="phone-replays-presentation"))
    assert_shows(reader_terminal.read(), bench.phone.wallet.insured.identity, "phone")  # the first is genuine
    assert_refused(reader_terminal.read(), VERIFICATION_REFUSALS)
