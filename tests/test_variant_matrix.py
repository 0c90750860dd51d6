"""Every role's plan passes on our reference implementation and catches every faulty variant
on the requirement it breaks (the proof that the suites can fail), through `apcv-hil variants`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.cli.variants import ROLES_WITH_VARIANTS
from simulators.variants import variants_of

DOC = Path(__file__).resolve().parents[1] / "docs" / "variants.md"

# the matrix runs every role's plan on every variant (pcscd, servers); its tests share one run of it,
# so they stay on one pytest-xdist worker (make test runs with --dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("variant-matrix")]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("variants")
    result = CliRunner().invoke(cli, ["variants", "--json", "--report", str(folder / "report"),
                                      "--markdown", str(folder / "table.md")])
    summary = json.loads(result.output)
    summary["exit_code"] = result.exit_code
    summary["table"] = (folder / "table.md").read_text(encoding="utf-8")
    summary["html"] = (folder / "report" / "index.html").read_text(encoding="utf-8")
    return summary


@pytest.mark.parametrize("role", ROLES_WITH_VARIANTS)
def test_reference_passes_every_mandatory_requirement(matrix: dict, role: str) -> None:
    reference = matrix["references"][role]
    assert reference == {"exit_code": 0, "mandatory_not_passed": []}


@pytest.mark.parametrize("role", ROLES_WITH_VARIANTS)
def test_each_role_has_variants(role: str) -> None:
    assert len(variants_of(role)) >= 5


def test_every_variant_is_caught_on_what_it_breaks(matrix: dict) -> None:
    missed = [row for row in matrix["variants"] if not row["caught"]]
    assert missed == []
    assert matrix["exit_code"] == 0
    assert {row["variant"] for row in matrix["variants"]} == {
        v.name for role in ROLES_WITH_VARIANTS for v in variants_of(role)}


def test_docs_and_report_carry_the_matrix(matrix: dict) -> None:
    """Every variant has its row in docs/variants.md (what it breaks, caught); the requirements
    that also failed may vary with the machine's load, so they are not compared."""
    rows = {line.split("|")[2].split("`")[1]: line for line in DOC.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and "`" in line}
    for row in matrix["variants"]:
        line = rows.get(row["variant"])
        assert line is not None, f"{row['variant']}: no row in docs/variants.md (variants --markdown)"
        assert all(ident in line.split("|")[3] for ident in row["breaks"]) and line.endswith("| yes |")
        assert row["variant"] in matrix["html"]
    assert set(rows) == {row["variant"] for row in matrix["variants"]}


def test_a_variant_proving_an_element_is_caught_by_that_element_check_only(matrix: dict) -> None:
    """A variant that breaks one element of the profile (docs/profile-coverage.md) fails the tests
    that check that element and no other: the proof that the check is needed."""
    from scenarios.conformance.coverage import element_checks

    checks = element_checks()
    proving = [row for row in matrix["variants"] if row["elements"]]
    assert len(proving) >= 9
    for row in proving:
        expected = {test.split("::")[1] for ident in row["elements"] for test in checks[ident]}
        failed = {nodeid.split("::")[1].split("[")[0] for nodeid in row["failed_tests"]}
        assert failed and failed <= expected, (row["variant"], sorted(failed), sorted(expected))
