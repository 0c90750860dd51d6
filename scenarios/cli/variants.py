"""``apcv-hil variants``: every role's plan against our reference and each faulty variant."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from rich.table import Table

from harness.cli import FAILED_EXIT
from harness.cli.output import print_table
from harness.roles import registered
from scenarios.conformance.matrix import run_matrix
from scenarios.models.report import ModelReport, ReportTable, write_report

ROLES_WITH_VARIANTS = tuple(role.id for role in registered() if role.variants())
DEFAULT_JOBS = min(16, (os.cpu_count() or 1) + 1)


@click.command()
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES_WITH_VARIANTS),
              help="Roles whose variants to run (default: all).")
@click.option("--rig", "rig_file", default=None,
              help="Base rig file or name (default: each role's own rig).")
@click.option("--jobs", type=click.IntRange(1, 16), default=DEFAULT_JOBS, show_default=True,
              help="Plans run at once (default: one more than the cores, as plans wait for their programs).")
@click.option("--markdown", "markdown", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the table (variant → requirements that caught it) to this file.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write index.html and variants.json (variant → requirements that caught it) here.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def variants(roles: tuple[str, ...], rig_file: str | None, jobs: int, markdown: Path | None,
             report_dir: Path | None, as_json: bool) -> None:
    """Prove each plan can fail: the reference passes, every variant is caught where it breaks."""
    result = run_matrix(list(roles or ROLES_WITH_VARIANTS), rig_file, jobs=jobs)
    if markdown is not None:
        markdown.write_text(result.table(), encoding="utf-8")
    rows = [{"role": v.variant.role, "variant": v.variant.name, "breaks": list(v.variant.breaks),
             "caught_by": list(v.caught_by), "caught": v.caught, "elements": list(v.variant.elements),
             "failed_tests": list(v.failed_tests)} for v in result.verdicts]
    references = {role: {"exit_code": o.exit_code, "mandatory_not_passed": o.mandatory_not_passed()}
                  for role, o in result.references.items()}
    summary = {"references": references, "variants": rows}
    if report_dir is not None:
        _write_report(report_dir, summary)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        table = Table("role", "variant", "breaks", "caught by", "caught", title="faulty variants")
        for row in rows:
            table.add_row(row["role"], row["variant"], ", ".join(row["breaks"]),
                          ", ".join(row["caught_by"]) or "-", "yes" if row["caught"] else "NO")
        print_table(table)
        for role, ref in references.items():
            state = "passes" if not ref["mandatory_not_passed"] else f"misses {ref['mandatory_not_passed']}"
            click.echo(f"reference {role}: {state}")
    ok = all(r["caught"] for r in rows) and not any(r["mandatory_not_passed"] for r in references.values())
    raise SystemExit(0 if ok else FAILED_EXIT)


def _write_report(folder: Path, summary: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "variants.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    table = ReportTable("variants", "Faulty variants and the requirements that caught them",
                        ["role", "variant", "breaks", "caught by", "caught"],
                        [[r["role"], r["variant"], ", ".join(r["breaks"]), ", ".join(r["caught_by"]) or "-",
                          "yes" if r["caught"] else "NO"] for r in summary["variants"]])
    facts = {f"reference {role}": ("misses " + ", ".join(ref["mandatory_not_passed"])
                                    if ref["mandatory_not_passed"] else "passes every mandatory requirement")
             for role, ref in summary["references"].items()}
    write_report(ModelReport("Faulty variants: the proof that each plan can fail", facts, [table],
                             links=["variants.json"]), folder)
