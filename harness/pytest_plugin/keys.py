"""Stash keys shared by the plugin's hooks and fixtures."""

import pytest

from harness.rig import RigConfig
from harness.trace import TraceRecorder

RIG_KEY = pytest.StashKey[RigConfig]()
TRACE_KEY = pytest.StashKey[TraceRecorder]()
