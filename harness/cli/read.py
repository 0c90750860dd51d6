"""``apcv-hil read``: one presentation (or many) on a rig, identity masked."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from apcv.nir import mask_nir
from apcv.trace.files import TraceFiles
from harness.bench import Bench
from harness.cli.output import make_console, print_table
from harness.report.charts import MIN_DISTRIBUTION
from harness.rig import load_rig
from simulators.reader.result import ReadResult

MAX_READS = 100_000
"""Presentations one command makes at most (their timings are kept to summarise)."""


@click.command()
@click.option("--rig", "rig_file", default=None, help="Rig file or name (default: rigs/software.yaml).")
@click.option("--device", type=click.Choice(["phone", "card"]), default="phone", show_default=True,
              help="Which role to present to the reader (simulated devices).")
@click.option("--beneficiary", type=click.IntRange(min=0), default=0, show_default=True,
              help="0 for the holder, i for the i-th beneficiary.")
@click.option("--count", type=click.IntRange(min=1, max=MAX_READS), default=1, show_default=True,
              help=f"Number of presentations (at most {MAX_READS:,}); timings are summarised.")
@click.option("--trace", "trace_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the exchange as FILE.pcapng and FILE.jsonl (suffix ignored).")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Draw the histogram of each step's read times to FILE (.svg, .png or .pdf; needs "
                   f"--count {MIN_DISTRIBUTION} or more and matplotlib, of the [models] group).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def read(rig_file: str | None, device: str, beneficiary: int, count: int,
         trace_file: Path | None, plot_file: Path | None, as_json: bool) -> None:
    """Present the apCV (or the card) to the reference reader and print what it read."""
    if plot_file is not None:
        from harness.cli.read_plot import check_plot

        try:
            check_plot(plot_file, count)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--plot") from None
    config = load_rig(rig_file)
    with Bench(config) as bench:
        if getattr(config.roles, device) is not None and getattr(config.roles, device).simulated:
            bench.present(device)
        trace = None if trace_file is None else bench.recorder.open_files(trace_file.parent, trace_file.stem)
        try:
            last, timings = _read_many(bench, beneficiary, count, trace)
        finally:  # a failed read is traced too: its trace says why
            if trace is not None:
                click.echo(f"trace: {', '.join(str(p) for p in trace.close().values())}", err=True)
    summary = last.summary(mask_nir)
    if count > 1:
        summary["runs"] = _timing_stats(timings)
    if plot_file is not None:
        from harness.cli.read_plot import plot_read_times

        title = f"{count} presentations of the {device} on rig {config.name}: read times (ms)"
        click.echo(f"plot: {plot_read_times(timings, plot_file, title)}", err=True)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_table(summary, config.name)


def _read_many(bench: Bench, beneficiary: int, count: int,
               trace: TraceFiles | None) -> tuple[ReadResult, list[dict[str, float]]]:
    """``count`` reads: the last one and the timings of each (only those are kept: memory stays
    small); each read's events go to ``trace`` (when given) and then out of memory."""
    timings = []
    console = Console(stderr=True)
    with Progress(transient=True, console=console, disable=count == 1 or not console.is_terminal) as progress:
        task = progress.add_task("presentations", total=count)
        for _ in range(count):
            try:
                result = bench.reader.read(beneficiary)
                timings.append(result.timings_ms)
            finally:
                if trace is not None:
                    trace.write(bench.recorder.events)
                bench.recorder.events.clear()
            progress.advance(task)
    return result, timings


def _timing_stats(timings: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per step: mean, p50, p95 and max (budgets are maxima), nearest-rank as the report's."""
    from harness.report.charts import spread

    stats = {}
    for step in timings[0]:
        values = [t[step] for t in timings]
        figures = spread(values)
        assert figures is not None
        stats[step] = {"mean_ms": round(statistics.fmean(values), 3), "p50_ms": round(figures.p50, 3),
                       "p95_ms": round(figures.p95, 3), "max_ms": round(figures.max, 3)}
    return {"count": len(timings), "timings": stats}


def _print_table(summary: dict, rig_name: str) -> None:
    console = make_console()
    console.print(f"[bold]{summary['kind']}[/] {summary['reference']} on rig {rig_name}")
    people = Table("", "NIR", "name", "born", "sex", title="identity")
    holder = summary["holder"]
    people.add_row("holder", holder["nir"], holder["name"], holder["birth_date"], holder["sex"])
    for i, ben in enumerate(summary["beneficiaries"], start=1):
        people.add_row(f"{i} {ben['relation']}", ben["nir"], ben["name"], ben["birth_date"], ben["sex"])
    print_table(people, console)
    cov = summary["coverage"]
    console.print(f"rights: {cov['regime']}, fund {cov['fund']}, from {cov['rights_from']}"
                  f" until {cov['rights_until'] or 'open'}; selected beneficiary {summary['selected']}")
    steps = Table("step", "ms", title="timings")
    for step, ms in summary["timings_ms"].items():
        steps.add_row(step, f"{ms:.3f}")
    print_table(steps, console)
    if "runs" in summary:
        runs = Table("step", "p50 (ms)", "p95 (ms)", "max (ms)",
                     title=f"{summary['runs']['count']} presentations")
        for step, figures in summary["runs"]["timings"].items():
            runs.add_row(step, *(f"{figures[key]:.3f}" for key in ("p50_ms", "p95_ms", "max_ms")))
        print_table(runs, console)


