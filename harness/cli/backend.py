"""``apcv-hil backend serve``: the insurer backend simulator over HTTP (uvicorn)."""

from __future__ import annotations

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
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the synthetic insurer PKI and caller directory (the rig's seed).")
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
@click.option("--audit", is_flag=True,
              help="Keep the audit log of every request (operation, caller, token id, outcome, time; "
                   "NIRs masked), served to operators at GET /v1/test/audit (one worker).")
def serve(db_url: str | None, host: str, port: int, workers: int, seed: int, seed_population: int,
          population_seed: int, log_level: str, access_log: bool, variant: str | None,
          test_clock: bool, audit: bool) -> None:
    """Serve the backend over HTTP; stop with Ctrl-C.

    Prints "apcv-hil backend: serving on URL (db ...)" on stderr once it listens; the log and
    the access log follow on stderr. The API is described at URL/docs (Swagger UI) and URL/redoc,
    both served from local files, and URL/openapi.json.
    """
    from simulators.backend.serve import ServeOptions
    from simulators.backend.serve import serve as serve_backend

    serve_backend(ServeOptions(db_url=db_url or default_db(), host=host, port=port, workers=workers,
                               seed=seed,
                               seed_population=seed_population, population_seed=population_seed,
                               log_level=log_level, access_log=access_log, variant=variant,
                               test_clock=test_clock, audit=audit))


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
