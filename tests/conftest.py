"""Fixtures shared by the unit tests."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator

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


def _missing() -> str | None:
    for tool, package in (("Xvfb", "xvfb"), ("import", "imagemagick")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {package}; scripts/setup.sh does it)"
    if importlib.util.find_spec("tkinter") is None:
        return "tkinter is not installed (apt-get install python3-tk; scripts/setup.sh does it)"
    return None


@pytest.fixture(scope="module")
def xdisplay() -> Iterator[str]:
    """A fresh Xvfb server of 1280×720 on a free display number, stopped after the module."""
    if reason := _missing():
        pytest.skip(reason)
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x720x24",
                               "-nolisten", "tcp"],
                              pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        number = answer.readline().strip()
    if not number:
        server.kill()
        error = server.communicate()[1].decode(errors="replace").strip().splitlines()
        pytest.skip(f"no X server could be started: {error[-1] if error else 'Xvfb gave no display'}")
    yield f":{number}"
    server.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=5)
    if server.poll() is None:
        server.kill()
        server.wait()
