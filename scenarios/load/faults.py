"""Faults under load: kill a backend worker, slow the database, answer 5xx for a while.

Faults are data: ``NAME[@AT][+FOR]`` (``kill-worker@10s``, ``slow-db@5s+8s``, ``5xx@20s+5s``),
times from the start of the timed phase (default: at 30 % of the run, for 20 % of it). They
need ``--target embedded``: the harness must own the backend to break it. A
:class:`FaultInjector` thread waits for the timed phase, injects each fault at its time and
records when it was on, so the summary can say what the users saw meanwhile.

- ``kill-worker``: SIGKILL one uvicorn worker; the server's supervisor starts a new one (a
  single-worker server is killed whole and started again by the injector, on the same
  database): the fault lasts until the service answers again;
- ``slow-db``: hold SQLite's write lock for 400 ms in every 500 ms: every write (spending a
  token, storing a claim, an activation) queues behind it;
- ``5xx``: every request gets 503 (the backend's injected-outage switch, a fault file).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from scenarios.load.collect import STARTED_FILE
from scenarios.load.embedded import EmbeddedTarget
from scenarios.load.errors import LoadError
from scenarios.load.settings import parse_duration

FAULTS = ("kill-worker", "slow-db", "5xx")
DEFAULT_AT = 0.3
DEFAULT_FOR = 0.2
SLOW_DB_HOLD_S = 0.4
SLOW_DB_GAP_S = 0.1
OUTAGE_STATUS = 503
RECOVERY_TIMEOUT_S = 60.0
_SPEC = re.compile(r"(?P<name>[a-z0-9-]+)(?:@(?P<at>[^+]+))?(?:\+(?P<for>.+))?")


@dataclass(frozen=True)
class FaultSpec:
    """A fault to inject, ``at_s`` seconds into the timed phase, for ``for_s`` seconds."""

    name: str
    at_s: float
    for_s: float

    @property
    def label(self) -> str:
        """``name@ATs+FORs`` (``name@ATs`` for a kill, which lasts until the service answers again)."""
        if self.name == "kill-worker":
            return f"{self.name}@{self.at_s:g}s"
        return f"{self.name}@{self.at_s:g}s+{self.for_s:g}s"


def parse_fault(text: str, duration_s: float) -> FaultSpec:
    """A fault from ``NAME[@AT][+FOR]``; :class:`LoadError` naming what is wrong."""
    match = _SPEC.fullmatch(text.strip())
    if match is None or match["name"] not in FAULTS:
        name = match["name"] if match else text
        raise LoadError(f"--fault {text!r}: unknown fault {name!r}; choose one of {', '.join(FAULTS)} "
                        "(as NAME[@AT][+FOR], e.g. 5xx@10s+5s)")
    try:
        at = parse_duration(match["at"]) if match["at"] else DEFAULT_AT * duration_s
        length = parse_duration(match["for"]) if match["for"] else DEFAULT_FOR * duration_s
    except LoadError:
        raise LoadError(f"--fault {text!r}: AT and FOR are durations such as 10s or 1m") from None
    if at + (0 if match["name"] == "kill-worker" else length) >= duration_s:
        raise LoadError(f"--fault {text!r}: it must end before the run does ({duration_s:g} s)")
    if length <= 0 and match["name"] != "kill-worker":
        raise LoadError(f"--fault {text!r}: FOR must be above 0 s")
    return FaultSpec(match["name"], at, length)


@dataclass
class FaultEvent:
    """A fault as it happened (POSIX seconds) and what the injector did."""

    name: str
    label: str
    started_at: float
    ended_at: float
    detail: str

    def to_json(self) -> dict:
        """Plain data."""
        return asdict(self)


class FaultInjector(threading.Thread):
    """Injects the faults into an embedded target, timed from the start of the timed phase."""

    def __init__(self, target: EmbeddedTarget, faults: list[FaultSpec], report_dir: Path,
                 start_timeout_s: float) -> None:
        super().__init__(name="fault-injector", daemon=True)
        self.target = target
        self.faults = sorted(faults, key=lambda f: f.at_s)
        self.started_file = report_dir / STARTED_FILE
        self.start_timeout_s = start_timeout_s
        self.events: list[FaultEvent] = []
        self.error: str | None = None
        self._halt = threading.Event()

    def stop(self) -> None:
        """Give up waiting (the run ended)."""
        self._halt.set()

    def _start_time(self) -> float | None:
        deadline = time.monotonic() + self.start_timeout_s
        while not self._halt.is_set() and time.monotonic() < deadline:
            if self.started_file.exists():
                try:
                    return float(json.loads(self.started_file.read_text())["at"])
                except (ValueError, KeyError, OSError):
                    pass
            time.sleep(0.05)
        return None

    def run(self) -> None:
        """Wait for the timed phase, then inject each fault at its time."""
        start = self._start_time()
        if start is None:
            return
        for fault in self.faults:
            if self._halt.wait(max(0.0, start + fault.at_s - time.time())):
                return
            try:
                self.events.append(self._inject(fault))
            except (OSError, sqlite3.Error, httpx.HTTPError, LoadError) as exc:
                self.error = f"fault {fault.label} could not be injected: {exc}"
                return

    def _inject(self, fault: FaultSpec) -> FaultEvent:
        if fault.name == "kill-worker":
            return self._kill_worker(fault)
        if fault.name == "slow-db":
            return self._slow_db(fault)
        return self._outage(fault)

    def _kill_worker(self, fault: FaultSpec) -> FaultEvent:
        server = self.target.server
        workers = server.worker_pids()
        started = time.time()
        if not workers:  # a single-process server: kill it, start it again
            took = self.target.restart()
            return FaultEvent(fault.name, fault.label, started, time.time(), "killed the single-process "
                              f"server (SIGKILL) and started it again in {took:.1f} s")
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + RECOVERY_TIMEOUT_S
        while time.monotonic() < deadline:
            replacement = [pid for pid in server.worker_pids() if pid not in workers]
            if replacement and self._answers():
                return FaultEvent(fault.name, fault.label, started, time.time(), f"SIGKILL to worker "
                                  f"{victim}; the server's supervisor started worker {replacement[0]}")
            time.sleep(0.05)
        raise LoadError(f"no new worker answered within {RECOVERY_TIMEOUT_S:.0f} s after killing {victim}")

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.target.url}/v1/health", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def _slow_db(self, fault: FaultSpec) -> FaultEvent:
        started = time.time()
        end = started + fault.for_s
        holds = 0
        conn = sqlite3.connect(self.target.db_path, timeout=30, isolation_level=None)
        try:
            while time.time() < end and not self._halt.is_set():
                conn.execute("BEGIN IMMEDIATE")
                time.sleep(min(SLOW_DB_HOLD_S, max(0.0, end - time.time())))
                conn.execute("COMMIT")
                holds += 1
                time.sleep(SLOW_DB_GAP_S)
        finally:
            conn.close()
        return FaultEvent(fault.name, fault.label, started, time.time(),
                          f"held the database's write lock {SLOW_DB_HOLD_S * 1000:.0f} ms in every "
                          f"{(SLOW_DB_HOLD_S + SLOW_DB_GAP_S) * 1000:.0f} ms ({holds} times)")

    def _outage(self, fault: FaultSpec) -> FaultEvent:
        started = time.time()
        end = started + fault.for_s
        temporary = self.target.fault_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"outages": [[started, end, OUTAGE_STATUS]]}), encoding="utf-8")
        temporary.replace(self.target.fault_file)
        self._halt.wait(max(0.0, end - time.time()))
        return FaultEvent(fault.name, fault.label, started, end,
                          f"every request answered {OUTAGE_STATUS} for {fault.for_s:g} s")
