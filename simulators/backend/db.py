"""Database schema (SQLAlchemy Core) and engines: SQLite in WAL mode, or PostgreSQL.

Dates are ISO strings and instants POSIX seconds (floats), the same on both dialects. Engines
hide statement parameters in their errors (``hide_parameters``): a failed statement's
traceback in the server log never shows a NIR.
Lookup indexes are created separately (:func:`create_indexes`) so that bulk seeding
inserts first and indexes once.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from apcv.errors import ApcvError
from simulators.backend.settings import DEFAULT_DB


class DatabaseUrlError(ApcvError):
    """The database URL is malformed or names an unsupported dialect."""


metadata = MetaData()

person = Table(
    "person", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nir", String(15), nullable=False),
    Column("birth_name", String(80), nullable=False),
    Column("first_names", String(200), nullable=False),
    Column("first_name", String(80), nullable=False),
    Column("birth_date", String(10), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birthplace", String(5), nullable=False),
    Column("regime_code", String(2), nullable=False),
    Column("regime_name", String(80), nullable=False),
    Column("fund_code", String(3), nullable=False),
    Column("fund_name", String(120), nullable=False),
    Column("rights_from", String(10), nullable=False),
    Column("rights_until", String(10)),
    Column("under_guardianship", Boolean, nullable=False),
    Column("insured", Boolean, nullable=False),
)

beneficiary = Table(
    "beneficiary", metadata,
    Column("holder_nir", String(15), nullable=False),
    Column("beneficiary_nir", String(15), nullable=False),
    Column("relation", String(10), nullable=False),
    Column("card_order", Integer),  # order on the card: 1 for the first beneficiary
)

principal = Table(
    "principal", metadata,
    Column("key_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("name", String(200), nullable=False),
)

device = Table(
    "device", metadata,
    Column("device_id", String(32), primary_key=True),
    Column("activation_id", String(32), nullable=False, unique=True),
    Column("nir", String(15), nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("proof", String(20), nullable=False),
    Column("status", String(10), nullable=False),  # pending, active, revoked, rejected
    Column("card_reference", String(20)),
    Column("certificate", LargeBinary),
    Column("card_data", LargeBinary),  # the insurer-signed card data (APCV-R1 §5.2) for this device
    Column("reason", Text),
    Column("created_at", Float, nullable=False),
    Column("decided_at", Float),
)

used_token = Table(
    "used_token", metadata,
    Column("token_id", String(64), primary_key=True),
    Column("rpps", String(11), nullable=False),
    Column("holder_nir", String(15), nullable=False),
    Column("selected_nir", String(15), nullable=False),
    Column("used_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("billed_claim_id", String(64)),  # the one claim billed on this verification (set once)
)

replay = Table(
    "replay", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_id", String(64), nullable=False),
    Column("rpps", String(11), nullable=False),
    Column("at", Float, nullable=False),
)

service_clock = Table(
    "service_clock", metadata,  # the test clock's offset (one row), shared by every worker
    Column("id", Integer, primary_key=True),
    Column("offset_s", Float, nullable=False),
)

claim = Table(  # claim ids are the practitioner's own: one namespace per RPPS
    "claim", metadata,
    Column("rpps", String(11), primary_key=True),
    Column("claim_id", String(64), primary_key=True),
    Column("token_id", String(64), nullable=False),
    Column("holder_nir", String(15), nullable=False),
    Column("beneficiary_nir", String(15), nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("acts", Text, nullable=False),
    Column("acknowledged_at", Float, nullable=False),
)

receipt = Table(
    "receipt", metadata,
    Column("receipt_id", String(32), primary_key=True),
    Column("claim_id", String(64), nullable=False),
    Column("holder_nir", String(15), nullable=False),
    Column("beneficiary_nir", String(15), nullable=False),
    Column("rpps", String(11), nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("downloaded_at", Float),
    UniqueConstraint("rpps", "claim_id"),
)

delegation = Table(
    "delegation", metadata,
    Column("delegation_id", String(32), primary_key=True),
    Column("holder_nir", String(15), nullable=False),
    Column("delegate_nir", String(15), nullable=False),
    Column("beneficiaries", Text, nullable=False),  # JSON list of NIRs
    Column("valid_from", Float, nullable=False),
    Column("valid_until", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
)

request_nonce = Table(
    "request_nonce", metadata,
    Column("nonce", LargeBinary(16), primary_key=True),  # APCV-SIG-1 X-Apcv-Nonce, spent once
    Column("expires_at", Integer, nullable=False),
    sqlite_with_rowid=False,  # one b-tree, keyed by the nonce: one page written per request
)

idempotent_request = Table(
    "idempotent_request", metadata,
    Column("key_id", String(64), primary_key=True),
    Column("idempotency_key", String(64), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_person_nir ON person (nir)",
    "CREATE INDEX IF NOT EXISTS ix_person_traits ON person (birth_name, birth_date)",
    "CREATE INDEX IF NOT EXISTS ix_beneficiary_holder ON beneficiary (holder_nir)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_beneficiary_pair ON beneficiary (holder_nir, beneficiary_nir)",
    "CREATE INDEX IF NOT EXISTS ix_device_nir ON device (nir)",
    "CREATE INDEX IF NOT EXISTS ix_receipt_holder ON receipt (holder_nir)",
    "CREATE INDEX IF NOT EXISTS ix_delegation_holder ON delegation (holder_nir)",
    "CREATE INDEX IF NOT EXISTS ix_delegation_delegate ON delegation (delegate_nir)",
)


SQLITE_MMAP_BYTES = 1 << 30
"""How much of a SQLite database file is read through a memory map (a million insured take ~0.4 GB)."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
    cursor.execute("PRAGMA busy_timeout=10000")
    # Reads through a memory map: in WAL mode any write by another connection empties this
    # connection's page cache, and every lookup would otherwise read its pages again with pread.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def make_engine(url: str = DEFAULT_DB) -> Engine:
    """An engine for ``url``: ``sqlite:///file`` (WAL mode) or ``postgresql://...``."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"database URL {url!r} is malformed: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise DatabaseUrlError("an in-memory SQLite database cannot be shared; give a file path")
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUrlError(f"database URL {url!r}: cannot create its folder "
                                   f"({exc.strerror or exc})") from None
        engine = create_engine(parsed, connect_args={"timeout": 10}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True)
    raise DatabaseUrlError(f"database URL {url!r}: dialect '{backend}' is not supported "
                           "(use sqlite:///path or postgresql://...)")


def create_schema(engine: Engine, *, indexes: bool = True) -> None:
    """Create missing tables and columns (and the lookup indexes unless ``indexes`` is False)."""
    metadata.create_all(engine)
    _add_missing_columns(engine)
    if indexes:
        create_indexes(engine)


def _add_missing_columns(engine: Engine) -> None:
    """Add the nullable columns a database made by an older version lacks (no data is touched)."""
    inspector = inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}'))


def create_indexes(engine: Engine) -> None:
    """Create missing lookup indexes."""
    with engine.begin() as conn:
        for statement in INDEXES:
            conn.execute(text(statement))
