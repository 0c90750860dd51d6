"""``apcv-hil queue mmc``, ``apcv-hil waiting-room`` and ``apcv-hil rollout``: the SimPy models."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from harness.cli.output import print_table
from scenarios.models.errors import ModelError
from scenarios.models.identification import DEFAULT_MIXES, Mix

# The model modules (SciPy, matplotlib, Ciw, Dask) load inside each command, so that other
# apcv-hil commands start quickly.


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C ends a model run at once: worker processes it started are stopped, one line is
    printed and the exit status is 130, without the interpreter's teardown (with SciPy, Dask and
    large arrays loaded it takes most of a second on its own)."""
    try:
        yield
    except KeyboardInterrupt:
        for child in multiprocessing.active_children():
            child.terminate()
        sys.stdout.flush()
        sys.stderr.write("apcv-hil: error: interrupted\n")
        sys.stderr.flush()
        os._exit(130)


@click.group()
def queue() -> None:
    """Check the queueing engine against exact results."""


@queue.command("mmc")
@click.option("--arrival-rate", "-L", type=float, required=True, help="λ, customers per time unit.")
@click.option("--service-rate", "-M", type=float, required=True, help="μ, per server per time unit.")
@click.option("--servers", "-C", type=int, required=True, help="c, number of servers.")
@click.option("--customers", type=int, default=200_000, show_default=True, help="Customers simulated.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed.")
@click.option("--precision", type=float, default=0.05, show_default=True,
              help="Relative precision asked of the mean wait's interval (warns when not reached).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def queue_mmc(arrival_rate: float, service_rate: float, servers: int, customers: int, seed: int,
              precision: float, as_json: bool) -> None:
    """Simulate an M/M/c queue on the model engine; print its mean wait and P(wait > 0) beside Erlang C's."""
    from scenarios.models.mmc import simulate_mmc

    with interruptible():
        result = simulate_mmc(arrival_rate, service_rate, servers, customers, seed, precision)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    table = Table(title=f"M/M/{servers}  λ={arrival_rate:g}  μ={service_rate:g}  ({customers:,} customers)",
                  caption=f"95 % intervals: {result.batches.batches} batch means of "
                          f"{result.batches.batch_size:,} customers, log scale")
    for column in ("", "simulated", "95 % interval", "Erlang C (exact)", "relative error"):
        table.add_column(column)
    error = result.relative_error
    table.add_row("mean wait in queue", f"{result.simulated.mean:.5g}", _interval(result.simulated),
                  f"{result.erlang_c:.5g}", "n/a (nobody waited)" if error is None else f"{error:+.2%}")
    table.add_row("P(wait > 0)", f"{result.waited.mean:.4f}", _interval(result.waited, 4),
                  f"{result.erlang_c_waited:.4f}", "")
    print_table(table)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


def _interval(estimate, digits: int = 5) -> str:
    if not estimate.has_interval:
        return f"n/a ({estimate.reason})"
    return f"[{estimate.low:.{digits}g}, {estimate.high:.{digits}g}]"


@click.command("waiting-room")
@click.option("--scenario", default="gp", show_default=True, metavar="gp|pharmacy|hospital|FILE",
              help="A built-in scenario or a YAML parameter file.")
@click.option("--mix", "mixes", multiple=True, metavar="card=P,qr=P,nfc=P",
              help=f"Adoption mix in percent (repeatable); default: {' | '.join(DEFAULT_MIXES)}.")
@click.option("--days", type=int, default=5, show_default=True, help="Days per replication.")
@click.option("--replications", type=int, default=10, show_default=True, help="Independent replications.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed.")
@click.option("--timings", type=click.Path(dir_okay=False),
              help="Measured read times: a trace .jsonl or a results.json.")
@click.option("--plot", "plot_dir", type=click.Path(file_okay=False),
              help="Write PNG plots and the HTML report (index.html) here; with --rig, traces/ too.")
@click.option("--workers", type=int, help="Worker processes (default: one per CPU; 1: in this process).")
@click.option("--dask", metavar="tcp://HOST:PORT", help="Run the replications on this Dask scheduler.")
@click.option("--detailed", is_flag=True,
              help="Run the real phone, card, reader, QR scanner and embedded backend for each card, "
                   "QR and NFC identification.")
@click.option("--realtime", type=float, metavar="FACTOR",
              help="Run in real time, FACTOR times faster than life, reading on the rig (needs --rig).")
