"""Load capacity: the highest request rate the embedded backend holds within the default SLO,
with Locust (the load generator) on the same 2-core machine.

``apcv-hil load --target embedded --shape step`` (through its library) climbs ``--steps``
stairs of users up to ``--peak-users``, each user asking ``--user-rate`` requests per second.
A stair *holds* when, over its last seconds, the default SLO (``scenarios/load/slo/default.yaml``:
errors, p95, p99 of all requests) is met and the achieved rate is at least 90 % of the offered
one; the capacity is the best achieved rate of a stair that holds. Beside it, the raw figure of
``benchmarks/backend_throughput.py`` measured in the same run (before and after the Locust
run, same server settings: pre-built requests replayed over 8 keep-alive connections), the
ratio (target: at least one half), and the CPU the Locust processes used.

``--mix raw`` (default) gives Locust the raw benchmark's work: practice software verifying
NFC presentations and looking up rights, no claims. ``--mix rollout`` plays the rollout
model's users instead (QR and NFC, claims, receipts, activations, operators).

    .venv/bin/python benchmarks/load_capacity.py [--peak-users 200] [--user-rate 12] [--steps 10]
        [--step-seconds 10] [--workers 0] [--mix raw|rollout] [--people 10000] [--raw-requests 6000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import backend_throughput

from scenarios.load.collect import STARTED_FILE, TIMELINE_FILE
from scenarios.load.run import LoadRequest, run_load
from scenarios.load.settings import LoadSettings
from scenarios.load.slo import default_slo
from scenarios.load.timeline import percentile, read_timeline, window
from simulators.backend.db import make_engine
from simulators.backend.seeding import seed_population
from simulators.population.generator import generate_practitioners

HOLD_SHARE = 0.9
TARGET_RATIO = 0.5


def raw_rps(people: int, requests: int, folder: Path, label: str) -> float:
    """Median requests/s of backend_throughput's rounds against a fresh 2-worker server."""
    url = f"sqlite:///{folder / f'raw-{label}.sqlite3'}"
    engine = make_engine(url)
    seed_population(engine, people, 0)
    engine.dispose()
    args = argparse.Namespace(workers=2, requests=requests, rounds=2, load_processes=1, concurrency=8)
    rpps = next(iter(generate_practitioners(1, 0))).rpps
    rounds = backend_throughput.measure({people: url}, args, rpps)[people]
    return statistics.median(r["rps"] for r in rounds)


def stairs(report: Path, steps: int, step_s: float, peak: int, rate: float) -> list[dict]:
    """Offered and achieved rate, p95, p99 and error rate over the settled part of each stair."""
    buckets = read_timeline(report / TIMELINE_FILE)
    start = json.loads((report / STARTED_FILE).read_text())["at"]
    settle = min(3.0, step_s / 3)
    out = []
    for i in range(steps):
        begin, end = start + i * step_s + settle, start + (i + 1) * step_s
        seen = window(buckets, begin, end)
        users = -(-peak * (i + 1) // steps)
        out.append({"users": users, "offered": users * rate, "achieved": seen.requests / (end - int(begin)),
                    "p95": percentile(seen.times, 0.95), "p99": percentile(seen.times, 0.99),
                    "errors": seen.failures / seen.requests if seen.requests else 1.0})
    return out


def holds(stair: dict) -> bool:
    """The default SLO over all requests, and the offered rate served."""
    slo = default_slo()
    limits = slo.every_endpoint
    assert limits is not None and limits.p95_ms is not None and limits.p99_ms is not None
    fast = stair["p95"] is not None and stair["p95"] <= limits.p95_ms and stair["p99"] <= limits.p99_ms
    return (fast and stair["errors"] <= (slo.error_rate or 0)
            and stair["achieved"] >= HOLD_SHARE * stair["offered"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peak-users", type=int, default=200)
    parser.add_argument("--user-rate", type=float, default=12.0, help="requests per second per user")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=0, help="Locust workers (0: one Locust process)")
    parser.add_argument("--mix", choices=("raw", "rollout"), default="raw")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--raw-requests", type=int, default=6000, help="requests per raw round")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{cores} cores, load average {os.getloadavg()[0]:.2f}; embedded backend: 2 uvicorn workers, "
          f"SQLite, {args.people:,} insured; Locust: {args.workers or 1} process(es) "
          f"{'under a master' if args.workers else ''}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="apcv-capacity-"))
    try:
        print("raw throughput (backend_throughput.py), before:", flush=True)
        raws = [raw_rps(args.people, args.raw_requests, folder, "before")]
        settings = LoadSettings(target="embedded", shape="step", users=args.peak_users,
                                spawn_rate=float(args.peak_users), duration_s=args.steps * args.step_seconds,
                                steps=args.steps, requests_per_user_s=args.user_rate,
                                mix="practice=1" if args.mix == "raw" else "rollout",
                                claims=args.mix != "raw", qr_share=0.0 if args.mix == "raw" else None)
        report = folder / "load"
        started = time.perf_counter()
        result = run_load(LoadRequest(settings, report, workers=args.workers, people=args.people,
                                      backend_workers=2),
                          say=lambda line: print(f"  {line}", flush=True))
        print(f"  Locust run took {time.perf_counter() - started:.0f} s in all", flush=True)
        print("raw throughput (backend_throughput.py), after:", flush=True)
        raws.append(raw_rps(args.people, args.raw_requests, folder, "after"))
        found = stairs(report, args.steps, args.step_seconds, args.peak_users, args.user_rate)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for stair in found:
        p95 = "-" if stair["p95"] is None else f"{stair['p95']:.0f}"
        p99 = "-" if stair["p99"] is None else f"{stair['p99']:.0f}"
        print(f"  {stair['users']:4d} users: offered {stair['offered']:6.0f} req/s, achieved "
              f"{stair['achieved']:6.0f}, p95 {p95:>5} ms, p99 {p99:>5} ms, errors {stair['errors']:.2%}: "
              f"{'holds' if holds(stair) else 'does not hold'}", flush=True)
    held = [s["achieved"] for s in found if holds(s)]
    capacity = max(held) if held else 0.0
    raw = statistics.mean(raws)
    summary = result.summary
    busy = summary.generator_cpu_s + (summary.server_cpu_s or 0)
    ratio = capacity / raw if raw else 0.0
    print(f"capacity within the default SLO, Locust included ({args.mix} mix): {capacity:.0f} req/s")
    print(f"raw throughput (backend_throughput.py, same run): {raw:.0f} req/s "
          f"(before {raws[0]:.0f}, after {raws[1]:.0f})")
    print(f"ratio {ratio:.2f} (target >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    print(f"Locust CPU: {summary.generator_cpu_s:.1f} s over {summary.wall_s:.0f} s = "
          f"{summary.generator_cpu_share:.0%} of the machine's {cores} cores; "
          f"{summary.generator_cpu_s / busy:.0%} of the CPU Locust and the server used together "
          f"({summary.generator_cpu_s / max(1, summary.total.requests) * 1e6:.0f} us of Locust per request, "
          f"{(summary.server_cpu_s or 0) / max(1, summary.total.requests) * 1e6:.0f} us of server)")
    print(f"run: {summary.total.requests:,} requests, {summary.total.failures} failed; audit "
          f"{'clean' if result.audit.clean else 'NOT clean: ' + '; '.join(result.audit.problems)}")


if __name__ == "__main__":
    main()
