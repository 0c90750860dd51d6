"""Pools of French names drawn once from a seeded Faker ``fr_FR``.

Calling Faker per person is slow; drawing a few thousand names once per seed and then
picking from them with ``random.Random`` keeps Faker's frequencies and makes a million
people in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from faker import Faker


@dataclass(frozen=True)
class NamePools:
    """Last names and first names by sex, with repeats (frequent names come up often)."""

    last: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]

    def first(self, sex: str) -> tuple[str, ...]:
        """First names for ``sex`` (``"M"`` or ``"F"``)."""
        return self.male if sex == "M" else self.female


@lru_cache(maxsize=8)
def name_pools(seed: int, size: int = 2000) -> NamePools:
    """Draw ``size`` last names and ``size`` first names per sex from Faker seeded ``seed``."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    return NamePools(
        last=tuple(fake.last_name() for _ in range(size)),
        male=tuple(fake.first_name_male() for _ in range(size)),
        female=tuple(fake.first_name_female() for _ in range(size)),
    )
