"""Fixtures shared by the unit tests."""

from __future__ import annotations

import contextlib
import os

import pytest
from plugin_runs import run_plugin, software_rig


@pytest.fixture
def pty_pair():
    """(master fd, slave path) of a fresh pseudo-terminal; the slave stands for a port or terminal."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, path
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


@pytest.fixture(scope="session")
def plugin_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """results.json of SCENARIOS run with the plugin on the software rig (its report beside it,
    in ``report_dir``): a pass with a trace, a measurement out of limits, a failed scan."""
    return run_plugin(tmp_path_factory.mktemp("plugin-run"), software_rig())
