"""The per-request hot path in plain SQL on the driver's connection.

Caller, person, beneficiary and device lookups by primary or unique key, the single-use claim
of a presentation token and of a request nonce (APCV-SIG-1), run on a per-thread DBAPI
connection in autocommit mode with the driver's parameter style, without SQLAlchemy's
statement layer or pool (on SQLite a lookup takes ~7 us this way, ~55 us through Core).
Same tables as :mod:`db`; nothing is cached, every call reads the database.

The single-use claim is one ``INSERT ... ON CONFLICT (token_id) DO NOTHING`` with no read
first: whichever worker inserts first wins, the database is the arbiter, and the write
transaction is as short as it can be (SQLite WAL serialises writers across processes).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Engine, event


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


class DeviceRow(NamedTuple):
    """An enrolled device as the hot path reads it."""

    public_key: bytes  # SubjectPublicKeyInfo DER
    nir: str  # the person who enrolled it
    status: str  # pending, active, revoked, rejected
    card_reference: str | None  # set once active


class _Statements(NamedTuple):
    principal: str
    device: str
    person: str
    beneficiary: str
    claim_token: str
    replay: str
    spend_nonce: str
    purge_nonces: str


@lru_cache(maxsize=4)
def _statements(paramstyle: str) -> _Statements:
    mark = "?" if paramstyle == "qmark" else "%s"
    return _Statements(
        principal=f"SELECT public_key, kind FROM principal WHERE key_id = {mark}",
        device=f"SELECT public_key, nir, status, card_reference FROM device WHERE device_id = {mark}",
        person=f"SELECT {', '.join(PersonRow._fields)} FROM person WHERE nir = {mark}",
        beneficiary=f"SELECT 1 FROM beneficiary WHERE holder_nir = {mark} AND beneficiary_nir = {mark}",
        claim_token=("INSERT INTO used_token (token_id, rpps, holder_nir, selected_nir, used_at, expires_at) "
                     f"VALUES ({', '.join([mark] * 6)}) ON CONFLICT (token_id) DO NOTHING"),
        replay=f"INSERT INTO replay (token_id, rpps, at) VALUES ({mark}, {mark}, {mark})",
        spend_nonce=(f"INSERT INTO request_nonce (nonce, expires_at) VALUES ({mark}, {mark}) "
                     "ON CONFLICT (nonce) DO NOTHING"),
        purge_nonces=f"DELETE FROM request_nonce WHERE expires_at < {mark}",
    )


class HotConnection:
    """One DBAPI connection in autocommit mode with the hot-path statements."""

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

    def device(self, device_id: str) -> DeviceRow | None:
        """An enrolled device, or None."""
        row = self._one(self._sql.device, device_id)
        return None if row is None else DeviceRow(bytes(row[0]), row[1], row[2], row[3])

    def person(self, nir: str) -> PersonRow | None:
        """Identity and rights of the person with ``nir``, or None."""
        row = self._one(self._sql.person, nir)
        return None if row is None else PersonRow(*row)

    def is_beneficiary(self, holder_nir: str, nir: str) -> bool:
        """True when the records attach ``nir`` to ``holder_nir`` as a beneficiary."""
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql.beneficiary, (holder_nir, nir))
            return cursor.fetchone() is not None
        finally:
            cursor.close()

    def spend_nonce(self, nonce: bytes, expires_at: int) -> bool:
        """Remember a request nonce until ``expires_at``: True the first time, False for a replay.

        One autocommitted ``INSERT ... ON CONFLICT DO NOTHING``: the database decides across workers.
        """
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql.spend_nonce, (nonce, expires_at))
            return cursor.rowcount == 1
        finally:
            cursor.close()

    def purge_nonces(self, now: float) -> int:
        """Forget nonces whose request could no longer pass the timestamp check; how many."""
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql.purge_nonces, (now,))
            return cursor.rowcount
        finally:
            cursor.close()

    def claim_token(self, token_id: str, rpps: str, holder_nir: str, selected_nir: str, used_at: float,
                    expires_at: float) -> bool:
        """Spend a token: True when this call spent it, False when it was already spent (logged).

        The insert is one autocommitted statement: durable when this returns True.
        """
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql.claim_token,
                           (token_id, rpps, holder_nir, selected_nir, used_at, expires_at))
            if cursor.rowcount == 1:
                return True
            cursor.execute(self._sql.replay, (token_id, rpps, used_at))
            return False
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the DBAPI connection."""
        self._conn.close()


class HotPath:
    """The hot-path connections of one engine: one per thread, opened on first use.

    Handlers run the hot path without awaiting in between, so a thread never uses its
    connection for two requests at once. Connections are in autocommit mode: every read
    sees the latest committed data and the token claim commits at once. They are closed
    with :meth:`close`, which ``engine.dispose()`` calls.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._statements = _statements(engine.dialect.paramstyle)
        self._local = threading.local()
        self._open: list[HotConnection] = []
        self._lock = threading.Lock()
        self._errors: tuple[type[Exception], ...] = (engine.dialect.loaded_dbapi.OperationalError,
                                                     engine.dialect.loaded_dbapi.InterfaceError)
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    @contextmanager
    def connection(self) -> Iterator[HotConnection]:
        """This thread's connection; dropped (and reopened next time) after a driver error."""
        conn: HotConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            raw = self._engine.raw_connection()
            raw.detach()
            self._engine.dialect.set_isolation_level(raw.dbapi_connection, "AUTOCOMMIT")
            conn = HotConnection(raw.dbapi_connection, self._statements)
            with self._lock:
                self._open.append(conn)
            self._local.conn = conn
        try:
            yield conn
        except self._errors:
            self._forget(conn)
            raise

    def _forget(self, conn: HotConnection) -> None:
        self._local.conn = None
        with self._lock:
            if conn in self._open:
                self._open.remove(conn)
        with suppress(self._errors):
            conn.close()

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            opened, self._open = self._open, []
        for conn in opened:
            conn.close()
        self._local = threading.local()
