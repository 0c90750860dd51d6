"""The backend plan can fail: run against each faulty variant of our backend it fails, on the
requirement the variant breaks; run against the reference it passes every mandatory backend
requirement. Each run is ``pytest scenarios/conformance/backend`` in a child process on the
software rig (our backend served over HTTP), two at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

import scenarios.conformance.backend
from apcv.profile.catalogue import load_catalogue
from harness.plan_run import PlanRun, PlanRunError, run_matrix, run_plan
from simulators.backend.variants import VARIANTS

PLAN = Path(scenarios.conformance.backend.__file__).parent
UNKNOWN = "lenient-backend"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str | None, PlanRun]:
    return run_matrix(PLAN, tmp_path_factory.mktemp("backend-matrix"), [None, *VARIANTS], workers=2)


def test_every_variant_breaks_backend_requirements_of_the_catalogue():
    catalogue = load_catalogue().by_id()
    for variant in VARIANTS.values():
        assert variant.role == "backend" and variant.breaks, variant
        for rid in variant.breaks:
            assert "backend" in catalogue[rid].roles, (variant.name, rid)


def test_the_reference_passes_every_mandatory_backend_requirement(matrix):
    run = matrix[None]
    assert run.exit_code == 0, run.output
    mandatory = [r.id for r in load_catalogue().plan("backend") if r.level == "mandatory"]
    assert {rid: run.verdicts[rid] for rid in mandatory} == dict.fromkeys(mandatory, "passed"), run.output


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_fails_on_the_requirement_it_breaks(matrix, name):
    run = matrix[name]
    assert run.exit_code == 1, run.output
    assert set(VARIANTS[name].breaks) <= run.failed, (run.failed, run.output)


def test_an_unknown_variant_stops_the_run_naming_the_known_ones(tmp_path):
    with pytest.raises(PlanRunError) as stopped:
        run_plan(PLAN, tmp_path, variant=UNKNOWN)
    message = str(stopped.value)
    assert f"exit code {pytest.ExitCode.USAGE_ERROR.value}:" in message
    assert f"unknown backend variant '{UNKNOWN}'" in message and "replay-accepted" in message
    assert " passed" not in message
