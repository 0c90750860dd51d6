"""NIR rules: key, checks with their messages, building, masking, formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apcv.errors import InvalidNir
from apcv.nir import (
    check_nir,
    format_nir,
    is_valid_nir,
    make_nir,
    mask_nir,
    nir_key,
    parse_nir,
)
from simulators.population.geography import DEPARTMENTS

# Known vectors, key = 97 - (13-digit number mod 97):
#   metropolitan  1 84 12 75 123 456: 1841275123456 = 97 x 18982217767 + 57 -> 97 - 57 = 40
#   Corsica 2A    2 60 05 2A 004 012: 2A counts as 19,
#                 2600519004012 = 97 x 26809474268 + 16 -> 97 - 16 = 81
#   Corsica 2B    1 55 05 2B 123 042: 2B counts as 18,
#                 1550518123042 = 97 x 15984722917 + 93 -> 97 - 93 = 04
#                 (the same number, so the same key, as 1 55 05 18 123 042 born in the Cher)
#   overseas      2 91 03 974 11 456 (Réunion, commune 11):
#                 2910397411456 = 97 x 30004097025 + 31 -> 97 - 31 = 66
#   born abroad   1 70 01 99 350 007 (Morocco, 99350):
#                 1700199350007 = 97 x 17527828350 + 57 -> 97 - 57 = 40
VECTORS = [
    ("1841275123456", 40),
    ("260052A004012", 81),
    ("155052B123042", 4),
    ("1550518123042", 4),
    ("2910397411456", 66),
    ("1700199350007", 40),
]
VALID = "184127512345640"


@pytest.mark.parametrize(("body", "key"), VECTORS)
def test_known_keys(body: str, key: int) -> None:
    assert nir_key(body) == key
    check_nir(f"{body}{key:02d}")


def test_spaces_and_lower_case_are_accepted() -> None:
    check_nir("1 84 12 75 123 456 40")
    check_nir("2 60 05 2a 004 012 81")
    assert nir_key("1 84 12 75 123 456") == 40


@pytest.mark.parametrize(
    ("nir", "fragment"),
    [
        ("18412751234564", "must have 15 characters (spaces aside), got 14"),
        ("1841275123456400", "got 16"),
        ("", "got 0"),
        ("1841X7512345640", "bad character 'X' at position 5: expected a digit"),
        ("184127C12345640", "bad character 'C' at position 7: expected a digit, or A/B after 2"),
        ("184123A12345640", "bad character 'A' at position 7"),
        ("184127512345６40", "bad character '６' at position 13"),
        ("384127512345640", "sex digit is 3, expected 1 or 2 (7 or 8 for a provisional number)"),
        ("184007512345640", "month is 00, expected 01-12, 20-42 or 50-99"),
        ("184137512345640", "month is 13"),
        ("184457512345640", "month is 45"),
        ("184120012345640", "department is 00"),
        ("184129612345640", "department is 96"),
        ("184129701234540", "department is 970, expected an overseas department"),
        ("184129831234540", "department is 983"),
        ("184127500045640", "commune is 000, expected 001-999"),
        ("184129710045640", "commune is 00, expected 01-99"),
        ("184129900045640", "country code is 000, expected 001-999"),
        ("184127512300040", "order number is 000, expected 001-999"),
        ("184127512345642", "key is 42, expected 40"),
        ("184127512345600", "key is 00, expected 40"),
    ],
)
def test_invalid_nirs_say_what_is_wrong(nir: str, fragment: str) -> None:
    with pytest.raises(InvalidNir) as caught:
        check_nir(nir)
    assert fragment in str(caught.value)
    assert not is_valid_nir(nir)


def test_non_string_is_invalid_not_a_crash() -> None:
    assert not is_valid_nir(184127512345640)  # type: ignore[arg-type]


@pytest.mark.parametrize("month", ["01", "12", "20", "42", "50", "99"])
def test_special_months_are_accepted(month: str) -> None:
    body = f"184{month}75123456"
    check_nir(f"{body}{nir_key(body):02d}")


def test_corsica_before_1976_keeps_department_20() -> None:
    body = "1700120123456"
    check_nir(f"{body}{nir_key(body):02d}")


@pytest.mark.parametrize("body", ["184127512345", "18412751234567", "1841275X23456"])
def test_nir_key_rejects_malformed_bodies(body: str) -> None:
    with pytest.raises(InvalidNir):
        nir_key(body)


def test_make_nir_known_values() -> None:
    assert make_nir(1, 1984, 12, "75", 123, 456) == "184127512345640"
    assert make_nir("F", 1960, 5, "2A", "004", 12) == "260052A00401281"
    assert make_nir(2, 91, 3, "974", 11, 456) == "291039741145666"
    assert make_nir("M", 1970, 1, "99", "350", 7) == "170019935000740"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((3, 1984, 12, "75", 123, 456), "sex digit is 3"),
        ((1, 1984, 13, "75", 123, 456), "month is 13"),
        ((1, 1984, 120, "75", 123, 456), "month is 120"),
        ((1, 1984, 12, "75", 123, 1000), "order number is 1000"),
        ((1, 1984, 12, "75", 1234, 456), "does not fit 3 digits"),
        ((1, 1984, 12, "971", 123, 456), "does not fit 2 digits"),
        ((1, 1984, 12, "00", 123, 456), "department is 00"),
    ],
)
def test_make_nir_rejects_bad_fields(args: tuple, fragment: str) -> None:
    with pytest.raises(InvalidNir) as caught:
        make_nir(*args)
    assert fragment in str(caught.value)


def test_parse_and_format() -> None:
    assert format_nir(VALID) == "1 84 12 75 123 456 40"
    assert format_nir("291039741145666") == "2 91 03 974 11 456 66"
    assert format_nir("2 60 05 2a 004 012 81") == "2 60 05 2A 004 012 81"
    parts = parse_nir("170019935000740")
    assert (parts.department, parts.commune) == ("99", "350")
    with pytest.raises(InvalidNir):
        format_nir("184127512345642")


def test_mask() -> None:
    assert mask_nir(VALID) == "1 84 12 ** *** *** **"
    assert mask_nir("1 84 12 75 123 456 40") == "1 84 12 ** *** *** **"
    assert mask_nir("1841275") == "1 84 12 **"
    assert mask_nir("18") == "1 8"
    assert mask_nir("") == ""
    assert mask_nir(None) == ""  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------

def _places() -> st.SearchStrategy[tuple[str, int]]:
    french = st.sampled_from(DEPARTMENTS).flatmap(
        lambda d: st.tuples(st.just(d.code), st.integers(1, 99 if d.overseas else 999))
    )
    abroad = st.tuples(st.just("99"), st.integers(1, 999))
    return st.one_of(french, abroad)


nirs = st.builds(
    lambda sex, year, month, place, order: make_nir(sex, year, month, *place, order),
    st.sampled_from([1, 2, 7, 8]),
    st.integers(0, 99),
    st.one_of(st.integers(1, 12), st.integers(20, 42), st.integers(50, 99)),
    _places(),
    st.integers(1, 999),
)


@given(nirs)
def test_make_nir_is_always_valid(nir: str) -> None:
    check_nir(nir)
    assert len(nir) == 15


@given(nirs, st.data())
def test_any_single_digit_change_is_caught_by_the_key(nir: str, data: st.DataObject) -> None:
    body = nir[:13]
    positions = [i for i, c in enumerate(body) if c.isdigit() and body[i:i + 2] not in ("2A",
                                                                                         "2B")]
    position = data.draw(st.sampled_from(positions))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != body[position]]))
    changed = body[:position] + digit + body[position + 1:]
    assert nir_key(changed) != int(nir[13:])
    assert not is_valid_nir(changed + nir[13:])


@given(nirs)
def test_mask_hides_everything_after_the_fifth_character(nir: str) -> None:
    masked = mask_nir(nir)
    assert masked.replace(" ", "")[:5] == nir[:5]
    assert set(masked.replace(" ", "")[5:]) == {"*"}


@given(st.text(max_size=40))
def test_mask_never_crashes_nor_leaks(text: str) -> None:
    compact = "".join(text.split())
    masked = mask_nir(text).replace(" ", "")
    assert masked[:5] == compact[:5]
    assert set(masked[5:]) <= {"*"}
    assert len(masked) == len(compact)


@given(st.text(max_size=20))
def test_check_nir_only_raises_invalid_nir(text: str) -> None:
    assert is_valid_nir(text) in (True, False)
