"""Durations are read by Locust's own ``parse_timespan``, loaded from its file so that the
command never imports the ``locust`` package (which monkey-patches the process with gevent)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from scenarios.load.errors import LoadError
from scenarios.load.settings import parse_duration

# not pytest.importorskip("locust"): that imports it, and gevent patches this process
pytestmark = pytest.mark.skipif(importlib.util.find_spec("locust") is None,
                                reason="durations are read by Locust's parser ([load] group)")

SAMPLES = ["90", "90s", "2m", "1h", "1h30m", "1h2m3s", "3h30m10s", "0s", "007m", "61m", "", "1.5s", "-5s",
           "1d", "5 minutes", "m", "2m1h", "1h 30m", "90S", "1e3", "s", "h1", "10m10m"]
LOCUST = """
import json, sys
from locust.util.timespan import parse_timespan
out = {}
for text in json.loads(sys.argv[1]):
    try:
        out[text] = parse_timespan(text)
    except ValueError:
        out[text] = None
print(json.dumps(out))
"""


def ours(text: str) -> float | None:
    try:
        return parse_duration(text)
    except LoadError:
        return None


def test_our_durations_are_locusts_own_as_imported_in_a_locust_process() -> None:
    done = subprocess.run([sys.executable, "-c", LOCUST, json.dumps(SAMPLES)], capture_output=True, text=True,
                          check=True, timeout=120)
    theirs = json.loads(done.stdout.splitlines()[-1])
    assert {text: ours(text) for text in SAMPLES} == theirs
    assert sum(value is not None for value in theirs.values()) >= 8  # both kinds are in the samples


def test_reading_a_duration_imports_neither_locust_nor_gevent() -> None:
    probe = ("import sys; from scenarios.load.settings import parse_duration; "
             "assert parse_duration('1h2m3s') == 3723; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          timeout=120)
    assert done.stdout.strip() == "[]"
