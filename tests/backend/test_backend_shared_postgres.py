"""Two backend hosts on one PostgreSQL serving one load run: no claim lost or stored twice.

Two ``backend serve`` processes start at once on the same, missing, database (both try to
create it; one does). A round-robin TCP balancer (each new connection to the next backend, as
a plain L4 balancer does) spreads one ``apcv-hil load`` run over both; then the run's audit,
the database and both access logs are read.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from simulators.backend.postgres_server import PostgresServer
from simulators.backend.process import ServerProcess, free_port

pytestmark = pytest.mark.slow  # PostgreSQL, two served backends and a load run

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


class RoundRobin:
    """A TCP balancer on loopback: each accepted connection is piped to the next upstream port."""

    def __init__(self, upstreams: list[int]) -> None:
        self.port = free_port()
        self._next = itertools.cycle(upstreams)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", next(self._next))
        except OSError:
            writer.close()
            return

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except OSError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def two_backends(postgres: PostgresServer) -> Iterator[list[ServerProcess]]:
    url = f"postgresql://postgres@127.0.0.1:{postgres.port}/shared_{os.getpid()}_{time.monotonic_ns()}"
    with ThreadPoolExecutor(2) as pool:  # both find the database missing
        servers = list(pool.map(lambda _: ServerProcess(url, log_level="info", access_log=True), range(2)))
    yield servers
    for server in servers:
        server.stop()


def test_two_backends_on_one_postgresql_serve_one_load_run_without_losing_a_claim(
        two_backends: list[ServerProcess], postgres: PostgresServer, tmp_path: Path) -> None:
    created = [s.log().count("created the database") for s in two_backends]
    assert sorted(created) == [0, 1], created  # one created it; the other found it made
    balancer = RoundRobin([s.port for s in two_backends])
    report = tmp_path / "report"
    try:
        done = subprocess.run(
            [str(BIN / "apcv-hil"), "load", "--report", str(report), "--target", f"http://127.0.0.1:{balancer.port}",
             "--users", "8", "--user-rate", "2", "--duration", "8s", "--workers", "2",
             "--mix", "practice=80,phone=10,activation=5,operator=5"],
            cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    finally:
        balancer.close()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads((report / "summary.json").read_text())
    assert data["audit"]["clean"], data["audit"]["problems"]
    for server in two_backends:  # each host served claims
        assert server.log().count("POST /v1/claims") > 0, server.log()[-2000:]
    run_id = json.loads((report / "plan.json").read_text())["run_id"]
    with sqlite3.connect(report / "ledger.sqlite3") as ledger:
        acked = {row[0] for row in ledger.execute("SELECT DISTINCT claim_id FROM acked")}
    assert acked
    database = two_backends[0].db_url.rsplit("/", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname={database}") as conn:
        stored = [row[0] for row in conn.execute("SELECT claim_id FROM claim WHERE claim_id LIKE %s",
                                                 (f"{run_id}-%",))]
        twice_billed = conn.execute("SELECT COUNT(*) FROM (SELECT token_id FROM claim GROUP BY token_id "
                                    "HAVING COUNT(*) > 1) t").fetchone()[0]
        receipts = conn.execute("SELECT COUNT(*), COUNT(DISTINCT claim_id) FROM receipt").fetchone()
    assert acked <= set(stored)  # no acknowledged claim lost
    assert len(stored) == len(set(stored))  # none stored twice
    assert twice_billed == 0  # no visit billed twice
    assert receipts[0] == receipts[1] >= len(acked)  # one receipt per claim
