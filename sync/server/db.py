"""The referral server's database: engine set-up for SQLite and PostgreSQL, schema, and server keys.

SQLite runs in WAL mode with `synchronous=FULL` (a reply is only sent after a durable commit) and every
transaction starts with `BEGIN IMMEDIATE`, so concurrent writers queue on the busy timeout instead of
failing on a stale snapshot. PostgreSQL uses psycopg 3 (the `postgres` extra).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, select

from sync.envelope import key_id_for
from sync.server.models import UNIQUE_INTERVIEW_INDEX, OrganisationKey, ServerKey, metadata
from sync.server.private_files import make_private_database
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_
from waypoint.core.sqlite_write_lock import SqliteWriteLock, SqliteWriteLockTimeout

__all__ = [
    "atomic_step",
    "current_organisation_key",
    "insert_for",
    "insert_for_dialect",
    "load_receipt_key",
    "make_engine",
    "now_ms",
    "prepare_database",
    "read_public_key_file",
    "register_organisation_key",
    "request_connection",
    "step",
]

SQLITE_BUSY_TIMEOUT_S = 30
DEFAULT_CONNECTIONS = 16
RECEIPT_KEY_NAME = "receipt"
_HOLDS_WRITE_LOCK = "waypoint_holds_write_lock"


def now_ms() -> int:
    """The server clock in Unix milliseconds."""
    return int(time.time() * 1000)


def make_engine(database_url: str, *, writer: bool = True, connections: int = DEFAULT_CONNECTIONS) -> Engine:
    """An engine for `database_url`, with the durability settings the server relies on.

    Args:
        database_url: SQLite or PostgreSQL URL.
        writer: False for readers (the desk's export), whose long read must not hold SQLite's write lock.
        connections: PostgreSQL connections kept open, one per request the process handles at once
            (`ServerSettings.threads`). No overflow: a connection is never opened and closed per
            request. No ping on checkout (it costs a round trip each time): a connection the
            database dropped fails one request with 500, the pool is then renewed and the device
            retries.

    Raises:
        ConfigError: the URL cannot be used.
    """
    try:
        url = make_url(database_url)
    except ArgumentError as error:
        raise _bad_url() from error
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url, url.database, writer=writer)
    if url.get_backend_name() != "postgresql":
        raise _bad_url()
    return create_engine(
        database_url, pool_size=connections, max_overflow=0, pool_timeout=SQLITE_BUSY_TIMEOUT_S
    )


@contextmanager
def atomic_step(engine: Engine) -> Iterator[Connection]:
    """A connection for one step of a signed request, committed when the block ends.

    PostgreSQL: autocommit, so a step written as one statement (data-modifying CTEs are atomic) is
    one round trip, without BEGIN or COMMIT. SQLite: one `BEGIN IMMEDIATE` transaction.
    """
    with request_connection(engine) as connection, step(connection):
        yield connection


@contextmanager
def request_connection(engine: Engine) -> Iterator[Connection]:
    """One pooled connection for every step of a signed request: one checkout, not one per step.

    Nothing begins here: each step is its own `step(connection)`. PostgreSQL: in autocommit (a step
    written as one statement is one round trip). SQLite: each step is one `BEGIN IMMEDIATE`
    transaction that holds the write lock for that step only.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


@contextmanager
def step(connection: Connection) -> Iterator[Connection]:
    """One step of a request on its connection: committed when the block ends, rolled back on error."""
    with connection.begin():
        yield connection


def _acquire(lock: SqliteWriteLock | threading.Lock) -> bool:
    if isinstance(lock, SqliteWriteLock):
        try:
            lock.acquire(SQLITE_BUSY_TIMEOUT_S)
        except SqliteWriteLockTimeout:
            return False
        return True
    return lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_S)


def _sqlite_engine(database_url: str, database: str | None, *, writer: bool) -> Engine:
    in_memory = database in (None, "", ":memory:")
    if not in_memory and database is not None:
        if writer:
            make_private_database(Path(database))
        else:  # a reader (the case desk) creates nothing
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        database_url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
        poolclass=StaticPool if in_memory else None,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    # SQLite has one writer at a time. Threads queue on a lock instead of polling the busy timeout,
    # which collapses under many concurrent devices. On a file the lock also keeps other processes'
    # writes (the command line beside the server) and their automatic checkpoints apart: the WAL-reset
    # bug of SQLite before 3.51.3 (waypoint/core/sqlite_write_lock.py).
    write_lock: SqliteWriteLock | threading.Lock = (
        threading.Lock() if in_memory or database is None else SqliteWriteLock.for_database(Path(database))
    )

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if not writer:
            connection.exec_driver_sql("BEGIN")
            return
        if not _acquire(write_lock):
            raise TimeoutError("the database stayed busy")  # answered as a 500; the device retries
        connection.info[_HOLDS_WRITE_LOCK] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            connection.info.pop(_HOLDS_WRITE_LOCK, None)
            write_lock.release()
            raise

    @event.listens_for(engine, "commit")
    def _commit(connection: Any) -> None:
        # SQLAlchemy announces a commit before making it: commit here, so that the lock also covers
        # the commit's automatic checkpoint (the driver's own commit then finds nothing to do).
        if connection.info.pop(_HOLDS_WRITE_LOCK, False):
            try:
                connection.connection.driver_connection.execute("COMMIT")
            finally:
                write_lock.release()

    @event.listens_for(engine, "rollback")
    def _rollback(connection: Any) -> None:
        if connection.info.pop(_HOLDS_WRITE_LOCK, False):
            write_lock.release()

    return engine


