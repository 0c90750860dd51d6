"""Durations read by Locust's own time-span parser (``locust.util.timespan.parse_timespan``),
so that ``--duration 1h30m`` means what Locust's ``--run-time`` means.

Importing anything under ``locust`` runs ``locust/__init__.py`` first, which monkey-patches the
whole process with gevent (sockets, threads, ``time.sleep``): the command, its threads and the
embedded server's client then run on gevent, which broke the load tests (RecursionError). So
the module file ``locust/util/timespan.py`` is located through the installed package's spec
(finding a package does not import it) and executed alone: it needs only ``re`` and
``datetime``. A test compares it with the same function imported the ordinary way in a
separate process, and checks that neither ``locust`` nor ``gevent`` is imported here.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path

MODULE = "util/timespan.py"


@cache
def locust_parse_timespan() -> Callable[[str], int]:
    """Locust's ``parse_timespan``, loaded from its file without importing the ``locust`` package;
    ModuleNotFoundError (naming locust) when Locust is not installed."""
    package = importlib.util.find_spec("locust")
    if package is None or not package.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'locust'", name="locust")
    path = Path(next(iter(package.submodule_search_locations))) / MODULE
    spec = importlib.util.spec_from_file_location("apcv_locust_timespan", path)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"Locust has no {MODULE}", name="locust")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse_timespan


def parse_timespan(text: str) -> int:
    """Whole seconds in ``90``, ``90s``, ``2m``, ``1h30m``, ``1h2m3s`` (Locust's rules);
    ValueError for anything else."""
    return locust_parse_timespan()(text)
