"""Serve the backend over HTTP with uvicorn: ``python -m simulators.backend.serve OPTIONS_JSON``.

The ``apcv-hil backend serve`` command and :class:`~simulators.backend.process.ServerProcess`
both end here, so a backend child process needs nothing above the simulators layer.

The address is tried first, so a busy port is one clear error before anything else happens
(and ``port=0`` picks a free port); the database is reached next (an unreachable one is one
clear error too); then uvicorn serves there, its log and access log on stderr (see :mod:`.logs`),
and ``apcv-hil backend: serving on URL (db ...)`` goes to stderr once the address accepts
connections (uvicorn imports the app and binds after it starts: seconds on a busy machine), so
a script that waits for that line can connect at once.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, replace

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from apcv.errors import ApcvError
from simulators.backend.keys import BackendKeys, resolve
from simulators.backend.logs import LOG_LEVELS, log_config
from simulators.backend.postgres_server import LocalPostgres, local_folder
from simulators.backend.settings import (
    DEFAULT_DB,
    ENV_ALLOWED_HOSTS,
    ENV_AUDIT,
    ENV_DB,
    ENV_FAULTS,
    ENV_KEYS,
    ENV_SEED,
    ENV_TEST_CLOCK,
    ENV_VARIANT,
)
from simulators.backend.variants import policy_of

BANNER = "apcv-hil backend: serving on"
"""Start of the line printed once the backend listens: ``BANNER URL (db URL)``."""


class ServeError(ApcvError):
    """The backend cannot be served: its address is taken or not local, or its database unreachable."""


@dataclass(frozen=True)
class ServeOptions:
    """How to serve: database, address (port 0: any free port), workers, seeds, logging, the audit
    log, and for tests a faulty variant, the test clock and injected outages."""

    db_url: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8600
    workers: int = 1
    seed: int | None = None
    """Serve test keys derived from this public seed; None: the backend's secret keys (:mod:`.keys`)."""
    keys: str = ""
    """The folder of the secret keys ('': ``<database file>.keys`` beside a SQLite database)."""
    seed_population: int = 0
    population_seed: int = 0
    log_level: str = "info"
    access_log: bool = True
    variant: str | None = None
    """A faulty variant of the backend (:mod:`simulators.backend.variants`); None: the reference."""
    test_clock: bool = False
    """Serve ``/v1/test/clock``, through which a review operator moves the service's clock forward."""
    fault_file: str = ""
    """A fault file of injected outages (:mod:`simulators.backend.faults`), for load tests."""
    audit: bool = False
    """Keep the audit log of every request (:mod:`simulators.backend.audit`): one worker only."""
    allowed_hosts: tuple[str, ...] = ()
    """The only ``Host`` headers served (``*.example.org`` wildcards allowed); empty: any."""

    def __post_init__(self) -> None:
        if self.log_level not in LOG_LEVELS:
            raise ServeError(f"log level {self.log_level!r} is not one of {', '.join(LOG_LEVELS)}")
        if self.audit and self.workers > 1:
            raise ServeError("the audit log lives in the serving process: serve it with one worker")

    def to_json(self) -> str:
        """The options as one JSON argument for a child process."""
        return json.dumps(asdict(self))


def check_address(host: str, port: int) -> tuple[str, int]:
    """``host:port`` bound and let go at once, so that a busy or foreign address is one clear
    ServeError before anything else happens; the address with port 0 made a free port."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it next
        try:
            sock.bind(address)
        except OSError as exc:
            reason = {errno.EADDRINUSE: f"port {port} is already in use (another server, or pick --port)",
                      errno.EACCES: f"permission denied (port {port} needs privileges)",
                      errno.EADDRNOTAVAIL: f"{host} is not an address of this machine"}.get(
                          exc.errno or 0, exc.strerror or str(exc))
            raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None
        return host, sock.getsockname()[1]


def url_of(host: str, port: int) -> str:
    """``http://host:port`` (an IPv6 host in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def shown_db(db_url: str) -> str:
    """The database URL with its password hidden."""
    return make_url(db_url).render_as_string(hide_password=True)


