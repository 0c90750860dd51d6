"""``apcv-hil backend serve``: the insurer backend simulator over HTTP (uvicorn)."""

from __future__ import annotations

from pathlib import Path

import click

from simulators.backend.logs import LOG_LEVELS
from simulators.backend.settings import DB_FILE, default_db


@click.group()
def backend() -> None:
    """The insurer backend simulator (activation, verification, rights, claims, receipts)."""


@backend.command()
@click.option("--db", "db_url", default=None,
              help="sqlite:///path (WAL mode) or postgresql://user@host/dbname. Default: "
                   f"{DB_FILE} in $XDG_DATA_HOME/apcv-hil (~/.local/share/apcv-hil).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8600, show_default=True,
              help="TCP port (0: any free port, printed at start).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="uvicorn worker processes.")
@click.option("--seed", type=int, default=None,
              help="Serve test keys derived from this public seed (the rig's seed), which anyone can "
                   "derive. Default: the backend's own secret keys, drawn at its first start.")
@click.option("--keys", "keys_dir", default="", metavar="DIR",
              help="Folder of the secret keys (mode 0700; default: <database file>.keys beside a SQLite "
                   "database; required for PostgreSQL).")
@click.option("--seed-population", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed a new database with this many synthetic insured people first.")
@click.option("--population-seed", type=int, default=0, show_default=True,
              help="Seed of the synthetic population.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True,
              help="Least severe log messages shown (the access log is at info).")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log one line per request (NIRs masked).")
@click.option("--variant", default=None, metavar="NAME",
              help="Serve a faulty variant that breaks one rule (docs/backend.md), to prove a plan fails.")
@click.option("--test-clock", is_flag=True,
              help="Serve /v1/test/clock, through which a review operator moves the service's clock forward.")
@click.option("--allowed-hosts", default="", metavar="HOST[,HOST...]",
              help="Serve only requests whose Host header is one of these (wildcards like *.example.org); "
                   "others get 400. Default: any host (bind to 127.0.0.1, or name the hosts).")
@click.option("--audit", is_flag=True,
              help="Keep the audit log of every request (operation, caller, token id, outcome, time; "
                   "NIRs masked), served to operators at GET /v1/test/audit (one worker).")
def serve(db_url: str | None, host: str, port: int, workers: int, seed: int | None, keys_dir: str,
          seed_population: int, population_seed: int, log_level: str, access_log: bool, variant: str | None,
          test_clock: bool, allowed_hosts: str, audit: bool) -> None:
    """Serve the backend over HTTP; stop with Ctrl-C.

    Prints "apcv-hil backend: serving on URL (db ...)" on stderr once it listens; the log and
    the access log follow on stderr. The API is described at URL/docs (Swagger UI) and URL/redoc,
    both served from local files, and URL/openapi.json.
    """
    from simulators.backend.serve import ServeOptions
    from simulators.backend.serve import serve as serve_backend

    serve_backend(ServeOptions(db_url=db_url or default_db(), host=host, port=port, workers=workers,
                               seed=seed, keys=keys_dir,
                               seed_population=seed_population, population_seed=population_seed,
                               log_level=log_level, access_log=access_log, variant=variant,
                               test_clock=test_clock, audit=audit,
                               allowed_hosts=tuple(h.strip() for h in allowed_hosts.split(",") if h.strip())))


@backend.group()
def keys() -> None:
    """The served backend's keys (secret by default; test keys with --seed)."""


@keys.command("export")
@click.option("--db", "db_url", default=None,
              help="The backend's database: its secret keys are in <database file>.keys (default: "
                   "backend serve's default database).")
@click.option("--keys", "keys_dir", default="", metavar="DIR", help="The backend's key folder, if named.")
@click.option("--seed", type=int, default=None, help="A backend serving the test keys of this public seed.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write insurer-root.pem and france-identite.pub.pem into.")
def export(db_url: str | None, keys_dir: str, seed: int | None, out_dir: Path) -> None:
    """Write the backend's public trust anchors: the insurer root certificate (what verifiers take
    with --trust) and the France Identité provider's public key. No private key leaves the folder."""
    from simulators.backend.keys import export_anchors, resolve

    backend_keys = resolve(db_url or default_db(), seed, keys_dir, create=False)
    for path in export_anchors(backend_keys, out_dir):
        click.echo(str(path))
    if backend_keys.folder is None:
        click.echo(f"warning: {backend_keys.describe()}", err=True)


@backend.command()
@click.argument("url")
@click.option("--timeout", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="Seconds to wait before giving up.")
def wait(url: str, timeout: float) -> None:
    """Wait until the backend at URL answers its health check, for scripts that start one.

    apcv-hil backend serve --port 8600 & apcv-hil backend wait http://127.0.0.1:8600 && locust ...
    Exit 0 once GET URL/v1/health answers 200, 1 when TIMEOUT passes first.
    """
    from harness.cli import FAILED_EXIT, OneLineError
    from simulators.backend.readiness import wait_ready

    waited = wait_ready(url, timeout)
    if waited is None:
        raise OneLineError(f"no answer from {url}/v1/health within {timeout:g} s", FAILED_EXIT)
    click.echo(f"backend at {url} ready after {waited:.1f} s")
