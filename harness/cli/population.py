"""``apcv-hil population``: synthetic insured people or practitioners, as JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable
from typing import IO, Any

import click

from apcv.nir import mask_nir
from apcv.people import Insured
from simulators.population.generator import generate_population, generate_practitioners

CSV_INSURED_COLUMNS = (
    "nir", "birth_name", "first_names", "birth_date", "sex", "birthplace",
    "regime_code", "regime_name", "fund_code", "fund_name", "rights_from", "rights_until",
    "card_serial", "under_guardianship", "beneficiary_count", "beneficiary_nirs",
)
CSV_PRACTITIONER_COLUMNS = ("rpps", "first_name", "last_name", "profession", "department")


@click.command()
@click.option("--count", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many insured (or practitioners) to generate.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; the same seed gives the same people.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True, help="One JSON object per line, or CSV with a header.")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8", lazy=False),
              default="-", help="Write to this file instead of standard output.")
@click.option("--practitioners", is_flag=True,
              help="Generate practitioners (RPPS, profession, department) instead of insured.")
@click.option("--mask", is_flag=True, help="Mask NIRs (1 84 12 ** *** *** **).")
def population(count: int, seed: int, fmt: str, output: IO[str], practitioners: bool,
               mask: bool) -> None:
    """Generate a synthetic population of insured people, or of practitioners.

    Every person is made up (seeded Faker fr_FR); the NIRs are synthetic, valid in form and
    key, and shown whole because this is a data generator: use --mask to hide them.

    jsonl writes each insured as a nested object with its beneficiaries. csv flattens to one
    row per insured: first_names joined by spaces, beneficiary_count, and beneficiary_nirs
    joined by ";".
    """
    if practitioners:
        rows: Iterable[dict[str, Any]] = (p.to_dict() for p in generate_practitioners(count, seed))
        columns = CSV_PRACTITIONER_COLUMNS
    else:
        rows = (_insured_row(i, mask, flat=fmt == "csv") for i in generate_population(count, seed))
        columns = CSV_INSURED_COLUMNS
    try:
        _write(output, rows, fmt, columns)
    except BrokenPipeError:  # the reader stopped early (``| head``): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _insured_row(insured: Insured, mask: bool, flat: bool) -> dict[str, Any]:
    shown = mask_nir if mask else str
    data = insured.to_dict()
    for person in (data, *data["beneficiaries"]):
        person["identity"]["nir"] = shown(person["identity"]["nir"])
    if not flat:
        return data
    identity = data["identity"]
    return {
        **identity,
        "first_names": " ".join(identity["first_names"]),
        **data["coverage"],
        "rights_until": data["coverage"]["rights_until"] or "",
        "card_serial": data["card_serial"],
        "under_guardianship": data["under_guardianship"],
        "beneficiary_count": len(data["beneficiaries"]),
        "beneficiary_nirs": ";".join(b["identity"]["nir"] for b in data["beneficiaries"]),
    }


def _write(stream: IO[str], rows: Iterable[dict[str, Any]], fmt: str,
           columns: tuple[str, ...]) -> None:
    if fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
