"""``--target embedded``: our backend served on a fresh seeded SQLite database for one run.

The database lives in a scratch folder (never the report folder: it holds whole NIRs) that
is removed on close, after the audit has read it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from simulators.backend.process import ServerProcess

DEFAULT_PEOPLE = 2_000
MAX_PEOPLE = 2_000_000
RESTART_TIMEOUT_S = 60.0


class EmbeddedTarget:
    """``apcv-hil backend serve`` in a child process on a new database seeded with ``people`` insured."""

    def __init__(self, people: int, population_seed: int, seed: int, workers: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="apcv-load-"))
        self.db_path = self.folder / "backend.sqlite3"
        self.fault_file = self.folder / "faults.json"
        self.seed = seed
        self.workers = workers
        try:
            self.server = ServerProcess(f"sqlite:///{self.db_path}", workers=workers, seed_population=people,
                                        population_seed=population_seed, seed=seed,
                                        fault_file=str(self.fault_file))
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        """Where it serves."""
        return self.server.url

    def restart(self) -> float:
        """Start the server again (after a crash) on the same port and database; seconds it took."""
        started = time.monotonic()
        self.server.kill()
        self.server = ServerProcess(f"sqlite:///{self.db_path}", workers=self.workers, port=self.server.port,
                                    seed=self.seed, fault_file=str(self.fault_file),
                                    startup_timeout=RESTART_TIMEOUT_S)
        return time.monotonic() - started

    def stop(self) -> None:
        """Stop the server (the database stays, for the audit)."""
        self.server.stop()

    def close(self) -> None:
        """Stop the server and remove the database."""
        try:
            self.server.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
