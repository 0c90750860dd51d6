"""The per-second timeline of what the users saw, and the windows the fault report reads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from scenarios.load.timeline import Timeline, percentile, read_timeline, rounded_ms, window, write_rows


def test_response_times_are_rounded_like_locust() -> None:
    assert [rounded_ms(x) for x in (0.4, 7.6, 99.4, 123.0, 987.0, 1234.0, 15_678.0)] == \
        [0, 8, 99, 120, 990, 1200, 15_700]


def test_rows_of_several_processes_add_up_by_second(tmp_path: Path) -> None:
    first, second = Timeline(), Timeline()
    first.add(100.2, 5.0, None)
    first.add(100.9, 250.0, "503 injected_outage")
    second.add(100.5, 7.0, None)
    second.add(101.0, 9.0, "no answer: ConnectionResetError")
    path = tmp_path / "timeline.jsonl"
    with path.open("w") as stream:
        write_rows(stream, first.drain())
        write_rows(stream, second.drain())
    assert first.drain() == []
    buckets = read_timeline(path)
    assert buckets[100].requests == 3 and buckets[100].failures == 1
    assert buckets[100].errors == Counter({"503 injected_outage": 1})
    assert buckets[101].errors == Counter({"no answer: ConnectionResetError": 1})
    whole = window(buckets, 99.5, 102)
    assert whole.requests == 4 and whole.failures == 2
    assert window(buckets, 101, 102).requests == 1
    assert read_timeline(tmp_path / "none.jsonl") == {}


def test_percentiles_of_a_histogram() -> None:
    times = Counter({1: 90, 10: 8, 100: 2})
    assert percentile(times, 0.5) == 1
    assert percentile(times, 0.95) == 10
    assert percentile(times, 0.99) == 100
    assert percentile(Counter(), 0.95) is None
