"""What the locustfile wires into Locust: its options and the listeners of a run.

With ``--apcv-plan`` and ``--apcv-material`` (what ``apcv-hil load`` passes to a single
process) a process reads the prepared run; a master gets ``--apcv-plan`` and
``--apcv-materials FOLDER`` and hands each worker the plan and a slot's material over
Locust's channel (:mod:`scenarios.load.distribute`), so a worker needs no file. Without them,
a plain ``locust`` run prepares itself from its options before the timed phase: it checks the
target, finds (or registers) its people, activates wallets and mints tokens; a backend that
does not know the people it was said to be seeded with is named in one line, not 404 after 404.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from pathlib import Path
from typing import Any

import gevent
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import LocalRunner, MasterRunner, Runner, WorkerRunner

from apcv.errors import ApcvError
from scenarios.load import runtime
from scenarios.load.collect import Recorder, Sink
from scenarios.load.distribute import MaterialDealer, MaterialTaker, fail
from scenarios.load.errors import LoadError
from scenarios.load.material import Material, read_material
from scenarios.load.plan import LoadPlan, read_plan
from scenarios.load.settings import DEFAULT_DATE, LoadSettings
from scenarios.load.setup import PeopleSource, prepare_target
from scenarios.load.shapes import SHAPES
from scenarios.load.supply import Supply
from scenarios.load.target import open_target
from scenarios.load.users import USER_CLASSES

FINAL_MESSAGE = "apcv_final"
WORKER_QUIT_AFTER_S = 1.0
LOCAL_DRAIN_S = 2.0
PLAIN_DEFAULT_RUN_TIME_S = 60


def add_options(parser: LocustArgumentParser) -> None:
    """The locustfile's options (``init_command_line_parser``)."""
    group = parser.add_argument_group("apcv-hil", "The insurer-backend load run (docs/load.md)")
    group.add_argument("--apcv-plan", help="Plan of the run, written by apcv-hil load.")
    group.add_argument("--apcv-material", help="This process's prepared material, written by apcv-hil load.")
    group.add_argument("--apcv-materials",
                       help="Master: folder of the workers' material (slot-N.json), sent to each worker.")
    group.add_argument("--apcv-shape", choices=SHAPES, default="constant",
                       help="Load shape (with scenarios/load/shapefile.py).")
    group.add_argument("--apcv-date", default=DEFAULT_DATE.isoformat(),
                       help="Date whose rollout mix (and hourly profile) is played.")
    group.add_argument("--apcv-share", type=float, help="Share of France for the rollout shape.")
    group.add_argument("--apcv-mix", default="rollout",
                       help="rollout, or practice=P,phone=P,activation=P,operator=P.")
    group.add_argument("--apcv-user-rate", type=float, default=1.0, help="Requests per second per user.")
    group.add_argument("--apcv-seed", type=int, default=0, help="The backend's --seed (caller directory).")
    group.add_argument("--apcv-people", type=int,
                       help="The backend was seeded with this many insured (--seed-population); "
                            "without it (and --apcv-people-file) the run registers its own people.")
    group.add_argument("--apcv-population-seed", type=int, default=0, help="The backend's --population-seed.")
    group.add_argument("--apcv-people-file", help="JSON lines of insured people the backend knows.")
    group.add_argument("--apcv-report", help="Folder for the timeline, the ledger and the generator's CPU.")


def _fail(exc: ApcvError) -> None:
    fail(str(exc))


def _plain_plan(environment: Environment) -> LoadPlan:
    options = environment.parsed_options
    if not environment.host:
        raise LoadError("give the backend's URL with --host (e.g. --host http://127.0.0.1:8600)")
    try:
        day = dt.date.fromisoformat(options.apcv_date)
    except ValueError:
        raise LoadError(f"--apcv-date {options.apcv_date!r} is not a date (YYYY-MM-DD)") from None
    settings = LoadSettings(target=environment.host, shape=options.apcv_shape, users=options.num_users,
                            spawn_rate=options.spawn_rate,
                            duration_s=float(options.run_time or PLAIN_DEFAULT_RUN_TIME_S), date=day,
                            share=options.apcv_share, mix=options.apcv_mix,
                            requests_per_user_s=options.apcv_user_rate, seed=options.apcv_seed)
    return settings.plan(environment.host.rstrip("/"), options.apcv_report)


def _plain_source(options: Any) -> PeopleSource:
    if options.apcv_people_file:
        return PeopleSource("file", path=options.apcv_people_file)
    if options.apcv_people is not None:
        return PeopleSource("seeded", count=options.apcv_people, seed=options.apcv_population_seed)
    return PeopleSource("provision")


def apply_plan(plan: LoadPlan) -> None:
    """Each user class's weight and pace from the plan (weight 0: not run)."""
    for kind, user_class in USER_CLASSES.items():
        chosen = plan.users.get(kind)
        user_class.weight = chosen.weight if chosen else 0
        user_class.pace_s = chosen.pace_s if chosen else 1.0


