"""Setting up the backend's PostgreSQL database: created when missing, prepared by one process at a time.

The database is created when it is missing, as the URL's role, when that role may.

The database is created over a connection to the server's maintenance database
(``postgres``, else ``template1``) with the URL's own role and password. Two backend
processes starting at once may both find it missing: the second ``CREATE DATABASE`` fails
with ``duplicate_database``, which means it exists, as wanted. They would race again on
``CREATE TABLE`` (PostgreSQL's catalog refuses the second with a unique violation), so each
prepares the schema inside :func:`preparation_lock`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from apcv.errors import ApcvError

UNDEFINED_DATABASE = "3D000"
DUPLICATE_DATABASE = "42P04"
INSUFFICIENT_PRIVILEGE = "42501"
MAINTENANCE_DATABASES = ("postgres", "template1")
CONNECT_TIMEOUT_S = 10
PREPARATION_LOCK = 0x41504356  # "APCV": the advisory lock key of schema preparation


class DatabaseCreateError(ApcvError):
    """The database is missing and cannot be created."""


def _engine(url: URL):
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT", hide_parameters=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def _missing(exc: DBAPIError, name: str) -> bool:
    """True when the connection was refused because the database does not exist (libpq reports
    it at connection time as text, without a SQLSTATE in older servers)."""
    return _sqlstate(exc) == UNDEFINED_DATABASE or f'database "{name}" does not exist' in str(exc.orig)


def ensure_database(db_url: str) -> bool:
    """Create the database of a ``postgresql://`` URL if it is missing; True when it was created.

    Any other URL is left alone (False). A connection failure other than a missing database
    propagates as the DBAPIError it is, for the caller's own message.
    """
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql" or not url.database:
        return False
    name = url.database
    engine = _engine(url)
    try:
        with engine.connect():
            return False
    except DBAPIError as exc:
        if not _missing(exc, name):
            raise
    finally:
        engine.dispose()
    role = url.username or "the default role"
    last: DBAPIError | None = None
    for maintenance in MAINTENANCE_DATABASES:
        engine = _engine(url.set(database=maintenance))
        try:
            with engine.connect() as conn:
                quoted = conn.dialect.identifier_preparer.quote_identifier(name)
                conn.execute(text(f"CREATE DATABASE {quoted}"))
                return True
        except DBAPIError as exc:
            state = _sqlstate(exc)
            if state == DUPLICATE_DATABASE:
                return False
            if state == INSUFFICIENT_PRIVILEGE:
                raise DatabaseCreateError(
                    f"database {name!r} does not exist and role {role!r} may not create it: "
                    f"create it as a role with CREATEDB (createdb -O {url.username or 'ROLE'} {name}) "
                    "or grant CREATEDB to this role") from None
            last = exc
        finally:
            engine.dispose()
    said = _first_line(str(last.orig if last is not None else "no maintenance database"))
    raise DatabaseCreateError(f"database {name!r} does not exist and could not be created through "
                              f"the maintenance databases {' or '.join(MAINTENANCE_DATABASES)}: {said}")


def _first_line(text_: str) -> str:
    return text_.strip().splitlines()[0] if text_.strip() else "no message"


@contextmanager
def preparation_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, hold a session advisory lock while the body prepares the database, so that
    backends starting together create the schema one after the other; nothing on SQLite (its
    writes are serialised by the file lock)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PREPARATION_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PREPARATION_LOCK})
            conn.commit()