def prepare_database(options: ServeOptions) -> BackendKeys:
    """Create the database if it is a missing PostgreSQL one (when the role may), then the schema
    and the caller directory of the backend's keys (secret, or a public test seed's), seeding the
    population when asked; the keys."""
    from simulators.backend import seeding
    from simulators.backend.db import create_schema, make_engine
    from simulators.backend.db_setup import ensure_database, preparation_lock

    policy_of(options.variant)  # an unknown variant is refused before anything is touched
    engine = make_engine(options.db_url)
    try:
        if ensure_database(options.db_url):
            print(f"created the database {shown_db(options.db_url)}", file=sys.stderr)
        with preparation_lock(engine):
            if options.seed_population:
                started = time.perf_counter()
                added = seeding.seed_population(engine, options.seed_population, options.population_seed)
                print(f"seeded {options.seed_population} insured ({added} people) in "
                      f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
            create_schema(engine)
            keys = resolve(options.db_url, options.seed, options.keys)
            seeding.seed_directory(engine, keys.seed)
            if not seeding.directory_matches(engine, keys.seed):
                raise ServeError(f"the database {shown_db(options.db_url)} was set up with other keys "
                                 f"than these ({keys.describe()}): serve it with its own keys, or use a "
                                 "new database")
        return keys
    except DBAPIError as exc:
        said = str(exc.orig or exc).strip()
        reason = said.splitlines()[0] if said else type(exc.orig or exc).__name__
        raise ServeError(f"cannot use the database {shown_db(options.db_url)}: {reason}") from None
    finally:
        engine.dispose()


def serve(options: ServeOptions) -> None:
    """Check the address, start a ``postgres:local`` server, prepare the database, say where, and
    serve until interrupted (then stop the PostgreSQL it started)."""
    host, port = check_address(options.host, options.port)
    local = start_local_postgres(options.db_url)
    try:
        if local is not None:  # its secret keys beside its data folder unless named (or a test seed)
            keys_folder = options.keys or str(local.data.with_name(local.data.name + ".keys"))
            options = replace(options, db_url=local.url, keys=keys_folder)
        keys = prepare_database(options)
        _serve_prepared(options, keys, host, port)
    finally:
        if local is not None:
            local.stop()


def start_local_postgres(db: str) -> LocalPostgres | None:
    """For ``--db postgres:local[:FOLDER]``, the PostgreSQL of that data folder, initialised on first
    use and started unless it runs; None for any other URL."""
    folder = local_folder(db)
    if folder is None:
        return None
    server = LocalPostgres(folder)
    server.start()
    if server.created:
        print(f"apcv-hil backend: initialised a PostgreSQL data folder in {folder}", file=sys.stderr)
    print(f"apcv-hil backend: PostgreSQL in {folder} "
          f"{'started (stopped when this server stops)' if server.started else 'was running: using it'}",
          file=sys.stderr, flush=True)
    return server


def _serve_prepared(options: ServeOptions, keys: BackendKeys, host: str, port: int) -> None:
    import uvicorn

    from simulators.backend.http_limits import UVICORN_LIMITS

    os.environ[ENV_DB] = options.db_url
    if keys.folder is None:
        os.environ[ENV_SEED] = str(keys.seed)
    else:  # the workers read the secret from its file, never from the environment
        os.environ[ENV_KEYS] = str(keys.folder)
    os.environ[ENV_VARIANT] = options.variant or ""
    os.environ[ENV_TEST_CLOCK] = "1" if options.test_clock else ""
    os.environ[ENV_AUDIT] = "1" if options.audit else "0"
    os.environ[ENV_ALLOWED_HOSTS] = ",".join(options.allowed_hosts)
    if options.fault_file:
        os.environ[ENV_FAULTS] = options.fault_file
    banner = (f"{BANNER} {url_of(host, port)} (db {shown_db(options.db_url)}, {options.workers} "
              f"worker{'s' if options.workers > 1 else ''}); {keys.describe()}; Ctrl-C to stop")
    threading.Thread(target=announce_when_listening, args=(host, port, banner), name="banner",
                     daemon=True).start()
    # served directly (no proxy in front): no X-Forwarded-* rewriting, no Server header
    uvicorn.run("simulators.backend.app:app_from_environment", factory=True, host=host, port=port,
                workers=options.workers, log_level=options.log_level, access_log=options.access_log,
                log_config=log_config(), proxy_headers=False, server_header=False, **UVICORN_LIMITS)


def announce_when_listening(host: str, port: int, line: str, interval: float = 0.05) -> None:
    """Print ``line`` on stderr once ``host:port`` accepts a connection (a wildcard address is
    tried on the loopback); gives up silently with the process (a daemon thread)."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    while True:
        try:
            with socket.create_connection((target, port), timeout=1.0):
                break
        except OSError:
            time.sleep(interval)
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    """Serve with the options given as one JSON argument; a ServeError is one line, exit 2."""
    try:
        options = json.loads(argv[1])
        serve(ServeOptions(**{**options, "allowed_hosts": tuple(options.get("allowed_hosts", ()))}))
    except ApcvError as exc:
        print(f"apcv-hil backend: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
