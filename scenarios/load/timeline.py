"""Per-second record of what the users saw: requests, failures and why, response times.

Each Locust process keeps one bucket per wall-clock second and hands its buckets over as
rows; rows for the same second from several processes add up (:func:`read_timeline`).
Response times are kept as a histogram rounded like Locust's own statistics, so any window
of seconds has percentiles.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


def rounded_ms(ms: float) -> int:
    """Response time rounded as Locust does: to 1 ms below 100, 10 ms below 1 s, 100 ms above."""
    if ms < 100:
        return round(ms)
    if ms < 1000:
        return int(round(ms, -1))
    return int(round(ms, -2))


@dataclass
class Bucket:
    """One second of requests."""

    requests: int = 0
    failures: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    times: Counter[int] = field(default_factory=Counter)

    def add(self, response_ms: float, error: str | None) -> None:
        """Count one request."""
        self.requests += 1
        self.times[rounded_ms(response_ms)] += 1
        if error is not None:
            self.failures += 1
            self.errors[error] += 1

    def merge(self, other: Bucket) -> None:
        """Add another bucket of the same second."""
        self.requests += other.requests
        self.failures += other.failures
        self.errors.update(other.errors)
        self.times.update(other.times)


class Timeline:
    """Buckets by second, handed over with :meth:`drain`."""

    def __init__(self) -> None:
        self._buckets: dict[int, Bucket] = {}

    def add(self, at: float, response_ms: float, error: str | None) -> None:
        """Count a request that started at ``at`` (POSIX seconds)."""
        second = int(at)
        bucket = self._buckets.get(second)
        if bucket is None:
            bucket = self._buckets[second] = Bucket()
        bucket.add(response_ms, error)

    def drain(self) -> list[list]:
        """The buckets as rows ``[second, requests, failures, errors, times]``, then forget them."""
        rows = [[s, b.requests, b.failures, dict(b.errors), {str(k): v for k, v in b.times.items()}]
                for s, b in sorted(self._buckets.items())]
        self._buckets.clear()
        return rows


def write_rows(stream, rows: Iterable[list]) -> None:
    """Append rows to a JSON-lines timeline."""
    for row in rows:
        stream.write(json.dumps(row, separators=(",", ":")) + "\n")


def read_timeline(path: Path) -> dict[int, Bucket]:
    """Buckets by second from a JSON-lines timeline (rows of the same second added up)."""
    buckets: dict[int, Bucket] = {}
    if not path.exists():
        return buckets
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            second, requests, failures, errors, times = json.loads(line)
            histogram = Counter({int(ms): n for ms, n in times.items()})
            bucket = Bucket(requests, failures, Counter(errors), histogram)
            if second in buckets:
                buckets[second].merge(bucket)
            else:
                buckets[second] = bucket
    return buckets


def window(buckets: dict[int, Bucket], start: float, end: float) -> Bucket:
    """All requests that started in ``[start, end)`` (whole seconds)."""
    total = Bucket()
    for second, bucket in buckets.items():
        if int(start) <= second < end:
            total.merge(bucket)
    return total


def percentile(times: Counter[int], fraction: float) -> float | None:
    """The response time under which ``fraction`` of the requests fall, or None without requests."""
    count = sum(times.values())
    if not count:
        return None
    rank = fraction * count
    seen = 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= rank:
            return float(ms)
    return float(max(times))
