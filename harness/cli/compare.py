"""``apcv-hil compare``: requirements whose verdict or measurements changed between two runs."""

from __future__ import annotations

import json
import sys

import click

from harness.report.compare import DEFAULT_TOLERANCE, compare_runs, load_run


@click.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--tolerance", type=click.FloatRange(min=0), default=DEFAULT_TOLERANCE * 100, show_default=True,
              metavar="PERCENT", help="Relative change below which a measurement counts as unchanged.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def compare(run_a: str, run_b: str, tolerance: float, as_json: bool) -> None:
    """List the requirements whose verdict or measurements changed from RUN_A to RUN_B.

    Each run is a report directory, a certification bundle or a results.json. Exit 0 when
    nothing changed, 1 when something did (as diff does).
    """
    before, after = load_run(run_a), load_run(run_b)
    changes = compare_runs(before, after, tolerance / 100)
    if as_json:
        click.echo(json.dumps({"before": run_a, "after": run_b, "changes": [c.to_dict() for c in changes]},
                              indent=2))
    elif changes:
        for change in changes:
            click.echo(change.line())
    else:
        click.echo(f"no requirement changed between {run_a} and {run_b}")
    sys.exit(1 if changes else 0)
