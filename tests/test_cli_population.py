"""``apcv-hil population`` and ``apcv-hil nir``: output formats, masking, errors, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from apcv.nir import is_valid_nir
from harness.cli import cli


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_jsonl_default() -> None:
    code, out, _ = _run("population")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 10
    assert all(is_valid_nir(r["identity"]["nir"]) for r in records)
    assert _run("population")[1] == out
    assert _run("population", "--seed", "1")[1] != out


def test_csv_flattens_one_row_per_insured() -> None:
    code, out, _ = _run("population", "--count", "50", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 50
    assert {"nir", "fund_code", "beneficiary_count", "beneficiary_nirs"} <= set(rows[0])
    for row in rows:
        nirs = row["beneficiary_nirs"].split(";") if row["beneficiary_nirs"] else []
        assert len(nirs) == int(row["beneficiary_count"])
        assert all(is_valid_nir(n) for n in [row["nir"], *nirs])
    assert any(int(row["beneficiary_count"]) > 0 for row in rows)


def test_mask_hides_every_nir() -> None:
    _, plain, _ = _run("population", "--count", "30")
    code, masked, _ = _run("population", "--count", "30", "--mask")
    assert code == 0
    for line, masked_line in zip(plain.splitlines(), masked.splitlines(), strict=True):
        record, hidden = json.loads(line), json.loads(masked_line)
        people = [record["identity"], *(b["identity"] for b in record["beneficiaries"])]
        assert all(p["nir"] not in masked_line for p in people)
        nir = record["identity"]["nir"]
        assert hidden["identity"]["nir"] == f"{nir[0]} {nir[1:3]} {nir[3:5]} ** *** *** **"
    _, masked_csv, _ = _run("population", "--count", "30", "--format", "csv", "--mask")
    for row in csv.DictReader(io.StringIO(masked_csv)):
        assert row["nir"].endswith("** *** *** **")


def test_practitioners_and_output_file(tmp_path: Path) -> None:
    target = tmp_path / "practitioners.csv"
    code, out, _ = _run("population", "--practitioners", "--count", "5", "--format", "csv",
                        "--output", str(target))
    assert code == 0 and out == ""
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 5 and all(r["rpps"].startswith("10") for r in rows)


def test_count_zero_gives_only_a_header() -> None:
    assert _run("population", "--count", "0")[1] == ""
    assert _run("population", "--count", "0", "--format", "csv")[1].startswith("nir,")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("population", "--count", "-1"), "'--count': -1 is not in the range x>=0"),
        (("population", "--count", "ten"), "'ten' is not a valid integer"),
        (("population", "--format", "xml"), "'xml' is not one of 'jsonl', 'csv'"),
        (("population", "--output", "/nonexistent/dir/out.jsonl"), "No such file or directory"),
        (("nir", "check"), "Missing argument 'NIR'"),
    ],
)
def test_bad_arguments_are_one_clear_line(args: tuple[str, ...], fragment: str) -> None:
    code, out, err = _run(*args)
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err + out


def test_help_says_nirs_are_synthetic_and_shown_whole() -> None:
    code, out, _ = _run("population", "--help")
    assert code == 0
    assert "synthetic" in out and "--mask" in out


@pytest.mark.parametrize(
    "args",
    [("184127512345640",), ("1", "84", "12", "75", "123", "456", "40"), ("2 60 05 2A 004 012 81",)],
)
def test_nir_check_valid(args: tuple[str, ...]) -> None:
    assert _run("nir", "check", *args)[:2] == (0, "valid\n")


@pytest.mark.parametrize(
    ("nir", "reason"),
    [
        ("184127512345642", "key is 42, expected 40"),
        ("18412751234564", "NIR must have 15 characters (spaces aside), got 14"),
        ("184137512345640", "month is 13, expected 01-12, 20-42 or 50-99"),
        ("1841X7512345640", "bad character 'X' at position 5: expected a digit"),
    ],
)
def test_nir_check_invalid(nir: str, reason: str) -> None:
    code, out, err = _run("nir", "check", nir)
    assert code == 1
    assert out == f"invalid: {reason}\n"
    assert "Traceback" not in out + err


def test_nir_key() -> None:
    assert _run("nir", "key", "1841275123456")[:2] == (0, "40\n")
    assert _run("nir", "key", "155052B123042")[:2] == (0, "04\n")
    code, _, err = _run("nir", "key", "18412751234")
    assert code == 2
    assert err == "apcv-hil: error: NIR body must have 13 characters, got 11\n"
