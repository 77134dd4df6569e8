"""One writer or checkpointer at a time on a SQLite file, across threads and processes.

SQLite 3.7.0 to 3.51.2 can corrupt a WAL database when one connection checkpoints while another
connection writes and resets the WAL at the same instant (the WAL-reset bug,
https://sqlite.org/wal.html#the_wal_reset_bug; fixed in 3.51.3, 3.50.7 and 3.44.6). Waypoint runs on
whatever SQLite its host links (Debian 12 ships 3.40.1; phones bring their own), so it keeps writes and
checkpoints apart itself: every write transaction (whose commit may run SQLite's automatic
checkpoint), every explicit checkpoint and every VACUUM holds this lock.

The lock is a re-entrant thread lock shared by every user of the file in this process, and an
exclusive `flock` on a companion file `<database>-lock` for other processes (Waypoint's command line
beside the app or the server). `flock` locks belong to the open file, not to the process, so the
companion stays open in the process (opened again only after a fork or when the file was replaced);
SQLite's own POSIX locks are on other files and are never touched. Where `flock` does not exist
(Windows) only the threads of one process are kept apart.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_SUFFIX", "SqliteWriteLock", "SqliteWriteLockTimeout"]

LOCK_SUFFIX = "-lock"
_FIRST_WAIT_S = 0.002
_LONGEST_WAIT_S = 0.05


class SqliteWriteLockTimeout(TimeoutError):
    """Another thread or process kept the database's write lock for the whole wait."""


class SqliteWriteLock:
    """The write-and-checkpoint lock of one SQLite file (one object per file per process).

    Use `for_database(path)`; `held(timeout_s)` (or `acquire`/`release`) is re-entrant within a thread.
    """

    _registry: ClassVar[dict[Path, SqliteWriteLock]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + LOCK_SUFFIX)
        self._threads = threading.RLock()
        self._depth = 0  # how deep the owning thread has entered (the file lock is taken once)
        self._descriptor: int | None = None
        self._opened_by = 0  # the process that opened the descriptor (a forked child opens its own)

    @classmethod
    def for_database(cls, database: Path) -> SqliteWriteLock:
        """The process's lock for `database` (the same object for every path naming the file)."""
        key = database.resolve()
        with cls._registry_lock:
            lock = cls._registry.get(key)
            if lock is None:
                lock = cls._registry[key] = cls(key)
            return lock

    @contextmanager
    def held(self, timeout_s: float) -> Iterator[None]:
        """Hold the lock for the block.

        Raises:
            SqliteWriteLockTimeout: another thread or process held it for `timeout_s`.
        """
        self.acquire(timeout_s)
        try:
            yield
        finally:
            self.release()

    def acquire(self, timeout_s: float) -> None:
        """Take the lock (again, in the thread that holds it); `release` in the same thread.

        Raises:
            SqliteWriteLockTimeout: another thread or process held it for `timeout_s`.
        """
        deadline = time.monotonic() + timeout_s
        if not self._threads.acquire(timeout=timeout_s):
            raise SqliteWriteLockTimeout(str(self.path))
        if self._depth == 0:
            try:
                self._lock_file(deadline)
            except BaseException:
                self._threads.release()
                raise
        self._depth += 1

    def release(self) -> None:
        """Give back one `acquire` (the file lock goes with the outermost one)."""
        self._depth -= 1
        try:
            if self._depth == 0:
                self._unlock_file()
        finally:
            self._threads.release()

    def _lock_file(self, deadline: float) -> None:
        if fcntl is None:
            return
        descriptor = self._open_descriptor()
        wait = _FIRST_WAIT_S
        while True:  # bounded by the deadline
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SqliteWriteLockTimeout(str(self.path)) from None
                time.sleep(min(wait, left))
                wait = min(wait * 2, _LONGEST_WAIT_S)

    def _open_descriptor(self) -> int:
        """The companion's descriptor, opened again when it was removed or replaced (a new folder at
        the same path) or when this is a forked child (which must not share its parent's lock)."""
        if self._descriptor is not None:
            try:
                current = os.stat(self.path)
                opened = os.fstat(self._descriptor)
                same = (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino)
            except FileNotFoundError:
                same = False
            if same and self._opened_by == os.getpid():
                return self._descriptor
            os.close(self._descriptor)
            self._descriptor = None
        self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self._opened_by = os.getpid()
        return self._descriptor

    def _unlock_file(self) -> None:
        if fcntl is not None and self._descriptor is not None:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
