"""Synthetic people for the backend plan: fresh ones per test, born when a test needs them.

Every person comes from the seeded synthetic population (never a real NIR) and is handed out
once per session, so tests sharing one backend never share a person. A birth date a test
asks for is written into the identity and its NIR (year and month of birth) alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date

from apcv.nir import make_nir, parse_nir
from apcv.people import Identity, Insured
from simulators.population.generator import generate_population

POPULATION_CAP = 10_000_000
"""Upper bound of the lazily generated population (only what the tests take is generated)."""


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class SyntheticPeople:
    """Hands out synthetic insured people of the population of ``seed``, each once."""

    def __init__(self, seed: int, today: date) -> None:
        self._stream: Iterator[Insured] = generate_population(POPULATION_CAP, seed, start=today)
        self._today = today
        self._nirs: set[str] = set()

    def _take(self, wanted: Callable[[Insured], bool]) -> Insured:
        for person in self._stream:
            nirs = [person.identity.nir, *(b.identity.nir for b in person.beneficiaries)]
            if wanted(person) and not self._nirs.intersection(nirs):
                self._nirs.update(nirs)
                return person
        raise LookupError("the synthetic population ran out of people")

    def adult(self, *, children: int = 0, guardianship: bool = False,
              born_in: Callable[[str], bool] = lambda birthplace: True) -> Insured:
        """An adult aged 25 to 70 with open rights, at least ``children`` beneficiaries, and a
        birthplace (INSEE code) ``born_in`` accepts."""
        youngest, oldest = years_before(self._today, 25), years_before(self._today, 70)
        person = self._take(lambda p: oldest < p.identity.birth_date < youngest
                            and len(p.beneficiaries) >= children and not p.under_guardianship
                            and p.coverage.rights_until is None and p.coverage.rights_from < self._today
                            and born_in(p.identity.birthplace))
        return dataclasses.replace(person, under_guardianship=guardianship)

    def born_on(self, birth: date) -> Insured:
        """A person born on ``birth``, insured in their own right, with no beneficiaries."""
        person = self.adult()
        identity = dataclasses.replace(person.identity, birth_date=birth,
                                       nir=self._new_nir(person.identity, birth))
        coverage = dataclasses.replace(person.coverage, rights_from=max(birth, person.coverage.rights_from))
        return dataclasses.replace(person, identity=identity, coverage=coverage, beneficiaries=())

    def twin_of(self, person: Insured) -> Insured:
        """Another person with the same five INS traits as ``person``, under another NIR."""
        identity = dataclasses.replace(person.identity,
                                       nir=self._new_nir(person.identity, person.identity.birth_date))
        return dataclasses.replace(person, identity=identity, beneficiaries=())

    def _new_nir(self, identity: Identity, birth: date) -> str:
        """A NIR unused this session, for ``identity``'s sex and birthplace born on ``birth``."""
        parts = parse_nir(identity.nir)
        order = int(parts.order)
        for step in range(1, 1000):
            nir = make_nir(identity.sex, birth.year, birth.month, parts.department, parts.commune,
                           (order + step - 1) % 999 + 1)
            if nir not in self._nirs:
                self._nirs.add(nir)
                return nir
        raise LookupError(f"no free NIR order number left for a birth in {birth:%Y-%m}")
