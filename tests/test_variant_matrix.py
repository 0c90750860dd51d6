"""Every role's plan passes on our reference implementation and catches every faulty variant
on the requirement it breaks (the proof that the suites can fail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.conformance.matrix import MatrixResult, run_matrix
from simulators.variants import variants_of

ROLES = ["phone", "reader"]
DOC = Path(__file__).resolve().parents[1] / "docs" / "variants.md"


@pytest.fixture(scope="module")
def matrix() -> MatrixResult:
    return run_matrix(ROLES, "software", jobs=2)


@pytest.mark.parametrize("role", ROLES)
def test_reference_passes_every_mandatory_requirement(matrix: MatrixResult, role: str) -> None:
    outcome = matrix.references[role]
    assert outcome.exit_code == 0, outcome.output
    assert outcome.mandatory_not_passed() == []


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_variants(role: str) -> None:
    assert len(variants_of(role)) >= 5


def test_every_variant_is_caught_on_what_it_breaks(matrix: MatrixResult) -> None:
    missed = [f"{v.variant.name}: failed {v.caught_by or 'nothing'}, breaks {v.variant.breaks}"
              for v in matrix.verdicts if not v.caught]
    assert missed == []


def test_docs_carry_the_matrix(matrix: MatrixResult) -> None:
    assert matrix.table() in DOC.read_text(encoding="utf-8"), "regenerate docs/variants.md"
