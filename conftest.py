"""Root conftest: kept thin. Fixtures and options come from the apcv-hil pytest plugin
(``harness.pytest_plugin.plugin``, registered under the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a pytest-xdist worker, tests marked slow come first (in their order): the longest then
    start early, beside the others, instead of ending the run alone (docs/testing.md)."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
