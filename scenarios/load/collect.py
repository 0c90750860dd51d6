"""Collecting a run's records in the Locust processes and storing them on the master.

Every process that runs users has a :class:`Recorder`: the per-second timeline (fed by
Locust's ``request`` event) and the ledger entries the users make. Workers hand their
records to the master with each statistics report and once more when they stop; the master,
or a lone local process, appends them to the report folder through a :class:`Sink`.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

from scenarios.load.ledger import Ledger, empty_entries
from scenarios.load.timeline import Timeline, write_rows

TIMELINE_FILE = "timeline.jsonl"
LEDGER_FILE = "ledger.sqlite3"
GENERATOR_FILE = "generator.json"
STARTED_FILE = "started.json"


def error_kind(exception: BaseException | None) -> str | None:
    """A request failure in a few words (the users' failure messages are already short)."""
    if exception is None:
        return None
    text = str(exception).strip() or type(exception).__name__
    return text.splitlines()[0][:80]


class Recorder:
    """What one Locust process saw and was told, until handed over."""

    def __init__(self) -> None:
        self.timeline = Timeline()
        self.entries = empty_entries()
        self.cpu_started: float | None = None
        self.wall_started: float | None = None

    def on_request(self, response_time: float, exception: BaseException | None,
                   start_time: float | None = None, **_: Any) -> None:
        """Locust's ``request`` event."""
        self.timeline.add(start_time if start_time is not None else time.time(), response_time,
                          error_kind(exception))

    def record(self, table: str, *row: Any) -> None:
        """A ledger row (see :mod:`scenarios.load.ledger`)."""
        self.entries[table].append(row)

    def drain(self) -> dict[str, Any]:
        """Everything since the last drain, as plain data for the master."""
        entries, self.entries = self.entries, empty_entries()
        return {"timeline": self.timeline.drain(), "ledger": entries}

    def start_clock(self) -> None:
        """The timed phase starts: note this process's CPU and wall clock."""
        self.cpu_started, self.wall_started = time.process_time(), time.time()

    def usage(self, role: str, slot: int | None, minted: dict[str, int]) -> dict[str, Any]:
        """This process's CPU seconds and wall seconds since :meth:`start_clock`."""
        cpu = time.process_time() - self.cpu_started if self.cpu_started is not None else 0.0
        wall = time.time() - self.wall_started if self.wall_started is not None else 0.0
        return {"role": role, "slot": slot, "host": socket.gethostname(), "cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3), "minted_during_run": minted}


class Sink:
    """The report folder's timeline, ledger and generator usage, written by the master."""

    def __init__(self, report_dir: Path) -> None:
        self.report_dir = report_dir
        self._timeline = (report_dir / TIMELINE_FILE).open("a", encoding="utf-8")
        self._ledger = Ledger(report_dir / LEDGER_FILE)
        self.processes: list[dict[str, Any]] = []

    def absorb(self, data: dict[str, Any]) -> None:
        """Store a drained record of any process."""
        write_rows(self._timeline, data.get("timeline", ()))
        self._timeline.flush()
        self._ledger.add(data.get("ledger", {}))
        if usage := data.get("usage"):
            self.processes.append(usage)

    def mark_started(self) -> None:
        """Note when the timed phase started (the fault injector waits for it)."""
        (self.report_dir / STARTED_FILE).write_text(json.dumps({"at": time.time()}), encoding="utf-8")

    def close(self) -> None:
        """Write the generator's usage and close the files."""
        (self.report_dir / GENERATOR_FILE).write_text(json.dumps({"processes": self.processes}, indent=1),
                                                      encoding="utf-8")
        self._timeline.close()
        self._ledger.close()
