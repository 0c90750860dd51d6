"""The master hands each Locust worker the plan and one slot's material over Locust's own channel.

Nothing is copied by hand and no folder is shared: a worker (``apcv-hil load-worker --master
HOST:PORT``, here or on another machine) connects to the master as any Locust worker does,
then, once its own listeners are in place, sends ``apcv_hello`` with its apcv-hil version
(Locust's custom messages). The master answers ``apcv_material`` with the plan and the next
free slot's material, or ``apcv_refused`` with the reason: another apcv-hil version (the
master then stops the run, naming the worker and the version to install, and the worker ends
at once), or no slot left (the worker quits).
Material is synthetic test data made for this run; Locust's channel is not encrypted, as for
any Locust run, so workers belong on a network the run's operators trust.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from scenarios.load.errors import LoadError
from scenarios.load.locust_processes import ERROR_MARK
from scenarios.load.material import FORMAT as MATERIAL_FORMAT
from scenarios.load.material import Material
from scenarios.load.plan import LoadPlan
from scenarios.load.version import apcv_version

HELLO = "apcv_hello"
MATERIAL = "apcv_material"
REFUSED = "apcv_refused"
QUIT_AFTER_S = 0.5


def _machine(client_id: str) -> str:
    """The host name in a Locust client id (``HOST_HEX``)."""
    return client_id.rsplit("_", 1)[0] or client_id


def say_error(message: str) -> None:
    """The one error line ``apcv-hil load`` reports, on standard error at once."""
    print(f"{ERROR_MARK}{message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    """End this Locust process with the one error line ``apcv-hil load`` reports, exit code 2
    (before the runner runs: from the init hook)."""
    say_error(message)
    sys.exit(2)


def stop_with_error(environment: Environment, message: str) -> None:
    """From a message handler: say the one error line and quit the runner, so that Locust shuts
    down with exit code 2 (an exception there would only be logged)."""
    say_error(message)
    environment.process_exit_code = 2
    gevent.spawn_later(QUIT_AFTER_S, environment.runner.quit)  # the refusal leaves first


def material_files(folder: str | Path) -> list[Path]:
    """The slot files ``apcv-hil load`` wrote for the workers, in slot order."""
    found = sorted(Path(folder).glob("slot-*.json"), key=lambda p: int(p.stem.split("-")[1]))
    if not found:
        raise LoadError(f"no worker material (slot-N.json) in {folder}")
    return found


class MaterialDealer:
    """Master: one slot's material to each worker that says hello with the same apcv-hil version
    (``folder`` None: a plain ``locust --master``, which has none and refuses every worker)."""

    def __init__(self, runner: MasterRunner, plan: LoadPlan, folder: str | Path | None) -> None:
        self.runner = runner
        self.plan = plan.to_json()
        self.prepared = folder is not None
        self.free = material_files(folder) if folder is not None else []
        self.given: dict[str, Path] = {}
        self.version = apcv_version()
        runner.register_message(HELLO, self.on_hello)

    def _abandon(self, reason: str) -> None:
        """Stop the whole run with one error line, exit code 2. Locust's master keeps waiting for
        its expected workers after ``quit()``, so once the other workers are told to quit (and the
        refusal has left), the process ends at once: a run with a mismatched worker has no result."""
        say_error(reason)

        def end() -> None:
            self.runner.quit()
            sys.stderr.flush()
            os._exit(2)

        gevent.spawn_later(QUIT_AFTER_S, end)

    def on_hello(self, environment: Environment, msg: Any, **_: Any) -> None:
        """A worker is ready for its material."""
        worker = msg.node_id
        theirs = str((msg.data or {}).get("version", "unknown"))
        if theirs != self.version:
            reason = (f"the Locust worker on {_machine(worker)} runs apcv-hil {theirs} and this master "
                      f"{self.version}: install apcv-hil {self.version} there")
            self.runner.send_message(REFUSED, {"reason": reason, "run_ends": True}, client_id=worker)
            self._abandon(reason)
            return
        if not self.prepared:
            reason = ("this Locust master has no material for its workers: start distributed runs with "
                      "'apcv-hil load --workers N' or '--remote-workers N'")
            self.runner.send_message(REFUSED, {"reason": reason}, client_id=worker)
            return
        if worker not in self.given:
            if not self.free:
                self.runner.send_message(REFUSED, {"reason": f"this run prepared material for "
                                                   f"{len(self.given)} workers and each has joined: "
                                                   "this worker is one too many"}, client_id=worker)
                return
            self.given[worker] = self.free.pop(0)
        material = json.loads(self.given[worker].read_text(encoding="utf-8"))
        self.runner.send_message(MATERIAL, {"plan": self.plan, "material": material}, client_id=worker)


class MaterialTaker:
    """Worker: asks the master for the plan and a slot, then ``on_ready(plan, material)``."""

    def __init__(self, runner: WorkerRunner, on_ready: Callable[[LoadPlan, Material], None]) -> None:
        self.runner = runner
        self.on_ready = on_ready
        self.received = False
        runner.register_message(MATERIAL, self.on_material)
        runner.register_message(REFUSED, self.on_refused)
        runner.send_message(HELLO, {"version": apcv_version()})

    def on_material(self, environment: Environment, msg: Any, **_: Any) -> None:
        """The plan and this worker's material arrived."""
        if self.received:
            return
        data = msg.data or {}
        material = data.get("material") or {}
        if material.get("format") != MATERIAL_FORMAT:
            stop_with_error(environment, f"the master sent material of format {material.get('format')!r}, "
                            f"this worker reads {MATERIAL_FORMAT}: install the master's apcv-hil version")
            return
        try:
            plan, slot = LoadPlan.from_json(data["plan"]), Material.from_json(material)
        except (KeyError, TypeError, ValueError) as exc:
            stop_with_error(environment, f"the master's plan or material is damaged: {exc!r}")
            return
        self.received = True
        self.on_ready(plan, slot)

    def on_refused(self, environment: Environment, msg: Any, **_: Any) -> None:
        """The master will not give this worker a slot. When the master ends the whole run, the
        worker ends at once with its one error line: it holds no material and no result, and
        stopping Locust's users while the master's own quit arrives could print a traceback."""
        data = msg.data or {}
        reason = str(data.get("reason", "the master refused this worker"))
        if data.get("run_ends"):
            say_error(reason)
            os._exit(2)
        stop_with_error(environment, reason)
