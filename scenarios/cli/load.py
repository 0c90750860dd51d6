"""``apcv-hil load``: Locust against the insurer's services, with a summary, an audit and a verdict."""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from harness.cli import ERROR_PREFIX, INTERRUPTED_EXIT
from harness.cli.output import make_console, print_table
from scenarios.load.errors import LoadError


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt while the block runs, as Ctrl-C does: the run's own
    handling (partial results in the timed phase) or the CLI's one line ``interrupted``, exit
    130, instead of the process dying silently while it imports or prepares."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise LoadError(f"--date {text!r} is not a date (YYYY-MM-DD)") from None


@click.command()
@click.option("--target", required=True, metavar="URL|embedded",
              help="The backend: http(s)://host:port, or 'embedded' (ours, on a new seeded database).")
@click.option("--shape", default="constant", show_default=True, metavar="constant|step|spike|soak|rollout",
              help="How the user count moves over the run.")
@click.option("--users", type=int, help="Users (the peak of the shape; default 20, or the rollout's own).")
@click.option("--spawn-rate", type=float, help="Users started per second (default: half the peak).")
@click.option("--duration", default="60s", show_default=True, help="Length of the timed phase (45s, 2m, 1h).")
@click.option("--workers", type=int, default=0, show_default=True,
              help="Locust workers on this machine under a master (0: a single Locust process).")
@click.option("--slo", "slo_file", type=click.Path(dir_okay=False),
              help="Objectives (YAML file, or a built-in by name: default): the verdict and the exit code.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports/load"), show_default=True, help="Report folder.")
@click.option("--date", "day", default="2026-12-31", show_default=True,
              help="Date whose rollout mix of users (and hourly profile) is played.")
@click.option("--share", type=float, help="Share of France the rollout shape plays (default 1).")
@click.option("--mix", default="rollout", show_default=True,
              help="rollout, or shares of the requests: practice=P,phone=P,activation=P,operator=P.")
@click.option("--user-rate", type=float, default=1.0, show_default=True, help="Requests per second per user.")
@click.option("--qr-share", type=float,
              help="Share of presentations made by QR, the rest by NFC (default 0.7).")
@click.option("--steps", type=int, default=5, show_default=True, help="Stairs of the step shape.")
@click.option("--seed", type=int, default=0, show_default=True, help="The backend's caller-directory seed.")
@click.option("--people", type=int,
              help="embedded: insured to seed (default 2000); http(s): the target was seeded with this many.")
@click.option("--population-seed", type=int, default=0, show_default=True, help="Seed of those people.")
@click.option("--people-file", type=click.Path(dir_okay=False),
              help="http(s): JSON lines of insured people the target knows (apcv-hil population).")
@click.option("--backend-workers", type=int, default=2, show_default=True, help="embedded: uvicorn workers.")
@click.option("--fault", "faults", multiple=True, metavar="NAME[@AT][+FOR]",
              help="embedded: kill-worker, slow-db or 5xx during the run (repeatable).")
@click.option("--remote-workers", type=int, default=0, show_default=True,
              help="Workers on other machines the master waits for (it prints their command, "
                   "apcv-hil load-worker --master ADDRESS:PORT; it sends them the plan and material).")
@click.option("--master-bind-host",
              help="Address the master listens on (default: 127.0.0.1, or every address with "
                   "--remote-workers).")
@click.option("--master-port", type=click.IntRange(1, 65535),
              help="Port the master listens on (default: a free one).")
def load(target: str, shape: str, users: int | None, spawn_rate: float | None, duration: str, workers: int,
         slo_file: str | None, report_dir: Path, day: str, share: float | None, mix: str, user_rate: float,
         qr_share: float | None, steps: int, seed: int, people: int | None, population_seed: int,
         people_file: str | None, backend_workers: int, faults: tuple[str, ...], remote_workers: int,
         master_bind_host: str | None, master_port: int | None) -> None:
    """Load the insurer's services with Locust users, then summarise, audit and judge the run.

    Users: practice software (verify an NFC or QR presentation, rights, claim), the phone app
    (receipts, delegations), activations (France Identité, video) and identity-check
    operators, mixed as the rollout model says for --date. Everything is signed and prepared
    before the timed phase. The report folder gets Locust's CSV and HTML, summary.md and
    summary.json, and timeline.svg, each second's requests with the fault windows shaded. Exit code
    0 when the objectives are met and the audit is clean, 1 otherwise; SIGTERM or Ctrl-C in the timed
    phase stops Locust, prints the partial results and one line saying so, and exits with 130.
    """
    with _sigterm_as_ctrl_c():  # from the first moment: one line, never a silent kill
        from scenarios.load.faults import parse_fault
        from scenarios.load.report import write_results
        from scenarios.load.run import LoadRequest, run_load
        from scenarios.load.settings import LoadSettings, parse_duration
        from scenarios.load.slo import read_slo

        seconds = parse_duration(duration)
        settings = LoadSettings(target=target, shape=shape, users=users, spawn_rate=spawn_rate,
                                duration_s=seconds, date=_date(day), share=share, mix=mix,
                                requests_per_user_s=user_rate, steps=steps, seed=seed, qr_share=qr_share)
        request = LoadRequest(settings, report_dir, workers=workers, remote_workers=remote_workers,
                              master_bind_host=master_bind_host, master_port=master_port,
                              slo=read_slo(slo_file) if slo_file else None, people=people,
                              population_seed=population_seed, people_file=people_file,
                              backend_workers=backend_workers,
                              faults=tuple(parse_fault(f, seconds) for f in faults))
        request.check()
        result = run_load(request, say=lambda line: click.echo(line, err=True))
        files = write_results(result)
        _print(result)
        for path in files:
            click.echo(f"wrote {path}")
        click.echo(f"Locust: {result.report_dir / 'locust.html'}, {result.report_dir}/locust_*.csv")
        if result.interrupted:
            click.echo(f"{ERROR_PREFIX}interrupted ({result.interrupted}): the results above are partial",
                       err=True)
            raise SystemExit(INTERRUPTED_EXIT)
        raise SystemExit(0 if result.passed else 1)


