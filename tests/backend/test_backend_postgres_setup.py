"""PostgreSQL set up for the user: ``backend serve`` creates a missing database when the role may,
and ``--db postgres:local[:FOLDER]`` starts a PostgreSQL of its own in a data folder (initdb on
first use), stopped with the server; bad input is one line each."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from click.testing import CliRunner

from harness.cli import cli
from simulators.backend.postgres_server import PostgresServer
from simulators.backend.process import ServerProcess

pytestmark = pytest.mark.slow  # starts PostgreSQL and served backends

BIN = Path(sys.executable).parent


def _error(args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["backend", "serve", "--port", "0", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("apcv-hil: error: "), result.stderr
    return lines[0]


def _admin(postgres: PostgresServer) -> psycopg.Connection:
    return psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres",
                           autocommit=True)


def _databases(postgres: PostgresServer) -> set[str]:
    with _admin(postgres) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_serve_creates_a_missing_database(postgres: PostgresServer) -> None:
    name = f"created_{os.getpid()}_{time.monotonic_ns()}"
    assert name not in _databases(postgres)
    with ServerProcess(f"postgresql://postgres@127.0.0.1:{postgres.port}/{name}", log_level="info") as server:
        assert httpx.get(f"{server.url}/v1/health").status_code == 200
        assert "created the database" in server.log()
    assert name in _databases(postgres)
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname={name}") as conn:
        assert conn.execute("SELECT COUNT(*) FROM principal").fetchone()[0] > 0  # schema and directory


def test_a_role_that_may_not_create_the_database_is_one_line(postgres: PostgresServer) -> None:
    role = f"plain_{os.getpid()}"
    with _admin(postgres) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN NOCREATEDB")
    said = _error(["--db", f"postgresql://{role}@127.0.0.1:{postgres.port}/not_there"])
    assert f"database 'not_there' does not exist and role '{role}' may not create it" in said
    assert "not_there" not in _databases(postgres)


@pytest.fixture
def data_root() -> Iterator[Path]:
    """A folder the ``postgres`` user can enter (pytest's own tmp folders are root's only)."""
    root = Path(tempfile.mkdtemp(prefix="apcv-pglocal-"))
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _running(folder: Path) -> bool:
    return (folder / "postmaster.pid").exists()


class _Serve:
    """``apcv-hil backend serve --db postgres:local:FOLDER`` as a user runs it."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "apcv-hil"), "backend", "serve", "--port", "0", "--db", f"postgres:local:{folder}",
             "--no-access-log"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        assert self.process.stderr is not None
        self.said: list[str] = []
        for line in self.process.stderr:
            self.said.append(line.strip())
            if "serving on" in line:
                self.url = line.split("serving on ", 1)[1].split()[0]
                self._wait_healthy()
                return
        raise AssertionError(f"backend serve ended: {self.said[-5:]}")

    def _wait_healthy(self) -> None:
        """The banner comes just before uvicorn listens: wait for its health check."""
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # Ctrl-C
        assert self.process.wait(timeout=60) in (0, 130)  # 130: uvicorn raises the signal again


def test_postgres_local_initialises_once_serves_and_stops_with_the_server(data_root: Path) -> None:
    folder = data_root / "pg"
    first = _Serve(folder)
    try:
        assert any("initialised a PostgreSQL data folder" in s for s in first.said), first.said
        assert any("started (stopped when this server stops)" in s for s in first.said)
        assert "host=" in first.said[-1] and "***" not in first.said[-1]
        assert httpx.get(f"{first.url}/v1/health").status_code == 200
        # no TCP port: only the socket in the data folder reaches it
        with psycopg.connect(host=str(folder), dbname="apcv", user="postgres") as conn:
            assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""
            conn.execute("CREATE TABLE kept (x int)")
            conn.execute("INSERT INTO kept VALUES (42)")
        # a second server on the same folder uses the running PostgreSQL and leaves it running
        second = _Serve(folder)
        assert any("was running: using it" in s for s in second.said), second.said
        second.stop()
        assert _running(folder)
        assert httpx.get(f"{first.url}/v1/health").status_code == 200
    finally:
        first.stop()
    assert not _running(folder)
    again = _Serve(folder)  # the data is kept; no second initdb
    try:
        assert not any("initialised" in s for s in again.said)
        with psycopg.connect(host=str(folder), dbname="apcv", user="postgres") as conn:
            assert conn.execute("SELECT x FROM kept").fetchone()[0] == 42
    finally:
        again.stop()
    assert not _running(folder)


def test_bad_postgres_local_values_are_one_line(data_root: Path) -> None:
    assert "write postgres:local or postgres:local:FOLDER" in _error(["--db", "postgres:localhost"])
    assert "write postgres:local or postgres:local:FOLDER" in _error(["--db", "postgres:local:"])
    busy = data_root / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    assert "is not empty and is not a PostgreSQL data folder" in _error(["--db", f"postgres:local:{busy}"])
    assert (busy / "notes.txt").read_text() == "mine"
    a_file = data_root / "file"
    a_file.write_text("x")
    assert "is a file, not a folder" in _error(["--db", f"postgres:local:{a_file}"])
    deep = data_root / ("d" * 120)
    assert "too long for the server's socket" in _error(["--db", f"postgres:local:{deep}"])
    assert not deep.exists()
