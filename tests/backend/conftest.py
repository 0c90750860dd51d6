"""Fixtures of the backend tests: an embedded backend on a FrozenClock (SQLite and a PostgreSQL
server of our own, run as the ``postgres`` user since PostgreSQL refuses root), callers, people."""

from __future__ import annotations

import base64
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from harness.clock import FrozenClock
from simulators.backend.client import BackendClient, Signer, open_backend
from simulators.factory import synthetic_insurer
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population, generate_practitioners
from simulators.population.model import Insured


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PostgresInstance:
    """initdb + pg_ctl in a temporary folder, listening on a free loopback port."""

    def __init__(self) -> None:
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self._pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="apcv-pg-"))
        self.data = self.root / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._prefix: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                raise RuntimeError("running as root and runuser is missing")
            shutil.chown(self.root, "postgres", "postgres")
            os.chmod(self.root, 0o755)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self._run([initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        self._run([pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w",
                   "-t", "60", "start"])
        self._databases = 0

    def _run(self, args: list[str]) -> None:
        done = subprocess.run(self._prefix + args, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-300:]}")

    def new_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import psycopg

        self._databases += 1
        name = f"apcv_{os.getpid()}_{self._databases}_{int(time.time())}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and remove its files."""
        try:
            self._run([self._pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresInstance]:
    """A PostgreSQL server of our own for the session (skipped with the reason if it cannot start)."""
    try:
        instance = PostgresInstance()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"PostgreSQL cannot be started: {exc}")
    yield instance
    instance.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path) -> str:
    """A new empty database of each dialect."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'b.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def backend(clock: FrozenClock, database: str) -> Iterator[BackendClient]:
    """The backend app in-process (embedded:) on a FrozenClock."""
    client = open_backend("embedded:", clock=clock, database=database)
    yield client
    client.close()


@pytest.fixture(scope="session")
def people() -> list[Insured]:
    """Synthetic insured: adults with and without beneficiaries, one under guardianship, etc."""
    return list(generate_population(400, 7))


@pytest.fixture
def doctor() -> Signer:
    return Signer.practitioner(next(iter(generate_practitioners(1, 0))).rpps)


@pytest.fixture
def operator() -> Signer:
    return Signer.operator()


@pytest.fixture(scope="session")
def adult(people: list[Insured]) -> Insured:
    """An adult, not under guardianship, with beneficiaries."""
    return next(p for p in people if p.beneficiaries and not p.under_guardianship
                and p.identity.birth_date.year < 1990)


@pytest.fixture
def wallet_for(backend: BackendClient):
    """Activate an insured at the backend (France Identité) and build the phone's wallet."""

    def activate(insured: Insured) -> Wallet:
        key = ec.generate_private_key(ec.SECP256R1())
        done = backend.enrol(key, insured.identity.nir, "france_identite")
        return Wallet(insured, done["card_reference"], key, base64.b64decode(done["device_certificate"]))

    return activate


@pytest.fixture
def insurer():
    return synthetic_insurer(0)
