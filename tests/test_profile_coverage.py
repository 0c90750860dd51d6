"""Every element of a device's answers under APCV-R1 has a check in the phone or card plan, and
docs/profile-coverage.md is the table the coverage command writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from apcv.profile.r1.elements import ElementError, build_elements, profile_elements
from apcv.profile.r1.files import fci, fcp, tlv_paths
from scenarios.conformance import coverage

DOC = Path(__file__).resolve().parents[1] / "docs" / "profile-coverage.md"


def test_every_element_has_a_check() -> None:
    missing = [row.element.id for row in coverage.coverage() if not row.tests]
    assert missing == [], f"elements of the profile no test checks: {missing}"


def test_markers_and_variants_name_only_elements_of_the_profile() -> None:
    assert coverage.unknown_names() == []


def test_the_doc_is_the_generated_table() -> None:
    assert DOC.read_text(encoding="utf-8") == coverage.markdown(coverage.coverage()), \
        "docs/profile-coverage.md is stale: python -m scenarios.conformance.coverage --markdown " \
        "docs/profile-coverage.md"


def test_tags_come_from_the_profiles_templates() -> None:
    ids = {e.id for e in profile_elements()}
    assert {f"phone.tag.{path}" for path, _ in tlv_paths(fci())} <= ids
    assert {f"card.tag.{path}" for path, _ in tlv_paths(fcp(0x0101, 10))} <= ids
    assert "phone.tag.6F/A5/81" in ids and "card.tag.62/83" in ids


def test_the_command_fails_while_an_element_has_no_check(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(coverage, "element_checks", lambda plans=coverage.PLANS: {})
    assert coverage.main([]) == 1
    assert "elements with no check: phone.tag.6F" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "message"), [
    ("elements: [{id: phone.sw.x, device: phone, kind: sw, requirement: APCV-NFC-002, what: x}]",
     "a status word goes with kind sw"),
    ("elements: [{id: phone.sw.x, device: phone, kind: sw, sw: '6A99', requirement: APCV-NFC-002, what: x}]",
     "6A99 is not a status word of the profile"),
    ("elements: [{id: phone.sw.x, device: phone, kind: sw, sw: '6A82', requirement: APCV-BE-041, what: x}]",
     "names APCV-BE-041, not a phone requirement"),
    ("elements: [{id: 'bad id', device: phone, kind: sw, sw: '6A82', requirement: APCV-NFC-002, what: x}]",
     "id"),
    ("elements: [{id: card.tag.62, device: card, kind: tag, requirement: APCV-CARD-002, what: again}]",
     "card.tag.62 is listed twice"),
    ("elements: [1, 2", "not valid YAML"),
    ("[]", "not a map"),
    ("elements: [{id: phone.sw.x}]", "device"),
])
def test_a_bad_elements_file_is_named_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ElementError, match=message) as exc:
        build_elements(text, "elements.yaml")
    assert "\n" not in str(exc.value) and str(exc.value).startswith("elements.yaml: ")


def test_tlv_paths_refuses_a_length_past_the_end() -> None:
    with pytest.raises(ValueError, match="runs past the end"):
        tlv_paths(bytes.fromhex("6F0584"))
