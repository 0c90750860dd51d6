"""Bulk seeding: rows generated in a child process, inserted here, the same as the generator's."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from simulators.backend import seeding
from simulators.backend.db import make_engine
from simulators.population.generator import generate_population


@pytest.mark.slow  # seeds 3,000 insured
def test_seeded_people_are_the_generated_ones_in_order(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'seed.sqlite3'}")
    added = seeding.seed_population(engine, 3000, 5)
    engine.dispose()
    with sqlite3.connect(tmp_path / "seed.sqlite3") as conn:
        stored = conn.execute("SELECT nir, birth_name, rights_until FROM person ORDER BY id").fetchall()
        links = conn.execute("SELECT COUNT(*) FROM beneficiary").fetchone()[0]
    batches = list(seeding._rows(generate_population(3000, 5)))
    assert stored == [(row[0], row[1], row[12]) for persons, _ in batches for row in persons]
    assert added == len(stored) and links == sum(len(batch[1]) for batch in batches)


def test_a_generator_that_dies_is_a_seeding_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")
    engine = make_engine(f"sqlite:///{tmp_path / 'dead.sqlite3'}")
    with pytest.raises(seeding.SeedingError, match=r"generator stopped \(exit code 1\)"):
        seeding.seed_population(engine, 100, 0)
    engine.dispose()
