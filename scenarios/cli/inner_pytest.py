"""The pytest run inside an ``apcv-hil`` command: the command's options, none of the user's.

``run`` and ``certify`` run a plan with :func:`pytest.main` in their own process and show it
through their own progress display, the terminal plugin off. Options from the user's pytest
set-up would break that run or change what it judges: the ini file's ``addopts`` is emptied, and
``PYTEST_ADDOPTS`` (often set in CI, e.g. ``-rs``, an option of the terminal plugin) is left out
of the environment while the plan runs. So are the pytest plugins other installed packages
register (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``): only the harness's own plugin is loaded. Besides
changing what the plan does (labgrid's plugin needs the terminal plugin), loading them all cost
each run about 1.6 s of CPU (schemathesis, anyio, faker, locust).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pytest

SCENARIOS_DIR = Path(str(files("scenarios")))


HARNESS_PLUGIN = "harness.pytest_plugin.plugin"
AUTOLOAD_ENV = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


def run_pytest(args: list[str], plugins: list[object]) -> int | pytest.ExitCode:
    """``pytest.main`` on ``args`` plus the options every inner run takes, without the user's
    options and without other packages' plugins."""
    common = ["-o", "addopts=", "-p", "no:terminal", "-p", "no:cacheprovider", "-p", HARNESS_PLUGIN,
              "--rootdir", str(SCENARIOS_DIR.parent)]
    saved = {name: os.environ.pop(name, None) for name in ("PYTEST_ADDOPTS", AUTOLOAD_ENV)}
    os.environ[AUTOLOAD_ENV] = "1"
    try:
        return pytest.main([*args, *common], plugins=plugins)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
