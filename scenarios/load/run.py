"""One load run from start to verdict: check, prepare, run Locust, summarise, audit, judge.

Everything a user can get wrong is checked before the target is touched; then the target
is made ready (an embedded backend started on a new seeded database, or an http(s) target
checked and given its people), each worker slot's material is made, Locust runs (faults
injected meanwhile), and the report folder receives Locust's CSV and HTML, our summary, the
audit and the verdict.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.load.address import reachable_address
from scenarios.load.audit import AuditResult, audit
from scenarios.load.collect import GENERATOR_FILE, LEDGER_FILE, STARTED_FILE, TIMELINE_FILE
from scenarios.load.embedded import DEFAULT_PEOPLE, MAX_PEOPLE, EmbeddedTarget
from scenarios.load.errors import LoadError
from scenarios.load.faults import FaultInjector, FaultSpec
from scenarios.load.locust_processes import (
    LocustProcesses,
    common_args,
    master_args,
    worker_args,
)
from scenarios.load.plan import LoadPlan
from scenarios.load.settings import LoadSettings
from scenarios.load.setup import PeopleSource, prepare_target
from scenarios.load.slo import Check, Slo, judge
from scenarios.load.summary import CSV_PREFIX, Summary, summarise
from scenarios.load.target import check_url, open_target
from scenarios.load.timeline_plot import PLOT_FILE
from scenarios.load.version import apcv_version
from simulators.backend.client import BackendClient
from simulators.backend.process import free_port

MAX_WORKERS = 32
MAX_BACKEND_WORKERS = 16
START_TIMEOUT_S = 180.0
STOP_GRACE_S = 15.0
"""Seconds an interrupted run gives Locust to write its statistics before it is killed."""
PLAN_FILE = "plan.json"
FAULTS_FILE = "faults.json"
SUMMARY_FILE = "summary.json"
OWN_FILES = (PLAN_FILE, FAULTS_FILE, SUMMARY_FILE, "summary.md", TIMELINE_FILE, LEDGER_FILE, GENERATOR_FILE,
             STARTED_FILE, "locust.html", PLOT_FILE)


@dataclass(frozen=True)
class LoadRequest:
    """A load run as asked on the command line."""

    settings: LoadSettings
    report_dir: Path
    workers: int = 0
    """Locust workers on this machine (0: one local process, no master)."""
    remote_workers: int = 0
    """Workers on other machines the master waits for."""
    master_bind_host: str | None = None
    """Where the master listens; None: 127.0.0.1, or every address with remote workers."""
    master_port: int | None = None
    slo: Slo | None = None
    people: int | None = None
    population_seed: int = 0
    people_file: str | None = None
    backend_workers: int = 2
    faults: tuple[FaultSpec, ...] = ()

    @property
    def embedded(self) -> bool:
        """True for ``--target embedded``."""
        return self.settings.target == "embedded"

    @property
    def bind_host(self) -> str:
        """The address the master listens on."""
        if self.master_bind_host:
            return self.master_bind_host
        return "*" if self.remote_workers else "127.0.0.1"

    @property
    def slots(self) -> int:
        """Processes that run users: one per worker, or the lone local process."""
        return max(1, self.workers + self.remote_workers)

    def check(self) -> None:
        """Refuse what cannot run, before anything starts."""
        self.settings.check()
        if not self.embedded:
            check_url(self.settings.target)
        if not 0 <= self.workers <= MAX_WORKERS:
            raise LoadError(f"--workers {self.workers} is out of range: 0 (one process) to {MAX_WORKERS}")
        if not 0 <= self.remote_workers <= MAX_WORKERS:
            raise LoadError(f"--remote-workers {self.remote_workers} is out of range: 0 to {MAX_WORKERS}")
        if self.remote_workers:
            reachable_address(self.bind_host)  # none: one line before anything starts
        if self.settings.users is not None and self.settings.users < self.slots:
            raise LoadError(f"--users {self.settings.users} is fewer than the {self.slots} Locust workers")
        if self.faults and not self.embedded:
            raise LoadError("--fault needs --target embedded: the harness must own the backend to break it")
        if not 1 <= self.backend_workers <= MAX_BACKEND_WORKERS:
            raise LoadError(f"--backend-workers {self.backend_workers} is out of range: "
                            f"1 to {MAX_BACKEND_WORKERS}")
        if self.people is not None and not 1 <= self.people <= MAX_PEOPLE:
            raise LoadError(f"--people {self.people} is out of range: 1 to {MAX_PEOPLE:,}")
        if self.people_file and (self.embedded or self.people is not None):
            raise LoadError("--people-file names people an http(s) target already knows: "
                            "not with --target embedded or --people")

    def people_source(self) -> PeopleSource:
        """Where the run's people come from."""
        if self.embedded:
            return PeopleSource("seeded", count=self.people or DEFAULT_PEOPLE, seed=self.population_seed)
        if self.people_file:
            return PeopleSource("file", path=self.people_file)
        if self.people is not None:
            return PeopleSource("seeded", count=self.people, seed=self.population_seed)
        return PeopleSource("provision")


