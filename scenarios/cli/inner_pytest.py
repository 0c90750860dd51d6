"""The pytest run inside an ``apcv-hil`` command: the command's options, none of the user's.

``run`` and ``certify`` run a plan with :func:`pytest.main` in their own process and show it
through their own progress display, the terminal plugin off. Options from the user's pytest
set-up would break that run or change what it judges: the ini file's ``addopts`` is emptied, and
``PYTEST_ADDOPTS`` (often set in CI, e.g. ``-rs``, an option of the terminal plugin) is left out
of the environment while the plan runs. labgrid's own pytest plugin (installed with the [remote]
group) is left out too: it needs the terminal plugin.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pytest

SCENARIOS_DIR = Path(str(files("scenarios")))


def run_pytest(args: list[str], plugins: list[object]) -> int | pytest.ExitCode:
    """``pytest.main`` on ``args`` plus the options every inner run takes, without the user's."""
    common = ["-o", "addopts=", "-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:labgrid",
              "--rootdir", str(SCENARIOS_DIR.parent)]
    saved = os.environ.pop("PYTEST_ADDOPTS", None)
    try:
        return pytest.main([*args, *common], plugins=plugins)
    finally:
        if saved is not None:
            os.environ["PYTEST_ADDOPTS"] = saved
