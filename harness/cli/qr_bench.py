"""``apcv-hil qr-bench``: read rate and median decode time of every camera condition × decoder."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from apcv.errors import ApcvError
from apcv.imaging.conditions import CONDITIONS
from apcv.imaging.decoders import DECODERS
from harness.cli.output import make_console, print_table
from harness.qr_bench.matrix import Matrix, check_arguments, default_jobs, run_matrix
from harness.qr_bench.page import write_report
from harness.qr_bench.plot import write_heat_map
from harness.qr_bench.targets import Target, check_targets


def _check_outputs(plot: Path | None, report: Path | None) -> None:
    if plot is not None:
        if plot.suffix.lower() != ".png":
            raise ApcvError(f"--plot {plot}: the heat map is a PNG; give a file name ending in .png")
        if plot.is_dir():
            raise ApcvError(f"--plot {plot}: is a folder; give a file name ending in .png")
    if report is not None and report.exists() and not report.is_dir():
        raise ApcvError(f"--report {report}: is a file; give a folder for index.html, heat_map.png "
                        "and matrix.json")


def _table(matrix: Matrix) -> Table:
    table = Table("condition", *matrix.decoders,
                  title=f"read rate / median decode ms, {matrix.frames} frames per cell, 1280×720")
    for condition in matrix.conditions:
        cells = []
        for decoder in matrix.decoders:
            cell = matrix.cell(condition.name, decoder)
            colour = "green" if cell.read_rate >= 0.95 else "yellow" if cell.read_rate >= 0.5 else "red"
            cells.append(f"[{colour}]{cell.read_rate:4.0%}[/] {cell.median_ms:6.1f}")
        table.add_row(condition.name, *cells)
    return table


def _print_targets(targets: list[Target], console: Console) -> None:
    for target in targets:
        mark = "[green]met[/]   " if target.met else "[red]MISSED[/]"
        console.print(f"{mark} {target.title} ({target.detail})")


@click.command("qr-bench")
@click.option("--frames", type=int, default=40, show_default=True, help="Frames per condition.")
@click.option("--condition", "conditions", multiple=True, metavar="NAME",
              help=f"Only these conditions (repeat); default all: {', '.join(CONDITIONS)}.")
@click.option("--decoder", "decoders", multiple=True, metavar="NAME",
              help=f"Only these decoders (repeat); default all: {', '.join(DECODERS)}.")
@click.option("--jobs", type=int, default=None, help="Worker processes (default: one per core).")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True,
              help="Seed of the frames' random parts.")
@click.option("--json", "as_json", is_flag=True, help="Print the matrix and targets as JSON.")
@click.option("--plot", type=click.Path(path_type=Path), default=None, help="Write the heat map (PNG).")
@click.option("--report", type=click.Path(path_type=Path), default=None,
              help="Write index.html (self-contained), heat_map.png and matrix.json into this folder.")
def qr_bench(frames: int, conditions: tuple[str, ...], decoders: tuple[str, ...], jobs: int | None,
             seed: int, as_json: bool, plot: Path | None, report: Path | None) -> None:
    """Decode-rate matrix: every camera condition × QR decoder, read rate and median decode time."""
    jobs = default_jobs() if jobs is None else jobs
    check_arguments(frames, jobs, list(conditions), list(decoders))
    _check_outputs(plot, report)
    chosen = list(conditions) or list(CONDITIONS)
    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"{len(chosen)} conditions × {frames} frames", total=len(chosen))
        matrix = run_matrix(frames, conditions=chosen, decoders=list(decoders) or None, jobs=jobs, seed=seed,
                            on_done=lambda _name: progress.advance(task))
    targets = check_targets(matrix)
    try:
        written = [write_heat_map(matrix, plot)] if plot is not None else []
        if report is not None:
            written.append(write_report(matrix, targets, report))
    except OSError as exc:
        raise ApcvError(f"cannot write {exc.filename or 'the output'}: {exc.strerror or exc}") from None
    if as_json:
        click.echo(json.dumps({**matrix.to_json(), "targets": [t.__dict__ for t in targets]}, indent=2))
    else:
        console = make_console()
        print_table(_table(matrix), console)
        _print_targets(targets, console)
        console.print(f"{len(chosen)} conditions in {matrix.wall_s:.1f} s on {min(jobs, len(chosen))} "
                      "worker process(es)")
    for path in written:
        click.echo(f"wrote {path}", err=True)
