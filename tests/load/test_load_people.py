"""Where a run's people come from: a seeded target, a file (bad lines named), or the API."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scenarios.load.errors import LoadError
from scenarios.load.people import MAX_LINE_BYTES, eligible, file_people, seeded_people
from scenarios.load.setup import PeopleSource
from simulators.population.generator import generate_population

TODAY = dt.date(2026, 12, 31)


def _file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_people_are_read_from_a_file_as_needed(tmp_path: Path) -> None:
    records = [json.dumps(p.to_dict()) for p in generate_population(40, 3)]
    path = _file(tmp_path, [records[0], "", *records[1:], "{broken"])
    chosen = eligible(file_people(path), 10, TODAY, "the file")  # stops before the broken last line
    assert len(chosen) == 10
    assert all(not p.under_guardianship for p in chosen)


@pytest.mark.parametrize(("line", "message"), [
    ("{broken", r"line 2: not an insured record \(JSONDecodeError"),
    ('{"identity": {}}', r"line 2: not an insured record \(KeyError"),
    ("[1, 2, 3]", "line 2: not an insured record"),
    ('"just text"', "line 2: not an insured record"),
])
def test_a_bad_line_of_a_people_file_is_named(tmp_path: Path, line: str, message: str) -> None:
    good = json.dumps(next(generate_population(1, 3)).to_dict())
    with pytest.raises(LoadError, match=message):
        eligible(file_people(_file(tmp_path, [good, line])), 5, TODAY, "the file")


def test_an_overlong_line_and_a_missing_file_are_named(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"x" * (MAX_LINE_BYTES + 10) + b"\n")
    with pytest.raises(LoadError, match="line 1: longer than 64 KiB"):
        list(file_people(path))
    with pytest.raises(LoadError, match="cannot read people file"):
        list(file_people(tmp_path / "none.jsonl"))


def test_too_few_people_for_the_slots_is_an_error_that_says_so() -> None:
    with pytest.raises(LoadError, match=r"holds only \d+ adults .* needs 500"):
        eligible(seeded_people(30, 0), 500, TODAY, "the target's seeded population")


def test_each_source_says_how_to_fix_a_target_that_does_not_know_its_people() -> None:
    seeded = PeopleSource("seeded", count=5000, seed=4)
    assert "--seed-population 5000 --population-seed 4" in seeded.remedy()
    assert "a plain 'backend serve' holds no insured people" in seeded.remedy()
    assert "people.jsonl" in PeopleSource("file", path="people.jsonl").remedy()
    assert len(PeopleSource("provision").people(28, TODAY)) == 28
