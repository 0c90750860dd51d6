"""Insurer backend throughput: token verifications + rights lookups per second, p50/p99.

Starts ``apcv-hil backend serve`` (uvicorn) on SQLite (WAL) or PostgreSQL and drives it
from separate load processes over loopback: half the requests are signed
``POST /v1/verifications`` of fresh NFC presentations (single use), half signed
``GET /v1/rights/{nir}``. Every request (signature headers, presentation, token id) is
built before the timed phase; the load processes only replay raw HTTP/1.1 bytes over
keep-alive connections (one request in flight per connection) and time each answer.
Both populations (10,000 and 1,000,000 insured) are seeded (timed), served at once and
timed in alternation, round after round, so each pair of rounds meets the same machine
load; printed: seeding time, requests/s and p50/p99 per round with the server's and the
load client's CPU time per request, best and median, and the p99 ratio per round pair.
Targets: 2,000 req/s with p99 <= 50 ms; server CPU <= 450 us a request; p99(1M) <= 1.2 x
p99(10k); seeding 1M < 120 s.

    .venv/bin/python benchmarks/backend_throughput.py [--workers 2] [--db sqlite|postgresql]
        [--requests 8000] [--rounds 3] [--concurrency 8] [--small 10000] [--large 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path

import uvloop

from apcv.clock import WallClock
from apcv.profile.r1.credentials import key_from_scalar
from apcv.seeded_keys import seeded_scalar, synthetic_insurer
from simulators.backend.client import Signer
from simulators.backend.db import make_engine
from simulators.backend.postgres_server import PostgresServer
from simulators.backend.process import ServerProcess, group_cpu_seconds
from simulators.backend.seeding import seed_population
from simulators.backend.signing import sign_request
from simulators.phone.offline import wallet_presentation
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population, generate_practitioners

TARGET_RPS = 2000.0
TARGET_P99_MS = 50.0
TARGET_SERVER_CPU_US = 450.0
SAMPLE_PEOPLE = 2000
WARMUP_REQUESTS = 600


def _raw(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", f"content-length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class RequestFactory:
    """Signed raw requests: fresh presentations (new token ids) and rights lookups."""

    def __init__(self, seed_people: int, rpps: str) -> None:
        self.people = list(islice(generate_population(min(seed_people, SAMPLE_PEOPLE), 0), SAMPLE_PEOPLE))
        self.insurer = synthetic_insurer(0)
        self.doctor = Signer.practitioner(rpps)
        self.devices = [key_from_scalar(seeded_scalar("bench device", i)) for i in range(8)]
        self.wallets: dict[int, Wallet] = {}
        self._made = 0

    def wallet(self, index: int) -> Wallet:
        """Person ``index``'s card (insurer-signed card data) on one of 8 devices, made once."""
        if index not in self.wallets:
            self.wallets[index] = Wallet.activate(self.people[index], self.insurer, "APCV-BENCH",
                                                  self.devices[index % len(self.devices)])
        return self.wallets[index]

    def make(self, count: int) -> list[bytes]:
        """``count`` raw requests, alternating verification and rights lookup, signed now."""
        now = int(WallClock().now())
        out = []
        for _ in range(count):
            i = self._made
            self._made += 1
            index = (i * 7) % len(self.people)
            person = self.people[index]
            if i % 2:
                method, path, body = "GET", f"/v1/rights/{person.identity.nir}", b""
                headers = {}
            else:
                token = base64.b64encode(wallet_presentation(self.wallet(index), now)).decode()
                method, path, body = "POST", "/v1/verifications", json.dumps({"presentation": token}).encode()
                headers = {"content-type": "application/json"}
            headers.update(sign_request(self.doctor.key, self.doctor.key_id, method, path, body, now))
            out.append(_raw(method, path, body, headers))
        return out


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending the next request when the previous answer is complete."""

    def __init__(self, requests: Iterator[bytes], latencies: list[float], statuses: dict[int, int],
                 done: asyncio.Future) -> None:
        self.requests = requests
        self.latencies = latencies
        self.statuses = statuses
        self.done = done
        self.buffer = bytearray()
        self.started = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport
        self._next()

    def _next(self) -> None:
        assert self.transport is not None
        request = next(self.requests, None)
        if request is None:
            self.transport.close()
            return
        self.buffer.clear()
        self.started = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"content-length:")
        if at < 0:
            raise RuntimeError(f"answer without content-length: {head[:200]!r}")
        length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
        if len(self.buffer) < end + 4 + length:
            return
        self.latencies.append(time.perf_counter() - self.started)
        status = int(self.buffer[9:12])
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(exc)


async def _drive(port: int, requests: list[bytes], concurrency: int) -> tuple[list[float], dict[int, int]]:
    loop = asyncio.get_running_loop()
    queue = iter(requests)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    waits = []
    for _ in range(concurrency):
        done = loop.create_future()
        await loop.create_connection(lambda d=done: _Connection(queue, latencies, statuses, d),
                                     "127.0.0.1", port)
        waits.append(done)
    for exc in await asyncio.gather(*waits):
        if exc is not None:
            raise RuntimeError(f"connection lost: {exc}")
    return latencies, statuses


def _load_process(port: int, requests: list[bytes], concurrency: int, start_at: float, out) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    started, cpu = time.perf_counter(), time.process_time()
    latencies, statuses = uvloop.run(_drive(port, requests, concurrency))
    out.put((latencies, statuses, started, time.perf_counter(), time.process_time() - cpu))


def run_load(port: int, batches: list[list[bytes]], concurrency: int, server_pgid: int) -> dict:
    """Replay one batch per load process, all starting together; the figures.

    Besides wall-clock figures, the CPU time the server's processes and the load processes
    spent per request: on a shared machine these say what the server costs.
    """
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 0.5
    procs = [ctx.Process(target=_load_process, args=(port, batch, concurrency, start_at, out))
             for batch in batches]
    for p in procs:
        p.start()
    server_cpu = group_cpu_seconds(server_pgid)
    results = [out.get(timeout=600) for _ in procs]
    server_cpu = group_cpu_seconds(server_pgid) - server_cpu
    for p in procs:
        p.join()
    latencies = sorted(x for r in results for x in r[0])
    statuses: dict[int, int] = {}
    for r in results:
        for code, n in r[1].items():
            statuses[code] = statuses.get(code, 0) + n
    elapsed = max(r[3] for r in results) - min(r[2] for r in results)
    quantiles = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": sum(n for c, n in statuses.items() if c != 200),
            "statuses": statuses, "rps": len(latencies) / elapsed,
            "p50_ms": quantiles[49] * 1000, "p99_ms": quantiles[98] * 1000,
            "server_cpu_us": server_cpu / len(latencies) * 1e6,
            "client_cpu_us": sum(r[4] for r in results) / len(latencies) * 1e6}


def _split(requests: list[bytes], parts: int) -> list[list[bytes]]:
    return [requests[k::parts] for k in range(parts)]


def _round_line(label: str, n: int, f: dict) -> str:
    return (f"  {label} round {n}: {f['rps']:7.0f} req/s  p50 {f['p50_ms']:6.1f} ms  "
            f"p99 {f['p99_ms']:6.1f} ms  "
            f"CPU/request: server {f['server_cpu_us']:4.0f} us, load {f['client_cpu_us']:3.0f} us  "
            f"({f['requests']} requests, statuses {f['statuses']}, load average {os.getloadavg()[0]:.2f})")


def measure(urls: dict[int, str], args: argparse.Namespace, rpps: str) -> dict[int, list[dict]]:
    """Serve every population at once, warm each up, then time them in turn, round after round.

    Interleaving the populations (each going first in turn) gives each pair of rounds the
    same machine load, so the p99 ratio compares the populations, not the moments they ran at.
    """
    rounds: dict[int, list[dict]] = {size: [] for size in urls}
    with ExitStack() as stack:
        servers = {size: stack.enter_context(ServerProcess(url, workers=args.workers))
                   for size, url in urls.items()}
        factories = {size: RequestFactory(size, rpps) for size in urls}
        for size, server in servers.items():
            warmup = _split(factories[size].make(WARMUP_REQUESTS), args.load_processes)
            run_load(server.port, warmup, args.concurrency, server.pid)
        for n in range(1, args.rounds + 1):
            order = list(servers.items())
            for size, server in order if n % 2 else order[::-1]:  # each population goes first in turn
                batches = _split(factories[size].make(args.requests), args.load_processes)
                # the server runs in a session (and process group) of its own
                figures = run_load(server.port, batches, args.concurrency, server.pid)
                rounds[size].append(figures)
                print(_round_line(f"population {size:>9,}", n, figures), flush=True)
    return rounds


def summary(rounds: list[dict]) -> dict:
    """Best and median round (by requests/s) and the median p99."""
    by_rps = sorted(rounds, key=lambda r: r["rps"])
    return {"best": by_rps[-1], "median_rps": statistics.median(r["rps"] for r in rounds),
            "median_p99": statistics.median(r["p99_ms"] for r in rounds),
            "best_p99": min(r["p99_ms"] for r in rounds),
            "server_cpu_us": statistics.median(r["server_cpu_us"] for r in rounds),
            "client_cpu_us": statistics.median(r["client_cpu_us"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (one per core)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                        help="sqlite: a new WAL file per population; postgresql: a server of our own")
    parser.add_argument("--requests", type=int, default=8000, help="requests per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per population")
    parser.add_argument("--load-processes", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8, help="connections per load process")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000, help="0 to skip the large population")
    args = parser.parse_args()
    rpps = next(iter(generate_practitioners(1, 0))).rpps
    folder = Path(tempfile.mkdtemp(prefix="apcv-bench-"))
    load = os.getloadavg()
    print(f"server: {args.workers} uvicorn worker(s), database {args.db}; load: {args.load_processes} "
          f"process(es) x {args.concurrency} connections; machine load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores", flush=True)
    sizes = [args.small] + ([args.large] if args.large else [])
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        postgres = stack.enter_context(PostgresServer()) if args.db == "postgresql" else None
        urls = {}
        for size in sizes:
            urls[size] = postgres.new_database() if postgres else f"sqlite:///{folder / f'pop{size}.sqlite3'}"
            engine = make_engine(urls[size])
            started = time.perf_counter()
            persons = seed_population(engine, size, 0)
            engine.dispose()
            print(f"seeded {size:,} insured ({persons:,} people) in {time.perf_counter() - started:.1f} s "
                  f"({args.db}, target < 120 s for 1,000,000)", flush=True)
        rounds = measure(urls, args, rpps)
    results = {size: summary(r) for size, r in rounds.items()}
    for size, s in results.items():
        cores = os.cpu_count() or 1
        capacity = min(cores * 1e6 / (s["server_cpu_us"] + s["client_cpu_us"]),  # all cores busy
                       min(args.workers, cores) * 1e6 / s["server_cpu_us"])  # every worker busy
        print(f"population {size:>9,}: best {s['best']['rps']:6.0f} req/s "
              f"(p99 {s['best']['p99_ms']:.1f} ms), "
              f"median {s['median_rps']:6.0f} req/s, median p99 {s['median_p99']:.1f} ms, "
              f"non-200: {s['errors']}  [{args.workers} worker(s), {args.db}]\n"
              f"  CPU per request (medians): server {s['server_cpu_us']:.0f} us, load client "
              f"{s['client_cpu_us']:.0f} us (server target <= {TARGET_SERVER_CPU_US:.0f} us: "
              f"{'met' if s['server_cpu_us'] <= TARGET_SERVER_CPU_US else 'NOT met'}): "
              f"{os.cpu_count()} otherwise idle cores would serve "
              f"~{capacity:.0f} req/s" + (" (server CPU leaves out PostgreSQL's own processes)"
                                          if args.db == "postgresql" else ""),
              flush=True)
    small = results[args.small]
    if args.large:
        pairs = zip(rounds[args.small], rounds[args.large], strict=True)
        ratios = [large["p99_ms"] / little["p99_ms"] for little, large in pairs]
        cpu = results[args.large]["server_cpu_us"] / small["server_cpu_us"]
        print(f"p99 ratio {args.large:,} / {args.small:,}: median over round pairs "
              f"{statistics.median(ratios):.2f}, rounds {' '.join(f'{r:.2f}' for r in ratios)} "
              f"(target <= 1.2); "
              f"server CPU/request ratio {cpu:.2f}")
    for name, rps, p99 in (("best round", small["best"]["rps"], small["best"]["p99_ms"]),
                           ("medians", small["median_rps"], small["median_p99"])):
        print(f"targets ({name}, population {args.small:,}, {args.workers} worker(s), {args.db}): "
              f"{TARGET_RPS:.0f} req/s {'met' if rps >= TARGET_RPS else 'NOT met'} ({rps:.0f}), "
              f"p99 <= {TARGET_P99_MS:.0f} ms {'met' if p99 <= TARGET_P99_MS else 'NOT met'} ({p99:.1f} ms)")


if __name__ == "__main__":
    main()
