"""Fixtures shared by the unit tests."""

from __future__ import annotations

import contextlib
import os

import pytest


@pytest.fixture
def pty_pair():
    """(master fd, slave path) of a fresh pseudo-terminal; the slave stands for a port or terminal."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, path
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)
