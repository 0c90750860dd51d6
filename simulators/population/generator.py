"""Deterministic synthetic population: insured people in households, and practitioners.

Everything is drawn from ``random.Random(seed)`` and name pools drawn once from a seeded
Faker ``fr_FR`` (:mod:`simulators.population.names`), so the same seed gives the same
people, and a larger count extends a smaller one (the first N are the same).

Households, drawn one after another around a residence department:

- 40 % a single adult (16-95), 8 % a single parent (22-55) with 1-3 children,
  52 % a couple (3 % same-sex) with 0-3 children when their ages allow;
- children are under 18, born after each parent they are listed on turned 18, and have
  their own NIR; in a couple they are listed on both parents half of the time (the same
  :class:`Identity` object in both records), otherwise on one of them;
- in 6 % of couples the partner is a dependent spouse: a beneficiary, not an insured.

People: 7 % of adults (2 % of children) born abroad (department 99 + country code), the
others in France, two thirds of them in their residence department. NIRs agree with sex,
birth year and month and birthplace, are unique within a population and always valid.
5 % of adults are under guardianship. Rights opened up to six years before the reference
date (never before age 16); 85 % open-ended, 12 % ending at the close of a coming year,
3 % already expired. Card serials are 10 digits, unique within a population.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import islice

from apcv.nir import make_nir
from apcv.people import (
    Beneficiary,
    Coverage,
    Identity,
    Insured,
    Practitioner,
    Sex,
)
from simulators.population.geography import COUNTRIES, DEPARTMENTS, Department
from simulators.population.names import name_pools
from simulators.population.regimes import GENERAL, REGIMES, SECTIONS, Regime
from simulators.population.sampling import Picker

REFERENCE_DATE = date(2025, 11, 18)
"""Default "today" of a population (national opening of the apCV), fixed for determinism."""

_YEAR = 365.2425
_ADULT_AGE = Picker(range(16, 96), [11 if a < 25 else 18 if a < 70 else 8 if a < 85 else 3
                                    for a in range(16, 96)])
_HOME = Picker(DEPARTMENTS, [d.population_k for d in DEPARTMENTS])
_COUNTRY = Picker(COUNTRIES, [c.weight for c in COUNTRIES])
_REGIME = Picker(REGIMES, [r.weight for r in REGIMES])
_SECTION = Picker([s for s, _ in SECTIONS], [w for _, w in SECTIONS])
_FIRST_NAME_COUNT = Picker((1, 2, 3), (30, 45, 25))
_CHILD_COUNT = Picker((0, 1, 2, 3), (35, 20, 30, 15))
_OTHER_SEX: dict[Sex, Sex] = {"M": "F", "F": "M"}


def generate_population(
    count: int, seed: int, *, start: date | None = None
) -> Iterator[Insured]:
    """Yield ``count`` synthetic insured people, the same ones for the same seed.

    ``start`` is the population's "today" (ages, rights dates); it defaults to
    :data:`REFERENCE_DATE` so that a seed alone fixes the output. The last household may be
    cut short to stop at exactly ``count``.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    households = _Households(seed, start or REFERENCE_DATE)
    return islice((person for household in households for person in household), count)


