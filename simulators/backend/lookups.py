"""The per-request hot path in plain SQL on the driver's connection.

Caller, person and device lookups by primary or unique key, and the single-use claim of a
presentation token, run on the DBAPI connection of the engine's pool with the driver's
parameter style, without SQLAlchemy's statement layer (on SQLite a lookup takes ~7 us
this way, ~55 us through Core). Same tables as :mod:`db`; nothing is cached, every call
reads the database.

The single-use claim is one ``INSERT ... ON CONFLICT (token_id) DO NOTHING`` with no read
first: whichever worker inserts first wins, the database is the arbiter, and the write
transaction is as short as it can be (SQLite WAL serialises writers across processes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Engine


class PersonRow(NamedTuple):
    """The identity and rights columns of a ``person`` row."""

    nir: str
    birth_name: str
    first_names: str
    birth_date: str
    sex: str
    birthplace: str
    regime_code: str
    regime_name: str
    fund_code: str
    fund_name: str
    rights_from: str
    rights_until: str | None


class _Statements(NamedTuple):
    principal: str
    device: str
    person: str
    claim_token: str
    replay: str


@lru_cache(maxsize=4)
def _statements(paramstyle: str) -> _Statements:
    mark = "?" if paramstyle == "qmark" else "%s"
    return _Statements(
        principal=f"SELECT public_key, kind FROM principal WHERE key_id = {mark}",
        device=f"SELECT public_key, nir, status FROM device WHERE device_id = {mark}",
        person=f"SELECT {', '.join(PersonRow._fields)} FROM person WHERE nir = {mark}",
        claim_token=("INSERT INTO used_token (token_id, rpps, holder_nir, selected_nir, used_at, expires_at) "
                     f"VALUES ({', '.join([mark] * 6)}) ON CONFLICT (token_id) DO NOTHING"),
        replay=f"INSERT INTO replay (token_id, rpps, at) VALUES ({mark}, {mark}, {mark})",
    )


class HotConnection:
    """One pooled DBAPI connection with the hot-path statements."""

    def __init__(self, dbapi_connection: Any, statements: _Statements) -> None:
        self._conn = dbapi_connection
        self._sql = statements

    def _one(self, sql: str, key: str) -> tuple | None:
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql, (key,))
            return cursor.fetchone()
        finally:
            cursor.close()

    def principal(self, key_id: str) -> tuple[bytes, str] | None:
        """(public key SPKI DER, kind) of a directory caller, or None."""
        row = self._one(self._sql.principal, key_id)
        return None if row is None else (bytes(row[0]), row[1])

    def device(self, device_id: str) -> tuple[bytes, str, str] | None:
        """(public key SPKI DER, NIR, status) of an enrolled device, or None."""
        row = self._one(self._sql.device, device_id)
        return None if row is None else (bytes(row[0]), row[1], row[2])

    def person(self, nir: str) -> PersonRow | None:
        """Identity and rights of the person with ``nir``, or None."""
        row = self._one(self._sql.person, nir)
        return None if row is None else PersonRow(*row)

    def claim_token(self, token_id: str, rpps: str, holder_nir: str, selected_nir: str, used_at: float,
                    expires_at: float) -> bool:
        """Spend a token and commit: True when this call spent it, False when it was already spent.

        A refused claim is logged in ``replay`` in the same commit.
        """
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql.claim_token,
                           (token_id, rpps, holder_nir, selected_nir, used_at, expires_at))
            spent = cursor.rowcount == 1
            if not spent:
                cursor.execute(self._sql.replay, (token_id, rpps, used_at))
        finally:
            cursor.close()
        self._conn.commit()
        return spent


@contextmanager
def hot_connection(engine: Engine) -> Iterator[HotConnection]:
    """A pooled DBAPI connection of ``engine`` for the hot path; back to the pool on exit.

    The pool rolls back whatever was not committed (PostgreSQL opens a transaction on the
    first read, SQLite only on a write).
    """
    raw = engine.raw_connection()
    try:
        yield HotConnection(raw, _statements(engine.dialect.paramstyle))
    finally:
        raw.close()
