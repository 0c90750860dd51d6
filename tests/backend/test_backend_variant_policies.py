"""Faulty backend variants as data: each one changes one rule, and an unknown name is refused."""

from __future__ import annotations

import dataclasses

import pytest

from simulators.backend.app import create_app
from simulators.backend.db import make_engine
from simulators.backend.process import ServerProcess
from simulators.backend.variants import REFERENCE, VARIANTS, policy_of
from simulators.variant import UnknownVariant

pytestmark = pytest.mark.slow  # serves the backend in a subprocess


def test_each_variant_changes_exactly_one_rule():
    assert policy_of(None) is REFERENCE
    for name in VARIANTS:
        policy = policy_of(name)
        changed = [f.name for f in dataclasses.fields(policy)
                   if getattr(policy, f.name) != getattr(REFERENCE, f.name)]
        assert len(changed) == 1, (name, changed)


def test_an_unknown_variant_is_refused_naming_the_known_ones(tmp_path):
    with pytest.raises(UnknownVariant, match=r"unknown backend variant .lenient.; the backend variants are"):
        policy_of("lenient")
    with pytest.raises(UnknownVariant, match="two-active-devices"):
        create_app(make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}"), variant="lenient")
    with pytest.raises(UnknownVariant, match="unsigned-accepted"):
        ServerProcess(f"sqlite:///{tmp_path / 'b.sqlite3'}", variant="lenient")
    assert not (tmp_path / "b.sqlite3").exists()
