"""Insurer backend throughput: token verifications + rights lookups per second, p50/p99.

Starts ``apcv-hil backend serve`` (uvicorn, SQLite in WAL mode) in a child process and
drives it from separate load processes over loopback: half the requests are signed
``POST /v1/verifications`` of fresh NFC presentations (single use), half signed
``GET /v1/rights/{nir}``. Run once on a database seeded with 10,000 insured and once on
1,000,000, printing seeding time, requests/s, p50/p99 and the p99 ratio.
Targets: 2,000 req/s with p99 <= 50 ms; p99(1M) <= 1.2 x p99(10k); seeding 1M < 120 s.

    .venv/bin/python benchmarks/backend_throughput.py [--workers 2] [--requests 6000] [--large 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import statistics
import tempfile
import time
from itertools import islice
from pathlib import Path

import httpx

from harness.clock import WallClock
from simulators.backend.client import Signer
from simulators.backend.db import make_engine
from simulators.backend.presentations import wallet_presentation
from simulators.backend.process import ServerProcess
from simulators.backend.seeding import seed_population
from simulators.backend.signing import sign_request
from simulators.factory import synthetic_insurer
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population, generate_practitioners

TARGET_RPS = 2000.0
TARGET_P99_MS = 50.0
SAMPLE_PEOPLE = 2000


def _requests(seed_people: int, count: int, offset: int, rpps: str) -> list[tuple[str, str, bytes, dict]]:
    """Pre-signed requests (method, path, body, headers) so the load process only sends."""
    people = list(islice(generate_population(min(seed_people, SAMPLE_PEOPLE), 0), SAMPLE_PEOPLE))
    insurer = synthetic_insurer(0)
    doctor = Signer.practitioner(rpps)
    wallets = [Wallet.activate(p, insurer, f"APCV-BENCH{i:04d}") for i, p in enumerate(people[:8])]
    now = int(WallClock().now())
    out = []
    for i in range(count):
        person = people[(i * 7 + offset) % len(people)]
        if i % 2:
            path, body = f"/v1/rights/{person.identity.nir}", b""
            method = "GET"
        else:
            device = wallets[i % 8]
            wallet = Wallet(person, "APCV-BENCH", device.device_key, device.device_certificate_der)
            token = base64.b64encode(wallet_presentation(wallet, now)).decode()
            body = json.dumps({"presentation": token}).encode()
            path, method = "/v1/verifications", "POST"
        headers = sign_request(doctor.key, doctor.key_id, method, path, body, now)
        if body:
            headers["content-type"] = "application/json"
        out.append((method, path, body, headers))
    return out


async def _drive(url: str, requests: list, concurrency: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue = iter(requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        async def worker() -> None:
            nonlocal errors
            for method, path, body, headers in queue:
                started = time.perf_counter()
                response = await client.request(method, path, content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


def _load_process(url: str, requests: list, concurrency: int, start_at: float, out) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    latencies, errors = asyncio.run(_drive(url, requests, concurrency))
    out.put((latencies, errors, started, time.perf_counter()))


def run_load(url: str, people: int, total: int, processes: int, concurrency: int, rpps: str) -> dict:
    """Drive ``total`` requests from ``processes`` load processes; figures."""
    per = total // processes
    batches = [_requests(people, per, k * 1000, rpps) for k in range(processes)]
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 3
    procs = [ctx.Process(target=_load_process, args=(url, batches[k], concurrency, start_at, out))
             for k in range(processes)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for r in results for x in r[0])
    elapsed = max(r[3] for r in results) - min(r[2] for r in results)
    quantiles = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": sum(r[1] for r in results),
            "rps": len(latencies) / elapsed, "p50_ms": quantiles[49] * 1000, "p99_ms": quantiles[98] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--requests", type=int, default=6000, help="requests per run")
    parser.add_argument("--load-processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16, help="connections per load process")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    rpps = next(iter(generate_practitioners(1, 0))).rpps
    folder = Path(tempfile.mkdtemp(prefix="apcv-bench-"))
    figures = {}
    for size in (args.small, args.large):
        url = f"sqlite:///{folder / f'pop{size}.sqlite3'}"
        started = time.perf_counter()
        persons = seed_population(make_engine(url), size, 0)
        seeding_s = time.perf_counter() - started
        print(f"seeded {size:,} insured ({persons:,} people) in {seeding_s:.1f} s", flush=True)
        with ServerProcess(url, workers=args.workers) as server:
            figures[size] = run_load(server.url, size, args.requests, args.load_processes, args.concurrency,
                                     rpps)
        f = figures[size]
        print(f"population {size:>9,}: {f['rps']:7.0f} req/s  p50 {f['p50_ms']:6.1f} ms  "
              f"p99 {f['p99_ms']:6.1f} ms  ({f['requests']} requests, {f['errors']} non-200, "
              f"{args.workers} workers, {args.load_processes}x{args.concurrency} connections)", flush=True)
    small, large = figures[args.small], figures[args.large]
    ratio = large["p99_ms"] / small["p99_ms"]
    print(f"p99 ratio {args.large:,} / {args.small:,}: {ratio:.2f} (target <= 1.2)")
    print(f"targets: {TARGET_RPS:.0f} req/s {'met' if small['rps'] >= TARGET_RPS else 'NOT met'}, "
          f"p99 <= {TARGET_P99_MS:.0f} ms {'met' if small['p99_ms'] <= TARGET_P99_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
