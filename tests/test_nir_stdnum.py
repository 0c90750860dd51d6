"""Our NIR rules cross-checked against python-stdnum's ``stdnum.fr.nir`` (a well-kept library):
the same key for every 13-character start, and every NIR we accept or generate is one it accepts.
Ours is stricter (months, birthplaces), so the converse is not expected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fr import nir as stdnum_nir

from apcv.errors import InvalidNir
from apcv.nir import check_nir, nir_key
from simulators.population.generator import generate_population

DIGITS = st.text("0123456789", min_size=13, max_size=13)
CORSICA = st.builds(lambda head, dept, tail: head + dept + tail,
                    st.text("0123456789", min_size=5, max_size=5), st.sampled_from(["2A", "2B"]),
                    st.text("0123456789", min_size=6, max_size=6))
WELL_FORMED = st.builds(lambda sex, yy, mm, dept, commune, order:
                        f"{sex}{yy:02d}{mm:02d}{dept}{commune:03d}{order:03d}",
                        st.sampled_from("12"), st.integers(0, 99), st.integers(1, 12),
                        st.sampled_from([f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]),
                        st.integers(1, 999), st.integers(1, 999))


@settings(max_examples=500, deadline=None)
@given(st.one_of(DIGITS, CORSICA))
def test_the_key_is_stdnums(first13: str) -> None:
    assert f"{nir_key(first13):02d}" == stdnum_nir.calc_check_digits(first13 + "00")


@settings(max_examples=500, deadline=None)
@given(WELL_FORMED, st.integers(1, 96))
def test_a_well_formed_nir_is_valid_for_both_and_a_wrong_key_for_neither(first13: str, shift: int) -> None:
    number = f"{first13}{nir_key(first13):02d}"
    check_nir(number)
    assert stdnum_nir.is_valid(number), number
    wrong = f"{first13}{(nir_key(first13) - 1 + shift) % 97 + 1:02d}"
    assert not stdnum_nir.is_valid(wrong)
    with pytest.raises(InvalidNir):
        check_nir(wrong)


def test_every_generated_nir_is_valid_for_stdnum() -> None:
    people = list(generate_population(200, 3))
    nirs = [p.identity.nir for p in people] + [b.identity.nir for p in people for b in p.beneficiaries]
    assert len(nirs) >= 200
    assert [n for n in nirs if not stdnum_nir.is_valid(n)] == []