@dataclass
class LoadResult:
    """What a run found."""

    plan: LoadPlan
    summary: Summary
    audit: AuditResult
    checks: list[Check]
    report_dir: Path
    people: str
    fault_error: str | None = None
    remote_commands: list[str] = field(default_factory=list)
    interrupted: str | None = None
    """Why the timed phase ended early (``SIGTERM after 12 s of 60 s``): the figures are partial."""

    @property
    def passed(self) -> bool:
        """Every objective met, the audit clean, every fault injected, the run whole."""
        return (all(c.passed for c in self.checks) and self.audit.clean and self.fault_error is None
                and self.interrupted is None)


def _clean_report_dir(report_dir: Path) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    for name in OWN_FILES:
        (report_dir / name).unlink(missing_ok=True)
    for pattern in (f"{CSV_PREFIX}_*.csv", "locust-*.log", f"{LEDGER_FILE}-*"):
        for path in report_dir.glob(pattern):
            path.unlink()


class _Run:
    """The state of one run while it goes."""

    def __init__(self, request: LoadRequest, say: Callable[[str], None]) -> None:
        self.request = request
        self.say = say
        self.report_dir = request.report_dir.resolve()
        self.target: EmbeddedTarget | None = None
        self.client: BackendClient | None = None
        self.scratch = Path(tempfile.mkdtemp(prefix="apcv-load-material-"))
        self.remote_commands: list[str] = []
        self.interrupted: str | None = None

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.target is not None:
            self.target.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def open_target(self) -> str:
        request = self.request
        if request.embedded:
            source = request.people_source()
            self.say(f"starting the embedded backend ({request.backend_workers} worker(s)) on a new database "
                     f"seeded with {source.count:,} insured")
            self.target = EmbeddedTarget(source.count, source.seed, request.settings.seed,
                                         request.backend_workers)
            url = self.target.url
        else:
            url = request.settings.target.rstrip("/")
        self.client = open_target(url)
        return url

    def materials(self, plan: LoadPlan) -> list[Path]:
        request = self.request
        assert self.client is not None
        source = request.people_source()
        self.say(f"preparing {request.slots} worker slot(s): people from {source.describe()}, wallets, "
                 "tokens and keys")
        materials = prepare_target(self.client, plan, source, request.slots, random.Random())
        return [m.write(self.scratch / f"slot-{m.slot}.json") for m in materials]

    def start_locust(self, plan_path: Path, url: str, materials: list[Path]) -> LocustProcesses:
        request = self.request
        locust = LocustProcesses(self.report_dir)
        common = common_args(self.report_dir, plan_path, url, request.settings.duration_s)
        if request.workers + request.remote_workers == 0:
            locust.start("local", [*common, "--apcv-material", str(materials[0])])
            return locust
        port = request.master_port or free_port()
        bind_host = request.bind_host
        locust.start("master", [*common, *master_args(request.workers + request.remote_workers,
                                                      bind_host, port, self.scratch)])
        for slot in range(request.workers):
            locust.start(f"worker-{slot}", worker_args("127.0.0.1", port))
        if request.remote_workers:
            address = reachable_address(bind_host)
            shown = f"[{address}]" if ":" in address else address
            self.remote_commands.append(f"apcv-hil load-worker --master {shown}:{port}")
            self.say(f"on {request.remote_workers} other machine(s) with apcv-hil {apcv_version()}, run: "
                     f"{self.remote_commands[0]}")
        return locust

    def execute(self) -> LoadResult:
        request = self.request
        request.check()
        url = self.open_target()
        _clean_report_dir(self.report_dir)
        plan = request.settings.plan(url, str(self.report_dir))
        plan_path = plan.write(self.report_dir / PLAN_FILE)
        materials = self.materials(plan)
        locust = self.start_locust(plan_path, url, materials)
        injector = None
        if request.faults and self.target is not None:
            injector = FaultInjector(self.target, list(request.faults), self.report_dir, START_TIMEOUT_S)
            injector.start()
        self.say(f"running {plan.shape.name} load for {request.settings.duration_s:g} s "
                 f"(peak {plan.shape.peak_users} users, mix: {plan.mix.source})")
        try:
            server_cpu = self._wait(locust)
        finally:
            locust.kill()
            if injector is not None:
                injector.stop()
                injector.join(timeout=START_TIMEOUT_S)
        events = [e.to_json() for e in injector.events] if injector else []
        (self.report_dir / FAULTS_FILE).write_text(json.dumps(events, indent=1), encoding="utf-8")
        summary = summarise(self.report_dir, self._wall_s(), server_cpu, events)
        result = audit(self.report_dir / LEDGER_FILE, plan.run_id,
                       backend_db=self._stopped_database(), client=None if self.target else self.client,
                       seed=plan.seed)
        checks = judge(request.slo, summary) if request.slo else []
        return LoadResult(plan, summary, result, checks, self.report_dir, request.people_source().describe(),
                          injector.error if injector else None, self.remote_commands, self.interrupted)

    def _wait(self, locust: LocustProcesses) -> float | None:
        """Wait for the run to end; the embedded server's CPU seconds during it."""
        started = self.report_dir / STARTED_FILE
        deadline = time.monotonic() + START_TIMEOUT_S + self.request.settings.duration_s + 60
        cpu_before = None
        while not started.exists() and locust.processes[0][1].poll() is None and time.monotonic() < deadline:
            if (message := locust.failure()) is not None:
                raise LoadError(message)
            time.sleep(0.05)
        server = self.target.server if self.target is not None else None
        if server is not None:
            cpu_before = server.cpu_seconds()
        try:
            locust.wait(deadline)
        except KeyboardInterrupt as exc:  # SIGTERM or Ctrl-C in the timed phase: keep what ran
            self.interrupted = self._interruption(str(exc) or "Ctrl-C")
            self.say(f"{self.interrupted}: stopping Locust, then summarising what ran")
            locust.stop(STOP_GRACE_S)
        if server is None or cpu_before is None or self.target is None or self.target.server is not server:
            return None  # no embedded server, or it was started again (a fault) and its CPU count with it
        return server.cpu_seconds() - cpu_before

    def _interruption(self, why: str) -> str:
        """``SIGTERM after 12 s of the 60 s run``."""
        started = self.report_dir / STARTED_FILE
        try:
            ran = time.time() - float(json.loads(started.read_text())["at"])
        except (OSError, ValueError, KeyError):
            return why
        return f"{why} after {ran:.0f} s of the {self.request.settings.duration_s:g} s run"

    def _wall_s(self) -> float:
        path = self.report_dir / GENERATOR_FILE
        if path.exists():
            walls = [p["wall_s"] for p in json.loads(path.read_text())["processes"]
                     if p["role"] in ("local", "master")]
            if walls:
                return max(walls)
        return self.request.settings.duration_s

    def _stopped_database(self) -> Path | None:
        if self.target is None:
            return None
        self.target.stop()
        return self.target.db_path


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run_load(request: LoadRequest, say: Callable[[str], None] = lambda _: None) -> LoadResult:
    """Run one load test; :class:`LoadError` for anything that kept it from running.

    SIGTERM ends it like Ctrl-C. In the timed phase, Locust is stopped and what ran is summarised,
    audited and judged as usual, the result saying it was interrupted (:attr:`LoadResult.interrupted`);
    before or after it, the run ends at once. Either way the Locust processes are gone, the embedded
    backend stopped and the scratch folders removed.
    """
    run = _Run(request, say)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if in_main_thread else None
    try:
        return run.execute()
    finally:
        run.close()
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
