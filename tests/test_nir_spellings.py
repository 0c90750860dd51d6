"""Every spelling of a NIR found and masked: packed, keyless, grouped, percent-encoded."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apcv.nir import format_nir, make_nir
from apcv.nir_spellings import find_nirs, mask_nirs, may_spell_apart, nirs_written
from apcv.redact import redact_nirs, spells_a_nir
from harness.report.masking import mask_text

NIR = "184127511203416"
BODY = NIR[:13]


def _escaped(text: str) -> str:
    return "".join(f"%{ord(c):02X}" for c in text)


SPELLINGS = [
    NIR,
    BODY,
    "1 84 12 75 112 034 16",
    "1 84 12 75 112 034",
    "1.84.12.75.112.034.16",
    "1-84-12-75-112-034-16",
    "1 84 12 75 112 034 - 16",
    "1\u00a084\u00a012\u00a075\u00a0112\u00a0034\u00a016",
    quote("1 84 12 75 112 034 16"),
    "1+84+12+75+112+034+16",
    _escaped(NIR),
    _escaped(BODY),
    quote("1.84.12.75.112.034.16", safe=""),
]


@pytest.mark.parametrize("spelled", SPELLINGS)
def test_every_spelling_is_found_and_masked(spelled: str) -> None:
    text = f'{{"patient": "{spelled}", "at": "x"}}'
    assert nirs_written(text) == {BODY}
    masked = mask_nirs(text)
    assert len(masked) == len(text)
    assert nirs_written(masked) == set() and BODY not in masked.replace(" ", "")
    assert mask_text(text) == masked and redact_nirs(text) == masked


@pytest.mark.parametrize("text", [
    "184127511203417",  # wrong key, packed
    "1841275112034160",  # a longer digit run
    "01841275112034",  # after a digit
    "duration 0.1841275112034161 s",  # a float's fraction
    "1841300112034",  # month 13
    "1841275000034",  # commune 000
    "384127511203416",  # sex 3
    "SW 6982, APDU 00A4040007A0000000041010",
])
def test_what_is_not_a_nir_stays(text: str) -> None:
    assert nirs_written(text) == set()
    assert redact_nirs(text) == text


@pytest.mark.parametrize("text", [
    '"pace": 1.3489858107579893,',  # a float whose digits spell a NIR with a wrong key, then more
    "ratio 1.84127511203416",  # one digit, a point, fourteen: a number
    '"t": 1796584270.03178, "last": 1796584233.15525',  # seconds since 1970 in December 2026
])
def test_numbers_stay_in_the_harness_output(text: str) -> None:
    assert mask_text(text) == text
    assert nirs_written(text) == set()


@pytest.mark.parametrize("spelled", ["184.127.511.203.416", "184-127-511-203-416", "1/84/12/75/112/034/16",
                                     "1841_2751_1203_416", "1841%20275%2011203416"])
def test_a_nir_grouped_anyhow_is_found_by_a_scan_and_masked_in_a_request_log(spelled: str) -> None:
    assert nirs_written(spelled) == {BODY}
    assert nirs_written(spelled, anywhere=False) == set()  # not between its fields: a report keeps it
    assert nirs_written(mask_nirs(spelled, anywhere=True)) == set()


def test_dates_times_and_addresses_stay_even_grouped_anyhow() -> None:
    line = "2026-01-01 12:00:00.123456 from 10.0.0.1:8600 took 0.184127511203416 s"
    assert mask_nirs(line, anywhere=True) == line and nirs_written(line) == set()


def test_the_harness_masks_a_nir_with_a_wrong_key_too() -> None:
    assert mask_nirs("184127511203417") == "18412**********"
    assert list(find_nirs("184127511203417", strict=True)) == []


def test_corsica_and_overseas() -> None:
    corsica = make_nir(2, 1960, 5, "2A", 4, 12)
    overseas = make_nir(2, 1991, 3, "974", 11, 456)
    text = f"{format_nir(corsica).lower()} / {format_nir(overseas)}"
    assert nirs_written(text) == {corsica[:13], overseas[:13]}
    assert nirs_written(mask_nirs(text)) == set()


@given(st.integers(1, 2), st.integers(0, 99), st.integers(1, 12), st.integers(1, 95), st.integers(1, 999),
       st.integers(1, 999), st.sampled_from(["", " ", ".", "-", "%20"]), st.booleans())
def test_any_nir_in_any_spelling(sex, year, month, department, commune, order, sep, keyed) -> None:
    if department == 20:
        department = 21
    nir = make_nir(sex, year, month, f"{department:02d}", commune, order)
    groups = format_nir(nir).split(" ")
    spelled = sep.join(groups if keyed else groups[:-1])
    assert nirs_written(f"id={spelled}&x=1") == {nir[:13]}
    assert nirs_written(mask_nirs(f"id={spelled}&x=1")) == set()


@given(st.text(max_size=300))
def test_any_text_is_read_without_error_and_keeps_its_length(text: str) -> None:
    masked = mask_nirs(text)
    assert len(masked) == len(text)
    assert nirs_written(masked) == set()


_SPELLING_PIECES = st.sampled_from(["1", "8", "4", "2", "7", "0", "9", "A", "b", " ", ".", "-", "+", "_", "/",
                                    "%", "%20", "%31", "%2F", "\u00a0", "\u202f", "?", "=", "&", "v", "x",
                                    NIR, BODY, "2A"])


KEYED_APART = [s for s in SPELLINGS
               if s != NIR and any(len(found.nir) == 15 for found in find_nirs(s, anywhere=True))]


@pytest.mark.parametrize("spelled", [*KEYED_APART, "184.127.511.203.416", "1/84/12/75/112/034/16",
                                     "1841_2751_1203_416", f"/v1/rights/{NIR[:7]}-{NIR[7:]}"])
def test_a_nir_spelled_apart_is_never_skipped_by_the_quick_test(spelled: str) -> None:
    target = f"/v1/rights/{spelled}?"
    assert may_spell_apart(target) and spells_a_nir(target)


@given(st.lists(_SPELLING_PIECES, max_size=40).map("".join))
def test_the_quick_test_only_skips_texts_where_the_full_scan_finds_no_spelling_apart(text: str) -> None:
    if not may_spell_apart(text):
        assert not any(len(f.nir) == 15 and f.text.upper() != f.nir
                       for f in find_nirs(text, strict=True, anywhere=True))


def test_a_packed_nir_in_a_request_target_needs_no_scan() -> None:
    assert not may_spell_apart(f"/v1/rights/{NIR}?") and not spells_a_nir(f"/v1/rights/{NIR}?")
