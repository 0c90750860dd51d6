"""The requirement catalogue: valid data, bad files named clearly, docs generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from apcv.profile.catalogue import CatalogueError, load_catalogue, parse_catalogue
from harness.report.requirements_doc import render

DOCS = Path(__file__).resolve().parents[1] / "docs"
GOOD_ENTRY = "  - {id: APCV-NFC-001, title: t, roles: [phone], level: mandatory, kind: functional}\n"


def test_docs_requirements_is_generated_from_the_catalogue() -> None:
    assert (DOCS / "requirements.md").read_text(encoding="utf-8") == render(load_catalogue()), (
        "regenerate: python -m harness.report.requirements_doc docs/requirements.md")


def test_protocol_tables_agree_with_the_catalogue() -> None:
    rows = re.findall(r"^\|\s*(APCV-[A-Z]+-\d{3})\s*\|\s*(.+?)\s*\|\s*$",
                      (DOCS / "protocol.md").read_text(encoding="utf-8"), re.MULTILINE)
    by_id = load_catalogue().by_id()
    assert rows
    for ident, title in rows:
        assert ident in by_id, f"{ident} is in docs/protocol.md but not in the catalogue"
        assert by_id[ident].title == title, f"{ident}: the title differs from the catalogue"


def test_every_role_with_a_plan_has_mandatory_requirements() -> None:
    catalogue = load_catalogue()
    for role in ("phone", "card", "reader"):
        assert any(r.level == "mandatory" for r in catalogue.plan(role)), role


@pytest.mark.parametrize(("text", "message"), [
    ("profile: APCV-R1\nversion: 1\nrequirements:\n" + GOOD_ENTRY * 2,
     "duplicate requirement id APCV-NFC-001"),
    ("profile: APCV-R1\nversion: 1\nrequirements:\n  - {id: APCV-NFC-002, roles: [phone], level: mandatory, "
     "kind: functional}\n", "requirements.APCV-NFC-002.title: Field required"),
    ("profile: APCV-R1\nversion: 1\nrequirements:\n  - {id: APCV-NFC-002, title: t, roles: [robot], "
     "level: mandatory, kind: functional}\n", "APCV-NFC-002.roles.0"),
    ("profile: APCV-R1\nversion: 1\nrequirements:\n  - {id: NFC-1, title: t, roles: [phone], "
     "level: mandatory, kind: functional}\n", "requirements.NFC-1.id"),
    ("profile: APCV-R1\nversion: 1\nrequirements:\n  - {id: APCV-NFC-009, title: t, roles: [phone], "
     "level: mandatory, kind: timing}\n", "budget_ms is required"),
    ("profile: [unclosed\n", "not valid YAML"),
    ("- just a list\n", "catalogue"),
    ("x" * (1 << 21), "larger than"),
])
def test_bad_catalogue_names_the_fault(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(message)):
        parse_catalogue(text, "bad.yaml")