@click.option("--rig", metavar="FILE", help="Rig whose reader really reads each card and phone.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def waiting_room(scenario: str, mixes: tuple[str, ...], days: int, replications: int, seed: int,
                 timings: str | None, plot_dir: str | None, workers: int | None, dask: str | None,
                 detailed: bool, realtime: float | None, rig: str | None, as_json: bool) -> None:
    """Simulate a waiting room under several adoption mixes and compare identification time.

    With --realtime and --rig, one replication of each mix runs in real time and every card
    and NFC read really happens on the rig; measured read times are shown beside modelled ones.
    """
    from scenarios.models.capacity import check_capacity
    from scenarios.models.params import load_scenario
    from scenarios.models.plots import plot_waiting_room
    from scenarios.models.replications import compare_to_first
    from scenarios.models.report import write_report
    from scenarios.models.runner import run_mixes
    from scenarios.models.tables import waiting_room_table
    from scenarios.models.timings import describe_reads, load_timings, reads_line
    from scenarios.models.waiting_room_report import waiting_room_report

    params = load_scenario(scenario)
    chosen = [Mix.parse(text) for text in (mixes or DEFAULT_MIXES)]
    reads = load_timings(timings) if timings else None
    if (realtime is None) != (rig is None):
        raise ModelError("--realtime and --rig go together (a rig to read on, a speed to run at)")
    if detailed and realtime is not None:
        raise ModelError("--detailed and --realtime do not go together (on a rig, the rig reads)")
    if realtime is not None and rig is not None:
        from harness.rig import load_rig

        load_rig(rig)  # a rig file that cannot be read is one line before a day is simulated
        _on_rig(params, chosen, rig, realtime, days, seed, reads, plot_dir, as_json)
        return
    warnings = [warning for mix in chosen for warning in check_capacity(params, mix)]
    if detailed:  # the simulators' own read times, unless a timings file measured that method
        from scenarios.models.simulator_reads import DEFAULT_SAMPLES, measure_simulator_reads

        reads = {**measure_simulator_reads(DEFAULT_SAMPLES, seed), **(reads or {})}
    sources, thin = describe_reads(reads)
    warnings += thin
    mode = ("detailed: real phone, card, reader, QR scanner and backend run every identification, "
            "reads drawn from the simulators' timed reads"
            if detailed else "modelled: identifications drawn from step-time distributions")
    console = Console(stderr=True)
    with interruptible(), Progress(console=console, transient=True,
                                   disable=not console.is_terminal) as progress:
        task = progress.add_task(f"{params.name}: replications", total=len(chosen) * replications)
        summaries = run_mixes(params, chosen, days, replications, seed, reads, workers=workers, dask=dask,
                              progress=lambda: progress.advance(task), detailed=detailed)
    comparisons = compare_to_first(summaries, params.opening.days_per_week)
    plots = (plot_waiting_room(summaries, params.name, params.opening.start_hour, Path(plot_dir))
             if plot_dir else [])
    report = None
    if plot_dir:
        facts = {"scenario": params.name, "days": str(days), "replications": str(replications),
                 "seed": str(seed), "mode": mode,
                 **{f"{method} reads": text for method, text in sources.items()},
                 "warnings": "; ".join(warnings) or "none"}
        report = write_report(waiting_room_report(f"{params.name}: adoption mixes", facts, summaries,
                                                  comparisons, plots),
                              Path(plot_dir))
    if as_json:
        click.echo(json.dumps({"scenario": params.name, "days": days, "replications": replications,
                               "seed": seed, "timings": timings, "detailed": detailed, "mode": mode,
                               "reads": sources,
                               "plots": [str(p) for p in plots], "report": report and str(report),
                               "mixes": [s.to_json() for s in summaries],
                               "comparisons": [c.to_json() for c in comparisons], "warnings": warnings},
                              indent=2))
        return
    title = (f"{params.name}: {days} days × {replications} replications, {mode.split(':')[0]}; reads: "
             + reads_line(sources))
    print_table(waiting_room_table(title, summaries, comparisons))
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for path in plots:
        click.echo(f"plot: {path}")
    if report:
        click.echo(f"report: {report}")


