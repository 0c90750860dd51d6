"""Serve the backend over HTTP with uvicorn: ``python -m simulators.backend.serve OPTIONS_JSON``.

The ``apcv-hil backend serve`` command and :class:`~simulators.backend.process.ServerProcess`
both end here, so a backend child process needs nothing above the simulators layer.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass

from simulators.backend.settings import DEFAULT_DB, ENV_DB, ENV_FAULTS, ENV_SEED


@dataclass(frozen=True)
class ServeOptions:
    """How to serve: database, address, workers, seeds."""

    db_url: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8600
    workers: int = 1
    seed: int = 0
    seed_population: int = 0
    population_seed: int = 0
    fault_file: str = ""
    """A fault file of injected outages (:mod:`simulators.backend.faults`), for load tests."""

    def to_json(self) -> str:
        """The options as one JSON argument for a child process."""
        return json.dumps(asdict(self))


def serve(options: ServeOptions) -> None:
    """Prepare the database (seeding it when asked) and serve until interrupted."""
    import uvicorn

    from simulators.backend import seeding
    from simulators.backend.db import create_schema, make_engine

    engine = make_engine(options.db_url)
    if options.seed_population:
        started = time.perf_counter()
        added = seeding.seed_population(engine, options.seed_population, options.population_seed)
        print(f"seeded {options.seed_population} insured ({added} people) in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    create_schema(engine)
    seeding.seed_directory(engine, options.seed)
    engine.dispose()
    os.environ[ENV_DB] = options.db_url
    os.environ[ENV_SEED] = str(options.seed)
    if options.fault_file:
        os.environ[ENV_FAULTS] = options.fault_file
    # served directly (no proxy in front): no X-Forwarded-* rewriting, no Server header
    uvicorn.run("simulators.backend.app:app_from_environment", factory=True, host=options.host,
                port=options.port, workers=options.workers, log_level="warning", access_log=False,
                proxy_headers=False, server_header=False)


if __name__ == "__main__":
    serve(ServeOptions(**json.loads(sys.argv[1])))
