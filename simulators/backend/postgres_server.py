"""PostgreSQL servers of our own, started with initdb and pg_ctl.

- :class:`LocalPostgres` is ``backend serve --db postgres:local[:FOLDER]``: a server whose
  data folder persists (initdb on first use), reached only over a Unix socket inside that
  folder (no TCP), started for the serving process and stopped when it ends;
- :class:`PostgresServer` is the throw-away server of the backend tests and the throughput
  benchmark: a temporary folder, a free loopback port, fsync off, removed when stopped.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
(``runuser``), which must be able to reach the data folder.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from apcv.errors import ApcvError
from simulators.backend.settings import data_folder


class PostgresStartError(ApcvError):
    """PostgreSQL is not installed, its data folder is unusable, or it did not start."""


LOCAL_SCHEME = "postgres:local"
"""``--db`` value of a PostgreSQL of our own; ``postgres:local:FOLDER`` names its data folder."""
LOCAL_FOLDER = "postgres"
"""Data folder of ``postgres:local``, in the backend's data folder beside its default SQLite file."""
LOCAL_DATABASE = "apcv"
LOCAL_PORT = 5432
"""Only names the socket file (``.s.PGSQL.5432``) in the data folder: no TCP port is opened."""
SOCKET_PATH_MAX = 107  # sun_path holds 108 bytes with its terminating NUL
START_TIMEOUT_S = 60


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class _Cluster:
    """initdb and pg_ctl on one data folder, as the ``postgres`` user when we are root."""

    def __init__(self, data: Path) -> None:
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise PostgresStartError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.data = data
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                raise PostgresStartError("running as root and runuser is missing")
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
        try:
            done = subprocess.run(self.prefix + args, capture_output=True, text=True, timeout=120,
                                  check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PostgresStartError(f"{Path(args[0]).name} failed: {exc}") from None
        if check and done.returncode:
            raise PostgresStartError(f"{Path(args[0]).name} failed: "
                                     f"{_last_line(done.stderr or done.stdout)}")
        return done

    def own(self, path: Path) -> None:
        """Make ``path`` the server user's (as root)."""
        if self.prefix:
            shutil.chown(path, "postgres", "postgres")

    def init(self, auth_host: str, *extra: str) -> None:
        self.run([self.initdb, "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                  f"--auth-host={auth_host}", "-E", "UTF8", *extra])

    def running(self) -> bool:
        """True when a server runs on the data folder (``pg_ctl status`` exits 0)."""
        return self.run([self.pg_ctl, "-D", str(self.data), "status"], check=False).returncode == 0

    def start(self, options: str, log: Path) -> None:
        done = self.run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(log), "-w",
                         "-t", str(START_TIMEOUT_S), "start"], check=False)
        if done.returncode:
            said = _log_tail(log) or _last_line(done.stderr or done.stdout)
            raise PostgresStartError(f"PostgreSQL did not start in {self.data}: {said}")

    def stop(self, mode: str) -> None:
        self.run([self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"])


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][-300:] if lines else "no message"


def _log_tail(log: Path) -> str:
    """The last FATAL or ERROR line of a server log, if any."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    fatal = [ln for ln in lines if "FATAL:" in ln or "ERROR:" in ln]
    return fatal[-1].split(":  ", 1)[-1][-300:] if fatal else ""


def local_folder(db: str) -> Path | None:
    """The data folder ``db`` names when it is ``postgres:local[:FOLDER]``; None for any other URL."""
    if not db.startswith("postgres:"):
        return None
    if db == LOCAL_SCHEME:
        return data_folder() / LOCAL_FOLDER
    head, colon, folder = db.partition(LOCAL_SCHEME + ":")
    if head or not colon or not folder:
        raise PostgresStartError(f"--db {db!r}: write postgres:local or postgres:local:FOLDER "
                                 "(or a postgresql://user@host/dbname URL)")
    return Path(folder).expanduser().resolve()


class LocalPostgres:
    """A PostgreSQL of the user's own in a data folder: initdb on first use, then started (unless
    it runs already) and reached over a Unix socket in the folder, so only its owner (and root)
    can connect. :meth:`stop` stops it only if :meth:`start` started it."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self._cluster = _Cluster(data)
        self.created = False
        self.started = False

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the backend's database on this server."""
        return f"postgresql://postgres@/{LOCAL_DATABASE}?host={self.data}&port={LOCAL_PORT}"

    def _check_folder(self) -> None:
        socket_path = self.data / f".s.PGSQL.{LOCAL_PORT}"
        if len(os.fsencode(socket_path)) > SOCKET_PATH_MAX:
            raise PostgresStartError(f"PostgreSQL data folder {self.data}: its path is too long for the "
                                     f"server's socket ({len(os.fsencode(socket_path))} bytes, at most "
                                     f"{SOCKET_PATH_MAX}); choose a shorter one")
        if self.data.exists() and not self.data.is_dir():
            raise PostgresStartError(f"PostgreSQL data folder {self.data} is a file, not a folder")
        if self.data.is_dir() and not (self.data / "PG_VERSION").exists() and any(self.data.iterdir()):
            raise PostgresStartError(f"folder {self.data} is not empty and is not a PostgreSQL data "
                                     "folder: choose an empty or new one")
        if self._cluster.prefix:
            parent = self.data.parent
            if self._cluster.run(["test", "-x", str(parent)], check=False).returncode:
                raise PostgresStartError(f"as root, PostgreSQL runs as user postgres, who cannot enter "
                                         f"{parent}: choose a data folder postgres can reach")

    def start(self) -> str:
        """Initialise the folder if new, start the server unless it runs; the database's URL."""
        self._check_folder()
        if not (self.data / "PG_VERSION").exists():
            try:
                self.data.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise PostgresStartError(f"cannot create the PostgreSQL data folder {self.data}: "
                                         f"{exc.strerror or exc}") from None
            self._cluster.own(self.data)
            self._cluster.init("scram-sha-256")  # no TCP is opened; a socket in the folder
            self.created = True
        if not self._cluster.running():
            options = f"-c listen_addresses='' -k {shlex.quote(str(self.data))} -p {LOCAL_PORT}"
            self._cluster.start(options, self.data / "server.log")
            self.started = True
        return self.url

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions ended, data kept) if this object started it."""
        if self.started:
            self._cluster.stop("fast")
            self.started = False


class PostgresServer:
    """A throw-away PostgreSQL server (fsync off: for tests and benchmarks only)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="apcv-pg-"))
        self.data = self.root / "data"
        self._cluster = _Cluster(self.data)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._cluster.own(self.root)
        os.chmod(self.root, 0o755)
        self._cluster.init("trust", "--no-sync")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        self._cluster.start(options, self.root / "log")
        self._databases = 0

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
            self._cluster.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