def _on_rig(params, mixes: list[Mix], rig: str, realtime: float, days: int, seed: int, reads,
            plot_dir: str | None, as_json: bool) -> None:
    from apcv.trace import TraceRecorder
    from scenarios.models.hil import compare_reads, run_on_rig
    from scenarios.models.hil_report import hil_report, plot_rig_reads, trace_stem
    from scenarios.models.report import write_report
    from scenarios.models.tables import rig_reads_table

    entries = []
    for mix in mixes:
        recorder = TraceRecorder()
        results, records = run_on_rig(params, mix, rig, realtime, days, seed, reads, recorder)
        traces = recorder.save(Path(plot_dir) / "traces", trace_stem(mix)) if plot_dir else {}
        entries.append({"mix": mix.label, "served": sum(r.served for r in results),
                        "identification_s": sum(r.identification_s for r in results),
                        "reads": compare_reads(records), "records": [r.to_json() for r in records],
                        "traces": {kind: str(path) for kind, path in traces.items()}})
    plots, report = [], None
    if plot_dir:
        plots = [plot_rig_reads(entries, Path(plot_dir))]
        facts = {"scenario": params.name, "rig": rig, "real time": f"{realtime:g} × faster than life",
                 "days": str(days), "seed": str(seed)}
        report = write_report(hil_report(facts, entries, plots, Path(plot_dir)), Path(plot_dir))
    if as_json:
        click.echo(json.dumps({"scenario": params.name, "rig": rig, "realtime": realtime, "days": days,
                               "plots": [str(p) for p in plots], "report": report and str(report),
                               "mixes": entries}, indent=2))
        return
    for entry in entries:
        print_table(rig_reads_table(f"{params.name}, {entry['mix']}: reads on {rig}", entry["reads"]))
        for kind, path in entry["traces"].items():
            click.echo(f"trace ({kind}): {path}")
    if report:
        click.echo(f"plot: {plots[0]}")
        click.echo(f"report: {report}")


@click.command()
@click.option("--until", "until", type=click.DateTime(["%Y-%m-%d"]), default="2026-12-31",
              show_default=True, help="Last day modelled; the hourly backend profile is for this day.")
@click.option("--params", "params_file", type=click.Path(dir_okay=False),
              help="Rollout parameters (YAML); default: the built-in calibration.")
@click.option("--step-days", type=click.IntRange(min=1), default=7, show_default=True,
              help="Days between modelled days.")
@click.option("--review-replications", type=click.IntRange(min=1), default=5, show_default=True,
              help="Replications of the SimPy review queue per sized day.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Random seed of the review queue.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Processes sizing the review queue (default: one per CPU; 1: in this process).")
@click.option("--dask", metavar="tcp://HOST:PORT", help="Size the review queue's days on this Dask cluster.")
@click.option("--timings", type=click.Path(dir_okay=False),
              help="Measured read times (a trace .jsonl or a results.json) for the identification hours.")
@click.option("--plot", "plot_dir", type=click.Path(file_okay=False),
              help="Write PNG plots and the HTML report (index.html) here.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False),
              help="Write rollout_timeline.csv, backend_hourly.csv and locust_shape.py here.")
@click.option("--shape-hour-seconds", type=click.FloatRange(min=0, min_open=True), default=60,
              show_default=True, help="Seconds the Locust shape spends on each modelled hour.")
