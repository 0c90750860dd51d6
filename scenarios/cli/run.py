"""``apcv-hil run``: the conformance and end-to-end scenarios on a rig, with a report."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from apcv.profile.catalogue import ROLES
from harness.cli import OneLineError
from harness.cli.output import make_console, print_table
from harness.dut.actions import OPERATOR_MODES
from harness.remote import held_rig
from harness.rig import load_rig
from harness.roles.checks import check_dut
from scenarios.conformance.runner import PlanRequest, PlanRun, PlanRunError, run_plan


class ProgressPlugin:
    """Shows a progress bar while pytest runs, and counts outcomes."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console, transient=True,
                                 disable=not console.is_terminal)
        self.task = self.progress.add_task("scenarios", total=None)
        self.counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
        self.failures: list[tuple[str, str]] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.update(self.task, total=len(session.items))
        self.progress.start()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            outcome = report.outcome if report.when == "call" or report.skipped else "error"
            self.counts[outcome] += 1
            if outcome in ("failed", "error"):
                crash = getattr(report.longrepr, "reprcrash", None)
                self.failures.append((report.nodeid, crash.message.splitlines()[0] if crash else ""))
            self.progress.advance(self.task)

    def pytest_sessionfinish(self) -> None:
        self.progress.stop()


@click.command()
@click.option("--rig", "rig_file", default=None, help="Rig file or name (default: rigs/software.yaml).")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports/latest"), show_default=True,
              help="Where the report is written (an interrupted run's goes beside it: "
                   "REPORT.interrupted).")
@click.option("--suite", "suites", multiple=True, type=click.Choice(["conformance", "e2e"]),
              help="Suites to run (default: all of them).")
@click.option("--role", default=None, type=click.Choice(ROLES),
              help="Run this role's conformance plan (default: the rig's DUT role; all suites on a rig "
                   "without a DUT).")
@click.option("--operator", default="auto", show_default=True, type=click.Choice(OPERATOR_MODES),
              help="Physical acts a prompt control asks for: prompt (a person at the terminal), skip "
                   "(those tests skip), auto (prompt when there is a terminal).")
@click.option("-k", "keyword", default=None, help="Only scenarios matching this pytest -k expression.")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop at the first failure.")
@click.option("--place-wait", "place_wait", type=click.FloatRange(0, 86400), default=0, show_default=True,
              help="A rig on a labgrid place held by someone else: seconds to wait for it (0: stop at once).")
def run(rig_file: str | None, report_dir: Path, suites: tuple[str, ...], role: str | None, operator: str,
        keyword: str | None, exitfirst: bool, place_wait: float) -> None:
    """Run the scenarios on the rig and write index.html, junit.xml, results.json and traces.

    With a device under test (the rig's ``dut``, or ``--role``) only that role's plan runs. The
    exit status is the verdict: 0 when every mandatory requirement passed, 1 otherwise, 2 for a
    usage error, 130 when interrupted; the verdict line ends the output, on stdout. A rig naming a
    labgrid ``place`` runs on it: acquired first, released at the end however the run ends."""
    config = load_rig(rig_file)  # fail early with a clear message
    check_dut(config)
    role = role or (config.dut.role if config.dut is not None else None)
    console = make_console(stderr=True)
    plugin = ProgressPlugin(console)
    with held_rig(config, wait_s=place_wait) as rig_path:
        request = PlanRequest(rig_path, report_dir, role, suites, operator, keyword, exitfirst)
        try:
            done = run_plan(request, plugins=[plugin])
        except PlanRunError as exc:
            raise OneLineError(str(exc)) from None
    _summary(console, plugin, config.name, done)
    for line in done.verdict.lines():
        click.echo(line)
    raise SystemExit(done.verdict.exit_status)


def _summary(console: Console, plugin: ProgressPlugin, rig_name: str, done: PlanRun) -> None:
    table = Table("outcome", "count", title=f"rig {rig_name}")
    for outcome, n in plugin.counts.items():
        table.add_row(outcome, str(n))
    print_table(table, console)
    for nodeid, message in plugin.failures:
        console.print(f"[red]FAILED[/] {nodeid}: {message}")
    if done.record.interrupted:
        console.print(f"interrupted: partial report {done.report / 'index.html'} "
                      f"(the last complete report, if any, is kept)")
    else:
        console.print(f"report: {done.report / 'index.html'}")
