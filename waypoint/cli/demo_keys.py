"""The demo organisation key of `waypoint run`: kept beside the device's data folder, never inside it.

`waypoint run` plays the organisation too, so it needs an organisation key pair, and with no
`WAYPOINT_KEY_PASSPHRASE` also the passphrase to it. Whoever has both opens every interview the device
seals. They live in `<data folder>-DEMO-organisation-key/`, a sibling folder whose name says what it is,
and every run says so on stderr: copying or seizing the device's data folder gets neither. A real
organisation makes its key on the case desk (`waypoint keys generate`), never on a device.

Before, `waypoint run` kept them in `<data folder>/desk/`; that folder moves out on the next run.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.desk import KeyFiles, generate_organisation_keys, load_private_key
from sync.desk.keys import PRIVATE_KEY_FILE
from waypoint.cli.options import PASSPHRASE_VARIABLE
from waypoint.core.data_folder import ensure_private_dir
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = ["DEMO_FOLDER_SUFFIX", "demo_key_folder", "demo_organisation_keys", "demo_private_key"]

DEMO_FOLDER_SUFFIX = "-DEMO-organisation-key"
PASSPHRASE_FILE = "demo-passphrase.txt"  # noqa: S105 - a file name
OLDER_FOLDER = "desk"  # where `waypoint run` kept the demo key before, inside the data folder


def demo_key_folder(data_dir: Path) -> Path:
    """Where `waypoint run` keeps the demo organisation key for the device data folder `data_dir`."""
    resolved = data_dir.resolve()
    if resolved.parent == resolved:
        raise ConfigError(
            N_("The data folder {folder} is a shared folder."),
            N_("Choose a folder that only Waypoint uses, for example a new folder inside it."),
            folder=str(data_dir),
        )
    return resolved.parent / f"{resolved.name}{DEMO_FOLDER_SUFFIX}"


def demo_organisation_keys(data_dir: Path) -> KeyFiles:
    """The demo key pair for `data_dir` (made on first use; an older `desk/` inside it moved out).

    The passphrase is `WAYPOINT_KEY_PASSPHRASE`, else one generated and kept beside the key.

    Raises:
        ConfigError: the key exists but its passphrase is neither set nor kept; both the older and the
            new folder hold a key; or no folder beside `data_dir` can be used.
    """
    folder = demo_key_folder(data_dir)
    _move_older_folder(data_dir / OLDER_FOLDER, folder)
    keys = generate_organisation_keys(ensure_private_dir(folder), _passphrase(folder), exist_ok=True)
    click.echo(
        f"DEMO ONLY: the organisation key that opens every interview this device seals, and its "
        f"passphrase unless WAYPOINT_KEY_PASSPHRASE is set, are in {folder} (outside the device's data "
        "folder). A real organisation keeps its key on the case desk, never on a device.",
        err=True,
    )
    return keys


def demo_private_key(data_dir: Path) -> X25519PrivateKey:
    """The demo organisation's private key (made by `demo_organisation_keys`), to authorise its codes."""
    folder = demo_key_folder(data_dir)
    return load_private_key(folder / PRIVATE_KEY_FILE, _passphrase(folder))


def _move_older_folder(older: Path, folder: Path) -> None:
    if not older.is_dir():
        return
    if folder.exists() and any(folder.iterdir()):
        raise ConfigError(
            N_("Organisation key files already exist in {folder}."),
            N_("Leave out --server-port, or use a new --data-dir for a fresh set-up."),
            folder=str(older),
        )
    if folder.exists():
        folder.rmdir()
    shutil.move(older, folder)  # a rename: the key's bytes are not copied (same file system)


def _passphrase(folder: Path) -> str:
    if passphrase := os.environ.get(PASSPHRASE_VARIABLE):
        return passphrase
    stored = folder / PASSPHRASE_FILE
    if stored.exists():
        return stored.read_text().strip()
    if (folder / PRIVATE_KEY_FILE).exists():
        raise ConfigError(
            N_("The passphrase does not open the organisation private key {path}."),
            N_("Set WAYPOINT_KEY_PASSPHRASE to the passphrase used when the key was made."),
            path=str(folder / PRIVATE_KEY_FILE),
        )
    passphrase = secrets.token_urlsafe(24)
    descriptor = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(passphrase)
    return passphrase