class RunListeners:
    """The listeners of one Locust process."""

    def __init__(self, environment: Environment, runner: Runner, report_dir: str | None, recorder: Recorder,
                 slot: int | None) -> None:
        self.environment = environment
        self.runner = runner
        self.recorder = recorder
        self.slot = slot
        """The worker slot (None on a master, and on a worker until its material arrives)."""
        keeps_records = report_dir is not None and not isinstance(runner, WorkerRunner)
        self.sink = Sink(Path(report_dir)) if keeps_records else None
        self._final_sent = False
        self._drainer: gevent.Greenlet | None = None
        events = environment.events
        events.test_start.add_listener(self.on_test_start)
        events.test_stop.add_listener(self.on_test_stop)
        events.quitting.add_listener(self.on_quitting)
        if isinstance(runner, WorkerRunner):
            events.report_to_master.add_listener(self.on_report_to_master)
        if isinstance(runner, MasterRunner):
            events.worker_report.add_listener(self.on_worker_report)
            runner.register_message(FINAL_MESSAGE, self.on_final)

    @property
    def role(self) -> str:
        """master, worker or local."""
        return {MasterRunner: "master", WorkerRunner: "worker"}.get(type(self.runner), "local")

    def _usage(self) -> dict[str, Any]:
        minted = {}
        if self.slot is not None:  # a master has none, nor a worker whose material never came
            minted = dict(runtime.current().supply.minted_during_run)
        return self.recorder.usage(self.role, self.slot, minted)

    def on_test_start(self, **_: Any) -> None:
        """The timed phase starts."""
        self.recorder.start_clock()
        self._final_sent = False
        if self.sink is not None:
            self.sink.mark_started()
        if self.sink is not None and isinstance(self.runner, LocalRunner):
            self._drainer = gevent.spawn(self._drain_locally)

    def _drain_locally(self) -> None:
        while True:
            gevent.sleep(LOCAL_DRAIN_S)
            self.sink.absorb(self.recorder.drain())

    def on_report_to_master(self, data: dict[str, Any], **_: Any) -> None:
        """Worker: send the records so far with the statistics."""
        data["apcv"] = self.recorder.drain()

    def on_worker_report(self, data: dict[str, Any], **_: Any) -> None:
        """Master: store a worker's records."""
        if self.sink is not None and "apcv" in data:
            self.sink.absorb(data["apcv"])

    def on_final(self, environment: Environment, msg: Any, **_: Any) -> None:
        """Master: a worker's last records and its CPU use."""
        if self.sink is not None:
            self.sink.absorb(msg.data)

    def on_test_stop(self, **_: Any) -> None:
        """The timed phase is over: hand over the rest and the CPU used."""
        if self._final_sent:
            return
        self._final_sent = True
        if self._drainer is not None:
            self._drainer.kill()
        if isinstance(self.runner, WorkerRunner):
            # the statistics and records of the last seconds go now, before the worker reports stopping
            self.runner._send_stats()
            self.runner.send_message(FINAL_MESSAGE, {"usage": self._usage()})
            # one run per worker: once it has reported stopping, the master forgets it (and would
            # never send it "quit"), so it quits by itself, on this machine or another
            gevent.spawn_later(WORKER_QUIT_AFTER_S, self.runner.quit)
            return
        if self.sink is not None:
            self.sink.absorb({**self.recorder.drain(), "usage": self._usage()})

    def on_quitting(self, **_: Any) -> None:
        """Close the report files."""
        if self.sink is not None:
            self.sink.absorb(self.recorder.drain())
            self.sink.close()
            self.sink = None


def _install(environment: Environment, plan: LoadPlan, material: Material, recorder: Recorder) -> None:
    """Make ``plan`` and ``material`` this process's run and record its requests."""
    apply_plan(plan)
    runtime.install_plan(plan)
    runtime.install(runtime.Runtime(plan, Supply(material, random.Random()), material.slot, recorder))
    environment.events.request.add_listener(recorder.on_request)


def on_init(environment: Environment, runner: Runner, **_: Any) -> None:
    """Read (or prepare, or ask the master for) the run before the timed phase; one error line
    and exit code 2 if it cannot be."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines would carry NIRs
    options = environment.parsed_options
    recorder = Recorder()
    try:
        if isinstance(runner, WorkerRunner):
            if options.apcv_plan or options.apcv_material:
                raise LoadError("a worker gets its plan and material from the master: start it with "
                                "'apcv-hil load-worker --master HOST:PORT' (no --apcv-plan, --apcv-material)")
            listeners = RunListeners(environment, runner, None, recorder, None)
            environment.apcv_listeners = listeners

            def ready(plan: LoadPlan, material: Material) -> None:
                _install(environment, plan, material, recorder)
                listeners.slot = material.slot

            environment.apcv_taker = MaterialTaker(runner, ready)
            return
        plan = read_plan(options.apcv_plan) if options.apcv_plan else _plain_plan(environment)
        apply_plan(plan)
        runtime.install_plan(plan)
        slot = None
        if isinstance(runner, MasterRunner):
            environment.apcv_dealer = MaterialDealer(runner, plan, options.apcv_materials)
        else:
            if options.apcv_material:
                material = read_material(options.apcv_material)
            else:
                client = open_target(plan.target)
                try:
                    material = prepare_target(client, plan, _plain_source(options), 1)[0]
                finally:
                    client.close()
            slot = material.slot
            _install(environment, plan, material, recorder)
        environment.apcv_listeners = RunListeners(environment, runner, plan.report_dir, recorder, slot)
    except ApcvError as exc:
        _fail(exc)
