"""The vault's SQLite file: where it lives, how it is opened, and how transactions begin.

Settings, applied to every connection:

* `journal_mode=WAL`, `synchronous=FULL`: a commit is on disk (WAL fsynced) before it returns, so an
  acknowledged answer survives a kill or a power cut; durability beats speed here.
* `secure_delete=ON`: deleted content is overwritten, not left in free pages.
* `temp_store=MEMORY`: sorts and temporary tables never become temp files.
* `busy_timeout`: several `Vault` objects (browser sessions, the CLI beside the app) wait for each
  other's write transactions instead of failing.

pysqlite's own transaction handling is switched off (`isolation_level = None`) and every transaction
starts with an explicit `BEGIN` (reads) or `BEGIN IMMEDIATE` (writes, which take the write lock up front
so read-then-write sequences cannot deadlock or lose an update). After deletions the WAL is
checkpointed and truncated, so deleted pages do not linger in the `-wal` file either. A checkpoint
waits for other readers (up to the busy timeout); after a wipe one that still cannot finish is
logged as a warning and retried each time the vault is opened (`checkpoint_until_done`).

Writes, checkpoints and VACUUM never overlap, across threads and processes
(`waypoint.core.sqlite_write_lock`): the SQLite the host links may have the WAL-reset bug, which can
corrupt the file when one connection checkpoints while another writes. Only readers run beside a
writer. Waypoint never opens and closes the database file itself while SQLite has it open (closing any
descriptor of a file drops every POSIX lock the process holds on it).

The file and its `-wal`/`-shm`/`-lock` companions are created 0600 (SQLite gives the companions the main
file's mode) inside a 0700 folder.

A file SQLite cannot read (overwritten, cut short, not a database at all) surfaces as
`VaultFileDamagedError` from any transaction, before anything is written to it; the file is left as it
is, for a person to recover.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from app.vault.errors import VaultBusyError, VaultFileDamagedError
from waypoint.core.data_folder import ensure_private_dir
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_
from waypoint.core.sqlite_write_lock import LOCK_SUFFIX, SqliteWriteLock, SqliteWriteLockTimeout

__all__ = ["DATABASE_FILENAME", "Database"]

_log = logging.getLogger(__name__)

DATABASE_FILENAME = "vault.sqlite3"
BUSY_TIMEOUT_MS = 15_000
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA secure_delete=ON",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA foreign_keys=ON",
    "PRAGMA trusted_schema=OFF",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)
# SQLite's primary result codes for a file it cannot read as a database.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_DAMAGED_MESSAGES = ("file is not a database", "database disk image is malformed")


def _is_damaged_file(error: BaseException) -> bool:
    """True for SQLite's "not a database" and "malformed" errors, raw or wrapped by SQLAlchemy."""
    original = error.orig if isinstance(error, DBAPIError) else error
    if not isinstance(original, sqlite3.DatabaseError):
        return False
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return any(message in str(original) for message in _DAMAGED_MESSAGES)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One vault database file, with read and write transactions."""

    def __init__(self, data_dir: Path) -> None:
        if data_dir.is_dir() and data_dir.stat().st_mode & stat.S_ISVTX:
            # A sticky, shared folder such as /tmp: making it private would break the system.
            raise ConfigError(
                N_("The data folder {folder} is a shared folder."),
                N_("Choose a folder that only Waypoint uses, for example a new folder inside it."),
                folder=str(data_dir),
            )
        ensure_private_dir(data_dir)
        self.path = data_dir.resolve() / DATABASE_FILENAME
        if not self.path.exists():  # never open and close a file SQLite may hold locks on
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        self._write_lock = SqliteWriteLock.for_database(self.path)
        for companion in (self.path, *self.companion_files()):
            if companion.exists():
                companion.chmod(0o600)
        self.engine: Engine = create_engine(
            f"sqlite:///{self.path}",
            poolclass=QueuePool,
            pool_size=2,
            max_overflow=8,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "begin", _on_begin)
        self._writer = self.engine.execution_options(immediate=True)

    def companion_files(self) -> tuple[Path, ...]:
        """The files SQLite keeps beside the database."""
        suffixes = ("-wal", "-shm", "-journal", LOCK_SUFFIX)
        return tuple(self.path.with_name(self.path.name + suffix) for suffix in suffixes)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot).

        Raises:
            VaultFileDamagedError: the file cannot be read as a database.
        """
        with self._damage_reported(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction that holds the write lock from its first statement; commits on exit.

        Raises:
            VaultFileDamagedError: the file cannot be read as a database (nothing was written).
            VaultBusyError: another program kept writing to the vault for the whole busy timeout.
        """
        with self._exclusive(), self._damage_reported(), self._writer.begin() as connection:
            yield connection

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """No other write, checkpoint or VACUUM on this file meanwhile (the WAL-reset bug)."""
        try:
            with self._write_lock.held(BUSY_TIMEOUT_MS / 1000):
                yield
        except SqliteWriteLockTimeout:
            raise VaultBusyError() from None

    @contextmanager
    def _damage_reported(self) -> Iterator[None]:
        """Turn SQLite's "not a database" / "malformed" into `VaultFileDamagedError`."""
        try:
            yield
        except (DBAPIError, sqlite3.DatabaseError) as error:
            if _is_damaged_file(error):
                # SQLite's own words and code (never SQLAlchemy's, which quote the statement's values).
                original = error.orig if isinstance(error, DBAPIError) else error
                _log.error(
                    "vault file unreadable: %s (SQLite code %s)",
                    original,
                    getattr(original, "sqlite_errorcode", None),
                )
                raise VaultFileDamagedError(file=str(self.path)) from error
            raise

    def checkpoint(self, *, wait: bool = True) -> bool:
        """Copy the WAL into the database and truncate it, so deleted content leaves the `-wal` file.

        Args:
            wait: wait (up to the busy timeout) for other readers and writers; False tries once.

        Returns:
            True when the WAL was fully checkpointed and truncated (False: another reader was busy;
            the next checkpoint finishes the job).
        """
        pragmas: tuple[str, ...] = ("PRAGMA wal_checkpoint(TRUNCATE)",)
        if not wait:
            pragmas = ("PRAGMA busy_timeout=0", *pragmas, f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        with self._exclusive():
            busy = self._pragma_rows(pragmas)[-2 if not wait else -1][0]
        return bool(busy == 0)

    def vacuum(self) -> bool:
        """Rebuild the file so deleted rows leave no pages, free-list entries or size behind.

        Returns:
            True when rebuilt; False when another connection kept it busy (deleted content is already
            overwritten by `secure_delete`; only the file's size may still show it).
        """
        with self._exclusive(), self._damage_reported():
            raw = self.engine.raw_connection()
            try:
                raw.cursor().execute("VACUUM")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                raw.close()

    def checkpoint_until_done(self, attempts: int = 1) -> bool:
        """Checkpoint after a wipe, trying again while another reader keeps the old pages in use.

        Each try waits up to the busy timeout for readers to finish. When they still hold the WAL, the
        failure is logged (no content, only the file) and the next `Vault.open` finishes the job.

        Returns:
            True when the WAL is empty now.
        """
        for _ in range(attempts):
            if self.checkpoint():
                return True
        _log.warning(
            "vault WAL not yet emptied (another reader is open); retried at next open: %s", self.path
        )
        return False

    def integrity_check(self) -> str:
        """SQLite's `PRAGMA integrity_check` result ("ok" when the file is sound)."""
        return str(self._pragma_rows(("PRAGMA integrity_check",))[0][0])

    def _pragma_rows(self, pragmas: tuple[str, ...]) -> list[tuple[Any, ...]]:
        # Outside any transaction: a checkpoint inside one could not reset the WAL it is reading.
        with self._damage_reported():
            raw = self.engine.raw_connection()
            try:
                cursor = raw.cursor()
                rows = [tuple(cursor.execute(pragma).fetchone() or ()) for pragma in pragmas]
                cursor.close()
                return rows
            finally:
                raw.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
