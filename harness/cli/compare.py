"""``apcv-hil compare``: what changed between two runs, as a CI gate (exit 1 on a change)."""

from __future__ import annotations

import json
import sys

import click

from harness.report.compare import DEFAULT_ALPHA, DEFAULT_TOLERANCE, compare_runs, load_run


@click.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--tolerance", type=click.FloatRange(min=0), default=DEFAULT_TOLERANCE * 100, show_default=True,
              metavar="PERCENT",
              help="A measurement's median must move by more than this, relative to RUN_A, to count.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=DEFAULT_ALPHA,
              show_default=True, help="Significance level of the Mann–Whitney test a move must also pass.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the moves that were not statistically clear.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def compare(run_a: str, run_b: str, tolerance: float, alpha: float, verbose: bool, as_json: bool) -> None:
    """List the requirements whose verdict or measurements changed from RUN_A to RUN_B.

    Each run is a report directory, a certification bundle or a results.json; RUN_A is the
    baseline. Verdict changes, requirements or measurements that appear or go, and limits
    crossed are always changes. A measurement within its limits changes only when its median
    moved by more than --tolerance relative to RUN_A and a Mann–Whitney test on the two runs'
    samples says so at --alpha (both runs need 5 samples of it). Exit 0 when nothing changed,
    1 when something did (as diff does), 2 for a run that cannot be read.
    """
    before, after = load_run(run_a), load_run(run_b)
    found = compare_runs(before, after, tolerance / 100, alpha)
    if as_json:
        click.echo(json.dumps({"before": run_a, "after": run_b, **found.to_dict()}, indent=2,
                              ensure_ascii=False))
        sys.exit(1 if found.changes else 0)
    for change in found.changes:
        click.echo(change.line())
    if verbose:
        for change in found.unclear:
            click.echo(f"not clear, not counted: {change.line()}")
    unclear = ""
    if found.unclear:
        unclear = f"; {len(found.unclear)} moved beyond {tolerance:g} % without being clear"
    verdict = f"{len(found.changes)} changed" if found.changes else "no requirement changed"
    click.echo(f"{verdict} between {run_a} and {run_b} ({found.compared} measurements compared{unclear})")
    sys.exit(1 if found.changes else 0)