@click.option("--requests-per-user", type=click.FloatRange(min=0, min_open=True), default=1.0,
              show_default=True, help="Requests per second one Locust user makes (scales the user count).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def rollout(until, params_file: str | None, step_days: int, review_replications: int, seed: int,
            workers: int | None, dask: str | None, timings: str | None, plot_dir: str | None,
            export_dir: str | None, shape_hour_seconds: float, requests_per_user: float,
            as_json: bool) -> None:
    """Model the national rollout: activations, practitioners, operators, backend load.

    Identity-check operators are sized twice: by Erlang C on every modelled day (busiest hour,
    mean wait), and by a SimPy simulation of the review queue (enrolments by hour of day,
    operator shifts) on about twelve evenly spaced days.
    """
    from scenarios.models.report import write_report
    from scenarios.models.rollout.exports import export_rollout
    from scenarios.models.rollout.model import hourly_requests, sample_days, timeline
    from scenarios.models.rollout.params import load_rollout
    from scenarios.models.rollout.plots import plot_rollout
    from scenarios.models.rollout.report import rollout_report
    from scenarios.models.rollout.review_sizing import size_days
    from scenarios.models.tables import review_queue_table, rollout_table
    from scenarios.models.timings import describe_reads, load_timings, reads_line

    params = load_rollout(params_file)
    reads = load_timings(timings) if timings else None
    sources, warnings = describe_reads(reads)
    start = min(params.activations.points)
    end = until.date()
    console = Console(stderr=True)
    with interruptible(), Progress(console=console, transient=True,
                                   disable=not console.is_terminal) as progress:
        task = progress.add_task("rollout: days", total=max(0, (end - start).days // step_days + 1))
        days = timeline(params, start, end, step_days, progress=lambda: progress.advance(task), reads=reads)
        sized = [(day.date, day.new_activations) for day in sample_days(days)]
        task = progress.add_task("review queue: days sized", total=len(sized))
        sizings = size_days(sized, params.identity_check, review_replications, seed, workers,
                            progress=lambda: progress.advance(task), dask=dask)
    hourly = hourly_requests(params, days[-1].date)
    exports = (export_rollout(days, hourly, Path(export_dir), shape_hour_seconds, requests_per_user)
               if export_dir else [])
    plots = plot_rollout(days, hourly, sizings, Path(plot_dir)) if plot_dir else []
    report = None
    if plot_dir:
        facts = {"until": end.isoformat(), "parameters": params_file or "built-in calibration",
                 "step": f"{step_days} days", "review replications": str(review_replications),
                 "seed": str(seed), **{f"{method} reads": text for method, text in sources.items()},
                 "warnings": "; ".join(warnings) or "none"}
        links = [os.path.relpath(path, plot_dir) for path in exports]
        report = write_report(rollout_report(facts, days, sizings, hourly, plots, links), Path(plot_dir))
    files = [*plots, *exports, *([report] if report else [])]
    if as_json:
        click.echo(json.dumps({"until": end.isoformat(), "timings": timings, "reads": sources,
                               "warnings": warnings, "days": [d.to_json() for d in days],
                               "review_queue": [s.to_json() for s in sizings],
                               "backend_hourly_requests_per_s": hourly, "files": [str(f) for f in files],
                               "report": report and str(report)}, indent=2))
        return
    print_table(rollout_table(days, title="national rollout; identification reads: " + reads_line(sources)))
    print_table(review_queue_table(sizings))
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for sizing in sizings:
        for warning in sizing.warnings:
            click.echo(f"warning: {sizing.date}: {warning}", err=True)
    for path in files:
        click.echo(f"wrote {path}")


@click.command("national-day")
@click.option("--replications", type=int, default=5, show_default=True, help="Independent national days.")
@click.option("--mix", "mix_text", default="card=50,qr=30,nfc=20", show_default=True,
              metavar="card=P,qr=P,nfc=P", help="Adoption mix in percent.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed.")
@click.option("--scale", type=click.FloatRange(min=0, max=1, min_open=True), default=1.0, show_default=True,
              help="Share of the country's places simulated (e.g. 0.1 for a region of a tenth).")
@click.option("--timings", type=click.Path(dir_okay=False),
              help="Measured read times: a trace .jsonl or a results.json.")
@click.option("--dask", metavar="tcp://HOST:PORT", help="Run the replications on this Dask scheduler.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def national_day(replications: int, mix_text: str, seed: int, scale: float, timings: str | None,
                 dask: str | None, as_json: bool) -> None:
    """Simulate every GP practice, pharmacy and admissions desk of the country for a day, replicated.

    Prints visits, identification staff-hours and waits per kind of place, each the mean over
    replications with its 95 % interval.
    """
    from scenarios.models.national_day import PRACTICES, run_national, summarise_national
    from scenarios.models.tables import national_table
    from scenarios.models.timings import describe_reads, load_timings, reads_line

    mix = Mix.parse(mix_text)
    reads = load_timings(timings) if timings else None
    sources, warnings = describe_reads(reads)
    practices = {name: max(1, round(count * scale)) for name, count in PRACTICES.items()}
    console = Console(stderr=True)
    with interruptible(), Progress(console=console, transient=True,
                                   disable=not console.is_terminal) as progress:
        task = progress.add_task("national day: replications", total=replications)
        days = run_national(mix, replications, seed, practices, reads=reads, dask=dask,
                            progress=lambda: progress.advance(task))
    summaries = summarise_national(days)
    if as_json:
        click.echo(json.dumps({"mix": mix.label, "replications": replications, "seed": seed,
                               "timings": timings, "reads": sources, "warnings": warnings,
                               "practices": practices, "dask": dask,
                               "kinds": [s.to_json() for s in summaries]}, indent=2))
        return
    print_table(national_table(f"national day, {mix.label}: {replications} replications; reads: "
                               + reads_line(sources), summaries))
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
