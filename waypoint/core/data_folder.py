"""Where Waypoint keeps its private data: the data folder, its default, and keeping it private.

Bundled, read-only files (fonts, catalogs, protocols) are found by `waypoint.core.resources`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

APP_NAME = "Waypoint"
VAULT_FILENAME = "vault.sqlite3"  # the same as app.vault.database.DATABASE_FILENAME (a test checks)


def default_data_dir() -> Path:
    """The private folder for the vault: `WAYPOINT_DATA_DIR`, Flet's app storage on phones, else the
    platform's per-user data folder."""
    for variable in ("WAYPOINT_DATA_DIR", "FLET_APP_STORAGE_DATA"):
        if value := os.environ.get(variable):
            return Path(value)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def existing_data_dir(path: Path) -> Path:
    """`path`, when it holds a Waypoint vault; for commands that only read or send what is there.

    Raises:
        ConfigError: there is no vault in `path` (a mistyped --data-dir, most often); nothing is created.
    """
    if not (path / VAULT_FILENAME).is_file():
        raise ConfigError(
            N_("There is no Waypoint data in {folder}."),
            N_(
                "Check --data-dir (or WAYPOINT_DATA_DIR): give the folder that `waypoint interview record`, "
                "`waypoint enroll join` or the app used."
            ),
            folder=str(path),
        )
    return path


# What Waypoint keeps in its folders (the vault, `waypoint run`'s server/ and desk/ and their files).
# A folder holding only these, or nothing, was made by Waypoint and may be made private again.
WAYPOINT_ENTRIES = frozenset(
    {
        VAULT_FILENAME,
        "vault.sqlite3-wal",
        "vault.sqlite3-shm",
        "vault.sqlite3-journal",
        "vault.sqlite3-lock",
        "server",
        "desk",
        "referral.db",
        "referral.db-wal",
        "referral.db-shm",
        "referral.db-journal",
        "referral.db-lock",
        "organisation.public.pem",
        "organisation.private.json",
        "demo-passphrase.txt",
    }
)


def ensure_private_dir(path: Path) -> Path:
    """Make sure `path` is a folder only this user can open (0700), creating it when missing.

    A missing folder is created 0700. An existing folder that others can open is made private only
    when it is Waypoint's own: the platform's app-data folder, or a folder holding nothing but what
    Waypoint keeps there (a vault, `waypoint run`'s files) or nothing at all. Any other folder is a
    person's folder with a purpose of its own; its permissions are not changed behind their back.

    Raises:
        ConfigError: `path` is a file; a shared, sticky folder such as /tmp (making it private would
            break the system for everyone else); another user's folder; or a folder of other files
            that other users can open. Nothing is changed then.
    """
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.chmod(0o700)
        return path
    if not path.is_dir():
        raise ConfigError(
            N_("The data folder {folder} is a file, not a folder."),
            N_("Choose a folder for Waypoint's data; a new one is created when it does not exist."),
            folder=str(path),
        )
    info = path.stat()
    if info.st_mode & stat.S_ISVTX:
        raise ConfigError(
            N_("The data folder {folder} is a shared folder."),
            N_("Choose a folder that only Waypoint uses, for example a new folder inside it."),
            folder=str(path),
        )
    if os.name == "nt" or not info.st_mode & 0o077:
        return path  # Windows keeps access in ACLs, not mode bits; or the folder is private already
    if info.st_uid != os.getuid():
        raise ConfigError(
            N_("The data folder {folder} belongs to another user."),
            N_("Choose a folder of your own; a new one is created when it does not exist."),
            folder=str(path),
        )
    if not _made_by_waypoint(path):
        raise ConfigError(
            N_("Other users of this computer can open the data folder {folder}."),
            N_(
                "Choose a private folder (a new one is created when it does not exist), "
                "or make this one private with `chmod 700 {folder}`."
            ),
            folder=str(path),
        )
    path.chmod(0o700)
    return path


def _made_by_waypoint(path: Path) -> bool:
    """True for the platform's app-data folder and for a folder holding only what Waypoint keeps."""
    own = [Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))]
    if storage := os.environ.get("FLET_APP_STORAGE_DATA"):
        own.append(Path(storage))
    resolved = path.resolve()
    if any(resolved == place.resolve() for place in own):
        return True
    names = {entry.name for entry in path.iterdir()}
    return VAULT_FILENAME in names or names <= WAYPOINT_ENTRIES
