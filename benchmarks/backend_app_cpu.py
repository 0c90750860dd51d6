"""CPU time per request of the backend app itself, in-process: no sockets, no HTTP parsing.

``benchmarks/backend_throughput.py`` measures the served backend (uvicorn, sockets, workers);
on a busy machine its CPU figures move with the load. This drives the same requests (half
signed ``POST /v1/verifications`` of fresh presentations, half signed ``GET /v1/rights/{nir}``,
built by its ``RequestFactory``) straight into the ASGI app of ``create_app`` on a seeded SQLite
file, on one event loop, and prints the CPU time per request and where the app spends it
(``--profile``). With ``--count N`` it runs exactly N requests after the warm-up, untimed, for
``benchmarks/instructions.py`` (instruction counts, steady under load). The app's share is
most of the served figure; the served target (450 us a request, ``backend_throughput.py``)
also pays uvicorn's HTTP parsing and the sockets. ``--uvicorn`` sends the raw HTTP/1.1 bytes
through the served HTTP protocol instead (uvicorn's httptools protocol with the backend's limits,
``simulators.backend.http_limits``, configured as ``serve`` does) over an in-memory transport:
the served server's work but the kernel's sockets.

    .venv/bin/python benchmarks/backend_app_cpu.py [--requests 4000] [--population 2000] [--profile]
        [--uvicorn]
    .venv/bin/python benchmarks/instructions.py benchmarks/backend_app_cpu.py --count 200 -- --built 200
        [--uvicorn]

Without ``--built``, a ``--count N`` run also builds (signs) N more requests than a ``--count 0``
run, and the instruction count per request includes building one (signing it and, for a
verification, the phone's presentation: key agreement, signatures, encryption).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop
from backend_throughput import TARGET_SERVER_CPU_US, RequestFactory
from uvicorn.config import Config
from uvicorn.server import ServerState

from apcv.clock import FrozenClock
from simulators.backend.app import create_app
from simulators.backend.db import make_engine
from simulators.backend.http_limits import UVICORN_LIMITS
from simulators.backend.seeding import seed_population
from simulators.population.generator import generate_practitioners

WARMUP = 400


def scope_of(raw: bytes) -> tuple[dict[str, Any], bytes]:
    """The ASGI scope and body of one raw HTTP/1.1 request."""
    head, _, body = raw.partition(b"\r\n\r\n")
    line, *fields = head.split(b"\r\n")
    method, target, _ = line.split(b" ")
    path, _, query = target.partition(b"?")
    headers = [(k.strip().lower(), v.strip()) for k, _, v in (f.partition(b":") for f in fields)]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method.decode(),
            "scheme": "http", "path": path.decode(), "raw_path": path, "query_string": query,
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8600)}, body


async def drive(app: Any, requests: list[bytes]) -> dict[int, int]:
    """Send every request through ``app``; the count of each status answered."""
    statuses: dict[int, int] = {}
    for raw in requests:
        scope, body = scope_of(raw)
        sent = False

        async def receive(body: bytes = body) -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses[message["status"]] = statuses.get(message["status"], 0) + 1

        await app(scope, receive, send)
    return statuses


class _Wire(asyncio.Transport):
    """An in-memory connection: what the server writes is kept until a whole answer is there."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.answered: asyncio.Future[int] | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8600)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data
        head, found, body = self.written.partition(b"\r\n\r\n")
        if not found:
            return
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        if len(body) >= length and self.answered is not None:
            self.answered.set_result(int(head.split(b" ", 2)[1]))
            self.written.clear()

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def drive_uvicorn(app: Any, requests: list[bytes]) -> dict[int, int]:
    """Send every request's bytes to uvicorn's HTTP protocol as the backend serves it, on one
    keep-alive connection; the count of each status answered."""
    config = Config(app=app, log_level="warning", access_log=False, proxy_headers=False, server_header=False,
                    **UVICORN_LIMITS)
    config.load()
    state = ServerState()
    state.default_headers = config.encoded_headers
    protocol = config.http_protocol_class(config=config, server_state=state, app_state={})
    wire = _Wire()
    protocol.connection_made(wire)
    statuses: dict[int, int] = {}
    loop = asyncio.get_running_loop()
    for raw in requests:
        wire.answered = loop.create_future()
        protocol.data_received(raw)
        status = await wire.answered
        statuses[status] = statuses.get(status, 0) + 1
    protocol.connection_lost(None)
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="timed requests")
    parser.add_argument("--population", type=int, default=2000, help="insured people seeded")
    parser.add_argument("--count", type=int, default=None,
                        help="untimed: warm up, then exactly N requests (for instruction counts)")
    parser.add_argument("--built", type=int, default=None,
                        help="build (sign) this many requests past the warm-up whatever --count is, so that "
                             "the difference of a --count N and a --count 0 run is the serving alone")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the timed run")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"),
                        help="order of the profile: time inside a function and its calls, or its own")
    parser.add_argument("--uvicorn", action="store_true",
                        help="through the served HTTP protocol (uvicorn's, with the backend's limits)")
    args = parser.parse_args()
    run = drive_uvicorn if args.uvicorn else drive
    with tempfile.TemporaryDirectory(prefix="apcv-app-cpu-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'backend.sqlite3'}")
        seed_population(engine, args.population)
        rpps = next(iter(generate_practitioners(1, 0))).rpps
        factory = RequestFactory(args.population, rpps)
        signed_at = int(time.time())
        wanted = args.count if args.count is not None else args.requests
        requests = factory.make(WARMUP + max(wanted, args.built or 0))[:WARMUP + wanted]
        warmup, timed = requests[:WARMUP], requests[WARMUP:]
        # the service's clock stays at the signing time: under valgrind, building the requests
        # takes longer than the signatures' 300 s window
        app = create_app(engine, clock=FrozenClock(signed_at))
        uvloop.run(run(app, warmup))
        if args.count is not None:
            statuses = uvloop.run(run(app, timed))
            if any(status != 200 for status in statuses):
                raise SystemExit(f"answers other than 200: {statuses}")
            return
        profiler = cProfile.Profile() if args.profile else None
        started = time.process_time()
        if profiler:
            profiler.enable()
        statuses = uvloop.run(run(app, timed))
        if profiler:
            profiler.disable()
        cpu_us = (time.process_time() - started) / len(timed) * 1e6
        engine.dispose()
    print(f"machine load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    through = " through uvicorn" if args.uvicorn else ""
    print(f"app CPU per request{through}: {cpu_us:.0f} us ({len(timed)} requests, statuses {statuses}); "
          f"the served target, uvicorn and sockets included: <= {TARGET_SERVER_CPU_US:.0f} us "
          "(benchmarks/backend_throughput.py)")
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(45)


if __name__ == "__main__":
    main()
