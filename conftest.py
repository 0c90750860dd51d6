"""Root conftest: kept thin. Fixtures and options come from the apcv-hil pytest plugin
(``harness.pytest_plugin.plugin``, registered under the ``pytest11`` entry point).

In this repository only, the plugin's options keep their short former names as aliases
(``--rig`` for ``--apcv-rig``, ``--operator`` for ``--apcv-operator``); the installed plugin
registers only the prefixed ones, so it never clashes with another project's options."""

from __future__ import annotations

import pytest
from hypothesis import settings

# Property tests judge results, not speed: a per-example deadline fails them on a busy machine
# (timings belong in benchmarks/).
settings.register_profile("apcv-hil", deadline=None)
settings.load_profile("apcv-hil")

SLOW_FIXTURES = frozenset({"pcscd", "postgres"})
"""Fixtures that start a daemon: a test asking for one is slow, marked or not."""


@pytest.hookimpl(tryfirst=True)  # before -m "not slow" deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test using a fixture of SLOW_FIXTURES is marked slow. On a pytest-xdist worker, tests
    marked slow come first (in their order): the longest then start early, beside the others,
    instead of ending the run alone (docs/testing.md)."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apcv-hil")
    group.addoption("--rig", dest="apcv_rig", help="alias of --apcv-rig (this repository only)")
    group.addoption("--operator", dest="apcv_operator", choices=("prompt", "auto", "skip"),
                    help="alias of --apcv-operator (this repository only)")