def _errors(errors: dict[str, int]) -> str:
    """`` (503 ×3, timeout ×1)`` for people, most frequent first; empty without errors."""
    ranked = sorted(dict(errors).items(), key=lambda item: (-item[1], item[0]))
    return f" ({', '.join(f'{kind} ×{count}' for kind, count in ranked)})" if ranked else ""


def _print(result) -> None:
    summary = result.summary
    table = Table("endpoint", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "req/s",
                  title=f"load run {result.plan.run_id} ({result.plan.shape.name}, {summary.wall_s:.0f} s)")

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    for f in [*summary.endpoints, summary.total]:
        table.add_row(escape(f"{f.method} {f.name}".strip()), str(f.requests), str(f.failures), ms(f.p50_ms),
                      ms(f.p95_ms), ms(f.p99_ms), f"{f.rps:.1f}")
    console = make_console()
    print_table(table, console)
    server = (f"; embedded server {summary.server_cpu_s:.1f} CPU s ({summary.server_cpu_share:.0%})"
              if summary.server_cpu_s is not None and summary.server_cpu_share is not None else "")
    console.print(f"load generator: {summary.generator_cpu_s:.1f} CPU s "
                  f"({summary.generator_cpu_share:.0%} of {summary.cores} cores){server}", highlight=False)
    for effect in summary.faults:
        console.print(escape(f"fault {effect.fault}: {effect.failures} of {effect.requests} requests failed"
                             f"{_errors(effect.errors)}; p95 {ms(effect.p95_before_ms)} ms before, "
                             f"{ms(effect.p95_during_ms)} ms during"), highlight=False)
    if result.fault_error:
        console.print(f"[red]{escape(result.fault_error)}[/]")
    audit = result.audit
    verdict = "clean" if audit.clean else "PROBLEMS"
    console.print(f"audit: {verdict} ({audit.accepted_tokens} tokens accepted, "
                  f"{audit.acknowledged_claims} claims acknowledged, "
                  f"{audit.delivered_receipts} receipts delivered)", highlight=False)
    for problem in audit.problems:
        console.print(f"[red]  {escape(problem)}[/]")
    if result.checks:
        met = sum(c.passed for c in result.checks)
        console.print(f"objectives: {met} of {len(result.checks)} met", highlight=False)
    for check in result.checks:
        if not check.passed:
            measured = "no requests" if check.measured is None else f"{check.measured:.4g}"
            console.print(f"[red]  not met: {escape(check.what)}: {measured} (limit {check.limit:g})[/]")
    console.print("[green]PASS[/]" if result.passed else "[red]FAIL[/]")


@click.command("load-worker")
@click.option("--master", "master", required=True, metavar="HOST:PORT",
              help="The master's address and port, as 'apcv-hil load --remote-workers' prints them.")
def load_worker(master: str) -> None:
    """Run one Locust worker of an 'apcv-hil load' master on this machine.

    The master sends the plan and this worker's material over Locust's own channel: nothing
    is copied by hand. The worker ends with the run. It needs the master's apcv-hil version.
    """
    import os
    import sys

    from scenarios.load.locust_processes import locustfiles, worker_args

    host, port = _master_address(master)
    os.execv(sys.executable, [sys.executable, "-m", "locust", "-f", locustfiles(), *worker_args(host, port)])


def _master_address(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise click.BadParameter(f"{text!r} is not HOST:PORT (e.g. 192.0.2.7:5557)", param_hint="--master")
    return host, int(port)