def prepare_database(engine: Engine, *, deduplicate: bool = True) -> None:
    """Create missing tables. `deduplicate=False` (tests only) drops the unique index on interview ids."""
    try:
        try:
            metadata.create_all(engine)
        except IntegrityError:  # another server process created the same table at the same moment
            metadata.create_all(engine)
    except DatabaseError as error:  # unreachable, refused, or a file that is not a database
        raise ConfigError(
            N_("The referral server database could not be opened or created."),
            N_("Check the --database-url, that the database server runs and that you may write to it."),
        ) from error
    if not deduplicate:
        with engine.begin() as connection:
            connection.execute(text(f"DROP INDEX IF EXISTS {UNIQUE_INTERVIEW_INDEX}"))


def load_receipt_key(engine: Engine) -> Ed25519PrivateKey:
    """The server's receipt-signing key, made and stored on first use."""
    with Session(engine) as session:
        row = session.get(ServerKey, RECEIPT_KEY_NAME)
        if row is not None:
            return Ed25519PrivateKey.from_private_bytes(row.private_key)
        key = Ed25519PrivateKey.generate()
        session.add(
            ServerKey(
                name=RECEIPT_KEY_NAME,
                private_key=key.private_bytes(
                    serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
                ),
                public_key=key.public_key().public_bytes(
                    serialization.Encoding.Raw, serialization.PublicFormat.Raw
                ),
                created_at=now_ms(),
            )
        )
        try:
            session.commit()
        except IntegrityError:  # another process made it first: use theirs
            session.rollback()
            stored = session.get(ServerKey, RECEIPT_KEY_NAME)
            if stored is None:  # pragma: no cover - the conflicting row cannot vanish
                raise
            return Ed25519PrivateKey.from_private_bytes(stored.private_key)
        return key


def read_public_key_file(path: Path) -> bytes:
    """Read an organisation public key (PEM SubjectPublicKeyInfo, X25519) and return its raw 32 bytes.

    Raises:
        ConfigError: missing, unreadable, or not an X25519 public key.
    """
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as error:
        raise _bad_key_file(path) from error
    if not isinstance(key, X25519PublicKey):
        raise _bad_key_file(path)
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def register_organisation_key(engine: Engine, public_key: bytes) -> str:
    """Register an organisation public key (idempotent) and make it the one new codes carry.

    Returns:
        The key id.
    """
    key_id = key_id_for(public_key)
    with Session(engine) as session:
        row = session.get(OrganisationKey, key_id)
        if row is None:
            session.add(OrganisationKey(key_id=key_id, public_key=public_key, registered_at=now_ms()))
        else:
            row.registered_at = now_ms()
            session.add(row)
        try:
            session.commit()
        except IntegrityError:  # registered concurrently by another process: same key, nothing to do
            session.rollback()
    return key_id


def current_organisation_key(engine: Engine) -> OrganisationKey | None:
    """The most recently registered organisation key, or None when none is registered yet."""
    with Session(engine) as session:
        statement = select(OrganisationKey).order_by(OrganisationKey.registered_at.desc())  # type: ignore[attr-defined]
        return session.exec(statement).first()


def insert_for(bind: Session | Connection, model: Any) -> Any:
    """An `INSERT` for `model` in the database's own dialect (for `ON CONFLICT` clauses)."""
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    return insert_for_dialect(dialect, model)


def insert_for_dialect(dialect: str, model: Any) -> Any:
    """An `INSERT` for `model` in `dialect` ("sqlite" or "postgresql"), for statements built once."""
    return (sqlite_insert if dialect == "sqlite" else postgresql_insert)(model)


def _bad_url() -> ConfigError:
    return ConfigError(
        N_("The database URL is not one the referral server can use."),
        N_("Use sqlite:///path/to/referral.db or postgresql+psycopg://user@host/db."),
    )


def _bad_key_file(path: Path) -> ConfigError:
    return ConfigError(
        N_("{path} is not an organisation public key."),
        N_("Pass the organisation.public.pem file made by `waypoint keys generate`."),
        path=str(path),
    )
