"""Our summary of a run, from Locust's CSV and our own records in the report folder.

Per endpoint: requests, failures, p50/p95/p99 and throughput (Locust's ``*_stats.csv``);
what failed and why (``*_failures.csv``); the load generator's own CPU (``generator.json``)
beside the embedded server's; and for each fault, what the users saw while it was on
(``timeline.jsonl``, ``faults.json``).
"""

from __future__ import annotations

import csv
import json
import os
import re
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scenarios.load.collect import GENERATOR_FILE, TIMELINE_FILE
from scenarios.load.timeline import Bucket, percentile, read_timeline, window

CSV_PREFIX = "locust"
_CAUGHT = re.compile(r"CatchResponseError\(['\"](.*)['\"]\)")
AGGREGATED = "Aggregated"
BEFORE_FAULT_S = 10
AFTER_FAULT_S = 30
"""How long after a fault ends its effects are looked for (failures, slow answers)."""


@dataclass(frozen=True)
class EndpointFigures:
    """One request name's figures (or all of them, ``Aggregated``)."""

    method: str
    name: str
    requests: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    rps: float

    @property
    def error_rate(self) -> float:
        """Failed share of the requests (0 without requests)."""
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class FaultEffect:
    """What the users saw during one fault and until it stopped showing (or the next fault began)."""

    fault: str
    detail: str
    started_at: float
    lasted_s: float
    requests: int
    failures: int
    errors: dict[str, int]
    p95_before_ms: float | None
    p95_during_ms: float | None
    failures_after: int
    """Failures once the fault was over (retries that gave up, answers lost)."""
    failing_until_s: float | None
    """Seconds after the fault ended that the last failure was seen (None: no failure at all)."""


@dataclass
class Summary:
    """Everything the report says about a run."""

    endpoints: list[EndpointFigures]
    total: EndpointFigures
    failures: list[dict[str, Any]]
    wall_s: float
    generator: list[dict[str, Any]]
    generator_cpu_s: float
    generator_cpu_share: float
    """Share of this machine's CPU the local load generator processes used."""
    server_cpu_s: float | None
    server_cpu_share: float | None
    cores: int
    minted_during_run: dict[str, int]
    faults: list[FaultEffect] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain data."""
        data = asdict(self)
        for entry, figures in zip(data["endpoints"], self.endpoints, strict=True):
            entry["error_rate"] = figures.error_rate
        data["total"]["error_rate"] = self.total.error_rate
        return data


def _number(text: str) -> float | None:
    return None if text in ("", "N/A") else float(text)


def read_stats(report_dir: Path) -> tuple[list[EndpointFigures], EndpointFigures]:
    """Per-endpoint figures and the aggregate from Locust's stats CSV."""
    rows = []
    with (report_dir / f"{CSV_PREFIX}_stats.csv").open(newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            rows.append(EndpointFigures(row["Type"], row["Name"], int(row["Request Count"]),
                                        int(row["Failure Count"]), _number(row["50%"]), _number(row["95%"]),
                                        _number(row["99%"]), float(row["Requests/s"])))
    total = next((r for r in rows if r.name == AGGREGATED),
                 EndpointFigures("", AGGREGATED, 0, 0, None, None, None, 0.0))
    return [r for r in rows if r.name != AGGREGATED], total


def read_failures(report_dir: Path) -> list[dict[str, Any]]:
    """Locust's failures CSV: method, name, error, occurrences."""
    path = report_dir / f"{CSV_PREFIX}_failures.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as stream:
        return [{"method": r["Method"], "name": r["Name"], "error": _failure_text(r["Error"]),
                 "occurrences": int(r["Occurrences"])} for r in csv.DictReader(stream)]


def _failure_text(error: str) -> str:
    """A user's failure message without Locust's wrapping (``CatchResponseError('503 unavailable')``)."""
    match = _CAUGHT.fullmatch(error)
    return match[1] if match else error


def fault_effect(event: dict[str, Any], next_start: float, buckets: dict[int, Bucket]) -> FaultEffect:
    """What the users saw from a fault's start to :data:`AFTER_FAULT_S` after its end (or the next fault)."""
    start, end = event["started_at"], event["ended_at"]
    tail_end = min(end + AFTER_FAULT_S, next_start)
    before = window(buckets, start - BEFORE_FAULT_S, start)
    during = window(buckets, start, max(end, start + 1))
    after = window(buckets, max(end, start + 1), tail_end)
    failing = [s for s, b in buckets.items() if int(start) <= s < tail_end and b.failures]
    return FaultEffect(event["label"], event["detail"], start, round(end - start, 3), during.requests,
                       during.failures, dict(during.errors.most_common(6)), percentile(before.times, 0.95),
                       percentile(during.times, 0.95), after.failures,
                       round(max(0.0, max(failing) + 1 - end), 1) if failing else None)


def fault_effects(events: list[dict[str, Any]], buckets: dict[int, Bucket]) -> list[FaultEffect]:
    """:func:`fault_effect` of each fault, in time order."""
    ordered = sorted(events, key=lambda e: e["started_at"])
    ends = [following["started_at"] for following in ordered[1:]] + [float("inf")]
    return [fault_effect(event, end, buckets) for event, end in zip(ordered, ends, strict=False)]


def summarise(report_dir: Path, wall_s: float, server_cpu_s: float | None,
              fault_events: list[dict[str, Any]]) -> Summary:
    """The summary of the run whose files are in ``report_dir``."""
    endpoints, total = read_stats(report_dir)
    generator_file = report_dir / GENERATOR_FILE
    processes = json.loads(generator_file.read_text())["processes"] if generator_file.exists() else []
    cores = os.cpu_count() or 1
    local = [p for p in processes if p.get("host") == socket.gethostname()]
    cpu = sum(p["cpu_s"] for p in local)
    minted: dict[str, int] = {}
    for process in processes:
        for kind, n in process.get("minted_during_run", {}).items():
            minted[kind] = minted.get(kind, 0) + n
    buckets = read_timeline(report_dir / TIMELINE_FILE) if fault_events else {}
    return Summary(endpoints, total, read_failures(report_dir), round(wall_s, 3), processes, round(cpu, 3),
                   cpu / (wall_s * cores) if wall_s else 0.0,
                   None if server_cpu_s is None else round(server_cpu_s, 3),
                   None if server_cpu_s is None else server_cpu_s / (wall_s * cores) if wall_s else 0.0,
                   cores, minted, fault_effects(fault_events, buckets))
