"""The SQLite server database stays private: its folder 0700, its files 0600, or the server refuses.

The database holds the server's receipt-signing key (whoever reads it can sign receipts that make
devices delete interviews the server never stored) and every sealed interview. A missing folder and
file are made private before SQLite opens them (SQLite gives its WAL and shared-memory files the
database file's mode). One that already exists with a wider mode is refused, not silently narrowed:
someone may have read it, and the operator should know and decide (for the key: see docs/sync.md).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = ["SQLITE_COMPANIONS", "check_private", "make_private_database"]

SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def make_private_database(database: Path) -> None:
    """Create the database's folder (0700) and an empty database file (0600) when missing, then check.

    Raises:
        ConfigError: the folder or a database file can be read or opened by other users.
    """
    folder = database.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened; make it exact
    check_private(database)  # before anything is made in a folder others can open
    if not database.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: checked below
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    check_private(database)


def check_private(database: Path) -> None:
    """Refuse a database folder that others can open, or a database file others can read.

    Raises:
        ConfigError: saying which path and the `chmod` that fixes it.
    """
    if os.name != "posix":
        return  # Windows keeps access in ACLs, not mode bits
    folder = database.parent
    if _mode(folder) & 0o077:
        raise _readable_by_others(folder, "chmod 700")
    for suffix in SQLITE_COMPANIONS:
        file = database.with_name(database.name + suffix)
        if file.exists() and _mode(file) & 0o077:
            raise _readable_by_others(file, "chmod 600")


def _readable_by_others(path: Path, chmod: str) -> ConfigError:
    return ConfigError(
        N_("Other users of this computer can open {path} (mode {mode}), which holds the server's keys."),
        N_(
            "Run `{fix}`, or give --database-url a file in a private folder. If others could read it, "
            "see docs/security.md."
        ),
        path=str(path),
        mode=f"{_mode(path):04o}",
        fix=f"{chmod} {path}",
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
