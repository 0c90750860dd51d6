"""Loaded at the start of every Python process of a mutant's run (``PYTHONPATH`` names this
folder): the module ``APCV_MUTANT_MODULE`` is loaded from the source in the file
``APCV_MUTANT_SOURCE`` instead of its own, in the plan's pytest and in any process it starts
(a backend server, a phone simulator)."""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys

_NAME = os.environ.get("APCV_MUTANT_MODULE", "")
_SOURCE = os.environ.get("APCV_MUTANT_SOURCE", "")


class _MutantLoader(importlib.abc.Loader):
    def __init__(self, source: str) -> None:
        self._source = source

    def create_module(self, spec):  # the default module object
        return None

    def exec_module(self, module) -> None:
        exec(compile(self._source, module.__spec__.origin, "exec"), module.__dict__)


class _MutantFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _NAME:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.origin is None:
            return None
        with open(_SOURCE, encoding="utf-8") as mutated:
            spec.loader = _MutantLoader(mutated.read())
        spec.cached = None
        return spec


if _NAME and _SOURCE:
    sys.meta_path.insert(0, _MutantFinder())
