"""Stash keys shared by the plugin's hooks and fixtures, and the session's rig, loaded once."""

from __future__ import annotations

import os

import pytest

from apcv.errors import ApcvError
from apcv.trace import TraceRecorder
from harness.report.record import Measurement
from harness.rig import RigConfig, load_rig
from harness.roles.checks import check_dut

RIG_KEY = pytest.StashKey[RigConfig]()
TRACE_KEY = pytest.StashKey[TraceRecorder]()
MEASUREMENTS_KEY = pytest.StashKey[list[Measurement]]()
FAULTS_KEY = pytest.StashKey[list[str]]()
BLAME_KEY = pytest.StashKey[str]()
"""The requirement id of the check a test failed on (the ``blame`` fixture)."""
CHECKED_KEY = pytest.StashKey[list[str]]()
"""Requirement ids whose ``blame`` blocks passed, in order, until one failed."""
DUT_IDENTITY_KEY = pytest.StashKey[dict[str, str]]()
"""The device under test's identity (declared by the rig, reported by its link), once probed."""
RIG_ENV = "APCV_RIG"
EXERCISES_MARKER = "apcv_exercises"


def exercises_dut(item: pytest.Item, role: str) -> bool:
    """True when ``item`` counts towards the verdict of the ``role`` under test: a test of the
    role's plan does, unless it declares (``@pytest.mark.apcv_exercises("simulator")``) that it
    acts on something else. In a run without a role every test counts."""
    marker = item.get_closest_marker(EXERCISES_MARKER)
    if not role or marker is None:
        return True
    return role in marker.args


def rig_of(config: pytest.Config) -> RigConfig:
    """The session's rig (``--rig``, else ``$APCV_RIG``, else the built-in ``software`` rig),
    loaded on first use. A rig that does not load fails the test that needs it, with the reason
    (and no traceback); see :func:`checked_rig` for the start of a session."""
    if RIG_KEY not in config.stash:
        try:
            rig = load_rig(config.getoption("apcv_rig") or os.environ.get(RIG_ENV))
            if rig.place is not None:
                raise ApcvError(f"{rig.path}: a rig on the labgrid place {rig.place} runs through "
                                "`apcv-hil run` or `certify`, which acquire the place and reach its "
                                "resources")
            check_dut(rig)
            config.stash[RIG_KEY] = rig
        except ApcvError as exc:
            pytest.fail(str(exc), pytrace=False)
    return config.stash[RIG_KEY]


def checked_rig(config: pytest.Config) -> RigConfig:
    """:func:`rig_of` before any test runs: a rig that does not load is a usage error."""
    try:
        return rig_of(config)
    except pytest.fail.Exception as exc:
        raise pytest.UsageError(str(exc.msg)) from None