class _Households:
    """Endless stream of households (lists of Insured) for one seed and reference date."""

    def __init__(self, seed: int, start: date) -> None:
        rng = random.Random(seed)
        self._rand = rng.random
        self._names = name_pools(seed)
        self._today = start.toordinal()
        self._year = start.year
        self._funds: dict[tuple[Regime, Department, str | None], tuple[str, str]] = {}
        self._nirs: set[str] = set()
        self._cards = 0
        self._card_offset = rng.randrange(9_000_000_000)

    def __iter__(self) -> Iterator[list[Insured]]:
        while True:
            yield self._household()

    def _household(self) -> list[Insured]:
        rand = self._rand
        home = _HOME.pick(rand)
        kind = rand()
        if kind < 0.40:
            adult = self._adult(self._sex(), self._adult_birth(), home)
            return [self._insured(adult, home, ())]
        if kind < 0.48:
            birth = self._today - int((22 + 34 * rand()) * _YEAR)
            parent = self._adult(self._sex(), birth, home)
            children = self._children((parent,), parent.birth_name, home, 1 + int(3 * rand()))
            return [self._insured(parent, home, children)]
        return self._couple(home)

    def _couple(self, home: Department) -> list[Insured]:
        rand = self._rand
        first_sex = self._sex()
        second_sex = first_sex if rand() < 0.03 else _OTHER_SEX[first_sex]
        first = self._adult(first_sex, self._adult_birth(), home)
        gap = int((rand() - 0.5) * 10 * _YEAR)
        second_birth = min(max(first.birth_date.toordinal() + gap, self._today - int(95 * _YEAR)),
                           self._today - int(16 * _YEAR) - 2)
        second = self._adult(second_sex, second_birth, home)
        children = self._children((first, second), self._family_name(first, second), home,
                                  _CHILD_COUNT.pick(rand))
        if rand() < 0.06:
            return [self._insured(first, home, (Beneficiary(second, "spouse"), *children))]
        if rand() < 0.5:
            return [self._insured(first, home, children), self._insured(second, home, children)]
        with_children = rand() < 0.5
        return [self._insured(first, home, children if with_children else ()),
                self._insured(second, home, () if with_children else children)]

    def _family_name(self, first: Identity, second: Identity) -> str:
        father, mother = (second, first) if first.sex == "F" else (first, second)
        draw = self._rand()
        if draw < 0.8:
            return father.birth_name
        return mother.birth_name if draw < 0.9 else f"{father.birth_name}-{mother.birth_name}"

    def _children(self, parents: Sequence[Identity], family_name: str, home: Department,
                  wanted: int) -> tuple[Beneficiary, ...]:
        earliest = max(self._today - int(18 * _YEAR) + 1,
                       *(p.birth_date.toordinal() + int(18 * _YEAR) + 2 for p in parents))
        if earliest >= self._today:
            return ()
        rand = self._rand
        return tuple(
            Beneficiary(self._identity(self._sex(),
                                       earliest + int(rand() * (self._today - earliest)),
                                       home, 0.02, family_name))
            for _ in range(wanted)
        )

    def _sex(self) -> Sex:
        return "M" if self._rand() < 0.5 else "F"

    def _adult_birth(self) -> int:
        return self._today - int((_ADULT_AGE.pick(self._rand) + self._rand()) * _YEAR) - 2

    def _adult(self, sex: Sex, birth: int, home: Department) -> Identity:
        return self._identity(sex, birth, home, 0.07, None)

    def _identity(self, sex: Sex, birth_ordinal: int, home: Department, abroad: float,
                  birth_name: str | None) -> Identity:
        rand = self._rand
        birth = date.fromordinal(birth_ordinal)
        if rand() < abroad:
            country = _COUNTRY.pick(rand)
            department, commune, birthplace = "99", country.code, country.birthplace
        else:
            place = home if rand() < 0.65 else _HOME.pick(rand)
            numbers = place.commune_numbers
            number = numbers[int(rand() * len(numbers))]
            department, commune, birthplace = place.code, number, place.commune_code(number)
        names = self._names
        return Identity(
            nir=self._nir(sex, birth, department, commune),
            birth_name=birth_name or names.last[int(rand() * len(names.last))],
            first_names=self._first_names(names.first(sex)),
            birth_date=birth,
            sex=sex,
            birthplace=birthplace,
        )

    def _nir(self, sex: str, birth: date, department: str, commune: str | int) -> str:
        while True:
            order = 1 + int(self._rand() * 999)
            nir = make_nir(sex, birth.year, birth.month, department, commune, order)
            if nir not in self._nirs:
                self._nirs.add(nir)
                return nir

    def _first_names(self, pool: Sequence[str]) -> tuple[str, ...]:
        rand = self._rand
        names: list[str] = []
        for _ in range(_FIRST_NAME_COUNT.pick(rand)):
            name = pool[int(rand() * len(pool))]
            if name not in names:
                names.append(name)
        return tuple(names)

    def _insured(self, identity: Identity, home: Department,
                 beneficiaries: tuple[Beneficiary, ...]) -> Insured:
        rand = self._rand
        today = self._today
        regime = _REGIME.pick(rand)
        section = _SECTION.pick(rand) if regime is GENERAL else None
        fund = self._funds.get((regime, home, section))
        if fund is None:
            fund = self._funds[regime, home, section] = regime.fund(home, section)
        sixteen = identity.birth_date.toordinal() + int(16 * _YEAR) + 2
        opened = today - 1 - int(rand() * max(1, min(6 * 365, today - sixteen)))
        draw = rand()
        if draw < 0.85:
            until = None
        elif draw < 0.97:
            until = date(self._year + 1 + int(rand() * 2), 12, 31)
        else:
            until = date.fromordinal(opened + int(rand() * (today - opened)))
        adult = today - identity.birth_date.toordinal() >= 18 * _YEAR
        self._cards += 1
        serial = 1_000_000_000 + (self._cards * 1_234_567_891 + self._card_offset) % 9_000_000_000
        return Insured(
            identity=identity,
            coverage=Coverage(regime.code, regime.name, *fund,
                              date.fromordinal(opened), until),
            beneficiaries=beneficiaries,
            card_serial=str(serial),
            under_guardianship=adult and rand() < 0.05,
        )


PROFESSIONS: tuple[tuple[str, int], ...] = (
    ("médecin généraliste", 20),
    ("médecin spécialiste", 15),
    ("pharmacien", 18),
    ("infirmier", 25),
    ("masseur-kinésithérapeute", 12),
    ("chirurgien-dentiste", 7),
    ("sage-femme", 3),
)
"""Professions of synthetic practitioners, with weights."""

_PROFESSION = Picker([p for p, _ in PROFESSIONS], [w for _, w in PROFESSIONS])


def generate_practitioners(count: int, seed: int) -> Iterator[Practitioner]:
    """Yield ``count`` synthetic practitioners, the same ones for the same seed.

    RPPS numbers have 11 digits: ``10``, eight digits unique within the run, and a Luhn
    check digit (our convention; real RPPS numbers also start with 10).
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng = random.Random(f"practitioners:{seed}")
    rand = rng.random
    names = name_pools(seed)
    offset = rng.randrange(10**8)
    for index in range(count):
        pool = names.first("M" if rand() < 0.5 else "F")
        yield Practitioner(
            rpps=rpps_number((index * 12_345_679 + offset) % 10**8),
            first_name=pool[int(rand() * len(pool))],
            last_name=names.last[int(rand() * len(names.last))],
            profession=_PROFESSION.pick(rand),
            department=_HOME.pick(rand).code,
        )


def rpps_number(serial: int) -> str:
    """The RPPS number ``10`` + ``serial`` on 8 digits + Luhn check digit."""
    body = f"10{serial:08d}"
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return f"{body}{(10 - total % 10) % 10}"
