"""Synthetic population: determinism, counts, NIR consistency, families, coverage, places."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from apcv.nir import check_nir, make_nir
from apcv.people import Identity, Insured, Practitioner
from simulators.population.generator import (
    PROFESSIONS,
    REFERENCE_DATE,
    generate_population,
    generate_practitioners,
    rpps_number,
)
from simulators.population.geography import BY_CODE, COUNTRIES, DEPARTMENTS
from simulators.population.regimes import REGIMES
from simulators.population.sampling import Picker

SIZE = 4000


@pytest.fixture(scope="module")
def people() -> list[Insured]:
    return list(generate_population(SIZE, seed=7))


def _identities(people: list[Insured]) -> list[Identity]:
    return [i.identity for i in people] + [b.identity for i in people for b in i.beneficiaries]


def _years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_same_seed_same_people_and_counts_extend() -> None:
    first = [p.to_dict() for p in generate_population(300, seed=1)]
    assert first == [p.to_dict() for p in generate_population(300, seed=1)]
    assert first[:120] == [p.to_dict() for p in generate_population(120, seed=1)]
    assert first != [p.to_dict() for p in generate_population(300, seed=2)]


@pytest.mark.parametrize("count", [0, 1, 2, 7, 500])
def test_exact_counts(count: int) -> None:
    assert sum(1 for _ in generate_population(count, seed=3)) == count


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="count must be >= 0"):
        generate_population(-1, seed=0)


def test_every_nir_is_valid_unique_and_matches_the_identity(people: list[Insured]) -> None:
    by_nir: dict[str, Identity] = {}
    for identity in _identities(people):
        check_nir(identity.nir)
        assert by_nir.setdefault(identity.nir, identity) is identity  # one NIR, one person
        nir = identity.nir
        assert nir[0] == {"M": "1", "F": "2"}[identity.sex]
        assert nir[1:5] == identity.birth_date.strftime("%y%m")
        assert nir[5:10] == identity.birthplace
        assert identity.first_names and len(set(identity.first_names)) == len(identity.first_names)


def test_ages_of_insured_and_children(people: list[Insured]) -> None:
    for insured in people:
        age = _years_between(insured.identity.birth_date, REFERENCE_DATE)
        assert 16 <= age <= 96
        for beneficiary in insured.beneficiaries:
            if beneficiary.relation == "child":
                born = beneficiary.identity.birth_date
                assert born < REFERENCE_DATE
                assert _years_between(born, REFERENCE_DATE) < 18
                assert _years_between(insured.identity.birth_date, born) >= 18


def test_families(people: list[Insured]) -> None:
    parents_of: dict[int, list[Insured]] = {}
    for insured in people:
        for beneficiary in insured.beneficiaries:
            if beneficiary.relation == "child":
                parents_of.setdefault(id(beneficiary.identity), []).append(insured)
    listings = Counter(len(parents) for parents in parents_of.values())
    assert set(listings) == {1, 2}
    assert 0.2 < listings[2] / sum(listings.values()) < 0.6
    for parents in parents_of.values():
        if len(parents) == 2:
            assert parents[0].identity is not parents[1].identity
    relations = Counter(b.relation for i in people for b in i.beneficiaries)
    assert relations["spouse"] > 0
    sizes = Counter(sum(b.relation == "child" for b in i.beneficiaries) for i in people)
    assert set(sizes) == {0, 1, 2, 3}


def test_shares_of_guardianship_and_births_abroad(people: list[Insured]) -> None:
    adults = [i for i in people if _years_between(i.identity.birth_date, REFERENCE_DATE) >= 18]
    assert all(i in adults for i in people if i.under_guardianship)
    assert 0.03 < sum(i.under_guardianship for i in adults) / len(adults) < 0.07
    abroad = sum(i.identity.birthplace.startswith("99") for i in people)
    assert 0.05 < abroad / len(people) < 0.09
    assert {i.identity.sex for i in people} == {"M", "F"}


def test_coverage(people: list[Insured]) -> None:
    regimes = {r.code: r.name for r in REGIMES}
    for insured in people:
        coverage = insured.coverage
        assert regimes[coverage.regime_code] == coverage.regime_name
        assert len(coverage.fund_code) == 3 and coverage.fund_code.isdigit()
        assert coverage.rights_from < REFERENCE_DATE
        assert (REFERENCE_DATE - coverage.rights_from).days <= 6 * 366
        assert coverage.rights_until is None or coverage.rights_until >= coverage.rights_from
    counts = Counter(i.coverage.regime_code for i in people)
    assert 0.85 < counts["01"] / len(people) < 0.95
    assert counts["02"] > 0
    assert any(i.coverage.fund_name.startswith("MGEN") for i in people)
    expired = sum(1 for i in people if i.coverage.rights_until
                  and i.coverage.rights_until < REFERENCE_DATE)
    assert 0 < expired < 0.06 * len(people)


def test_card_serials_are_unique_digits(people: list[Insured]) -> None:
    serials = [i.card_serial for i in people]
    assert all(len(s) == 10 and s.isdigit() for s in serials)
    assert len(set(serials)) == len(serials)


def test_start_moves_the_reference_date() -> None:
    start = date(2030, 6, 1)
    for insured in generate_population(200, seed=1, start=start):
        assert _years_between(insured.identity.birth_date, start) >= 16
        assert insured.coverage.rights_from < start


def test_records_round_trip_through_dicts(people: list[Insured]) -> None:
    for insured in people[:200]:
        assert Insured.from_dict(insured.to_dict()) == insured


def _luhn_ok(number: str) -> bool:
    digits = [int(c) for c in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def test_practitioners() -> None:
    practitioners = list(generate_practitioners(2000, seed=5))
    assert len(practitioners) == 2000
    assert practitioners == list(generate_practitioners(2000, seed=5))
    assert practitioners != list(generate_practitioners(2000, seed=6))
    rpps = [p.rpps for p in practitioners]
    assert len(set(rpps)) == len(rpps)
    assert all(len(r) == 11 and r.startswith("10") and _luhn_ok(r) for r in rpps)
    assert {p.profession for p in practitioners} == {name for name, _ in PROFESSIONS}
    assert all(p.department in BY_CODE for p in practitioners)
    assert Practitioner.from_dict(practitioners[0].to_dict()) == practitioners[0]
    with pytest.raises(ValueError):
        list(generate_practitioners(-1, seed=0))


def test_rpps_known_value() -> None:
    # body 1000000001; Luhn doubles every second digit starting from the rightmost: the
    # last 1 gives 2, the first 1 (not doubled) gives 1; sum 3, check digit 10 - 3 = 7.
    assert rpps_number(1) == "10000000017"


def test_departments_and_funds() -> None:
    codes = [d.code for d in DEPARTMENTS]
    assert len(codes) == len(set(codes)) == 101
    assert "20" not in codes and {"2A", "2B", "971", "972", "973", "974", "976"} <= set(codes)
    assert (BY_CODE["75"].fund_code, BY_CODE["75"].fund_name) == ("751", "CPAM de Paris")
    assert BY_CODE["01"].fund_name == "CPAM de l'Ain"
    assert BY_CODE["59"].fund_name == "CPAM du Nord"
    assert BY_CODE["13"].fund_name == "CPAM des Bouches-du-Rhône"
    assert (BY_CODE["2B"].fund_code, BY_CODE["974"].fund_code) == ("202", "974")
    assert BY_CODE["972"].fund_name == "CGSS de la Martinique"
    assert BY_CODE["976"].fund_name == "CSS de Mayotte"
    funds = [d.fund_code for d in DEPARTMENTS]
    assert len(set(funds)) == len(funds) and all(len(f) == 3 and f.isdigit() for f in funds)


def test_every_commune_and_country_code_fits_a_nir() -> None:
    for department in DEPARTMENTS:
        for number in (department.commune_numbers[0], department.commune_numbers[-1]):
            code = department.commune_code(number)
            assert len(code) == 5 and code.startswith(department.code)
            check_nir(make_nir(1, 1980, 1, department.code, code[len(department.code):], 1))
    for country in COUNTRIES:
        assert country.birthplace == f"99{country.code}"
        check_nir(make_nir(2, 1980, 1, "99", country.code, 1))


def test_picker_follows_weights() -> None:
    picker = Picker(["a", "b"], [1, 3])
    draws = Counter(picker.pick(lambda value=value: value) for value in
                    (i / 1000 for i in range(1000)))
    assert draws == {"a": 250, "b": 750}
    with pytest.raises(ValueError):
        Picker(["a"], [1, 2])
