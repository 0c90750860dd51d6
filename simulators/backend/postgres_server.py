"""A throw-away PostgreSQL server: initdb + pg_ctl in a temporary folder on a free loopback port.

Used by the backend tests and the throughput benchmark. PostgreSQL refuses to run as
root, so as root the server runs as the ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from apcv.errors import ApcvError


class PostgresStartError(ApcvError):
    """PostgreSQL is not installed or did not start."""


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PostgresServer:
    """A PostgreSQL server of our own (fsync off: for tests and benchmarks only)."""

    def __init__(self) -> None:
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise PostgresStartError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self._pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="apcv-pg-"))
        self.data = self.root / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._prefix: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                raise PostgresStartError("running as root and runuser is missing")
            shutil.chown(self.root, "postgres", "postgres")
            os.chmod(self.root, 0o755)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self._run([initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        self._run([pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w",
                   "-t", "60", "start"])
        self._databases = 0

    def _run(self, args: list[str]) -> None:
        try:
            done = subprocess.run(self._prefix + args, capture_output=True, text=True, timeout=120,
                                  check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PostgresStartError(f"{Path(args[0]).name} failed: {exc}") from None
        if done.returncode:
            raise PostgresStartError(f"{Path(args[0]).name} failed: "
                                     f"{(done.stderr or done.stdout).strip()[-300:]}")

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

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
