"""What the users were told: every accepted token, submitted and acknowledged claim, delivered receipt.

Users record these as they happen; the master (or the only Locust process) stores them in a
SQLite file of the report folder with no uniqueness constraint, so a token accepted twice or
a claim acknowledged twice shows up in the audit instead of being merged away. Rows are
written as they arrive: memory stays flat however long the run.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

TABLES = {
    "accepted": "token_id TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL",
    "submitted": "claim_id TEXT NOT NULL, token_id TEXT NOT NULL, caller TEXT NOT NULL",
    "acked": "claim_id TEXT NOT NULL, receipt_id TEXT NOT NULL, total_cents INTEGER NOT NULL, "
             "status INTEGER NOT NULL, attempts INTEGER NOT NULL, at REAL NOT NULL",
    "delivered": "receipt_id TEXT NOT NULL, claim_id TEXT NOT NULL, at REAL NOT NULL",
}
INDEXES = ("CREATE INDEX IF NOT EXISTS ix_accepted ON accepted (token_id)",
           "CREATE INDEX IF NOT EXISTS ix_submitted ON submitted (claim_id)",
           "CREATE INDEX IF NOT EXISTS ix_acked ON acked (claim_id)",
           "CREATE INDEX IF NOT EXISTS ix_delivered ON delivered (receipt_id)")


def empty_entries() -> dict[str, list[tuple]]:
    """Rows waiting to be stored, by table."""
    return {table: [] for table in TABLES}


class Ledger:
    """The ledger file: rows appended as they come, indexed once at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        for table, columns in TABLES.items():
            self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
        self._db.commit()

    def add(self, entries: dict[str, list]) -> None:
        """Store rows (lists or tuples) by table; unknown tables are ignored."""
        for table, rows in entries.items():
            if table in TABLES and rows:
                marks = ", ".join("?" * TABLES[table].count("NOT NULL"))
                self._db.executemany(f"INSERT INTO {table} VALUES ({marks})", [tuple(r) for r in rows])
        self._db.commit()

    def close(self) -> None:
        """Index and close."""
        for statement in INDEXES:
            self._db.execute(statement)
        self._db.commit()
        self._db.execute("PRAGMA journal_mode=DELETE")  # one file, readable by a read-only audit
        self._db.close()


def open_ledger(path: Path) -> sqlite3.Connection:
    """The ledger file for reading (the audit)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
