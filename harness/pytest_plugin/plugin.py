"""pytest entry point: ``--rig``, markers, feature gating, reports.

- ``--rig FILE`` (or ``APCV_RIG``) picks the rig; default rigs/software.yaml.
- ``@pytest.mark.rig_feature("nfc-hce")`` skips, with the reason, when the rig lacks it.
- ``@pytest.mark.rig`` marks hardware tests: skipped unless the rig declares ``hardware``.
- ``@pytest.mark.requirement("APCV-NFC-001", ...)`` ties a test to the profile.
- ``--apcv-report DIR`` writes index.html, junit.xml, results.json and traces there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.pytest_plugin.collector import ReportCollector
from harness.pytest_plugin.fixtures import (
    apdu,
    bench,
    card,
    card_apdu,
    pcsc_stack,
    pcscd,
    phone,
    reader,
    rig,
    scanner,
)
from harness.pytest_plugin.keys import RIG_KEY
from harness.rig import DEFAULT_RIG, load_rig
from simulators.errors import ApcvError

__all__ = ["apdu", "bench", "card", "card_apdu", "pcsc_stack", "pcscd", "phone", "reader", "rig",
           "scanner"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apcv-hil")
    group.addoption("--rig", default=os.environ.get("APCV_RIG", str(DEFAULT_RIG)),
                    help="rig file deciding what stands behind each role (default: %(default)s)")
    group.addoption("--apcv-report", default=None, metavar="DIR",
                    help="write index.html, junit.xml, results.json and traces to DIR")


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "rig: needs real hardware described by the rig file",
        "rig_feature(name): needs the rig to provide a feature; skipped with the reason otherwise",
        "requirement(*ids): APCV-R1 requirement ids this test checks",
    ):
        config.addinivalue_line("markers", line)
    try:
        rig_config = load_rig(config.getoption("--rig"))
    except ApcvError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[RIG_KEY] = rig_config
    report_dir = config.getoption("--apcv-report")
    if report_dir:
        config.pluginmanager.register(ReportCollector(Path(report_dir), rig_config), "apcv-report")


def pytest_report_header(config: pytest.Config) -> str:
    rig_config = config.stash[RIG_KEY]
    return f"apcv-hil rig: {rig_config.name} ({rig_config.path}), profile {rig_config.profile}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    rig_config = item.config.stash[RIG_KEY]
    features = rig_config.all_features()
    if item.get_closest_marker("rig") and "hardware" not in features:
        pytest.skip(f"hardware test: rig '{rig_config.name}' has no hardware device attached")
    for marker in item.iter_markers("rig_feature"):
        missing = [f for f in marker.args if f not in features]
        if missing:
            pytest.skip(
                f"rig '{rig_config.name}' lacks feature {', '.join(missing)} "
                f"(has: {', '.join(sorted(features)) or 'none'})"
            )
