"""The vault's files, concurrent use, and the package's public face.

VF100: the data folder is 0700 and the database, -wal and -shm files 0600, whatever the umask.
VF101: the SQLite settings are in force: WAL, synchronous=FULL, secure_delete, in-memory temp store.
VF102: several `Vault` objects on one folder, in threads, write at the same time without errors or loss.
VF103: `app.vault.__all__` lists exactly the package's public names.
VF104: a shared sticky folder such as /tmp is refused as a data folder (and left as it was).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from vault_support import SECRET, store_interview

import app.vault
from app.vault import Vault
from waypoint.core.errors import ConfigError


def test_vf100_private_files(tmp_path: Path, open_vault: Callable[..., Vault]) -> None:
    old_umask = os.umask(0o022)
    try:
        vault = open_vault(tmp_path / "private")
        vault.create(SECRET)
        store_interview(vault, {"q1": "yes"})
    finally:
        os.umask(old_umask)
    folder = tmp_path / "private"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("vault.sqlite3", "vault.sqlite3-wal", "vault.sqlite3-shm"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name


def test_vf101_sqlite_settings(vault: Vault) -> None:
    raw = vault._database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        settings = {
            pragma: cursor.execute(f"PRAGMA {pragma}").fetchone()[0]
            for pragma in ("journal_mode", "synchronous", "secure_delete", "temp_store", "busy_timeout")
        }
    finally:
        raw.close()
    assert settings == {
        "journal_mode": "wal",
        "synchronous": 2,
        "secure_delete": 1,
        "temp_store": 2,
        "busy_timeout": 15_000,
    }


def test_vf102_concurrent_vaults(vault: Vault, open_vault: Callable[..., Vault]) -> None:
    others = [open_vault() for _ in range(4)]
    for other in others:
        other.unlock(SECRET)
    errors: list[BaseException] = []
    saved: dict[str, int] = {}

    def work(other: Vault, number: int) -> None:
        try:
            interview = store_interview(other, {})
            for step in range(25):
                other.interviews.save_state(interview, {"answers": {"n": step}, "worker": number})
                other.list_interviews()
            saved[interview] = 24
        except BaseException as error:  # reported below, in the test thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(other, n)) for n, other in enumerate(others)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    for interview, last in saved.items():
        assert vault.interviews.load(interview).engine_state["answers"] == {"n": last}
    assert len(saved) == 4
    connection = sqlite3.connect(vault.database_path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()


def test_vf103_all_is_the_public_face() -> None:
    public = [
        name
        for name, value in vars(app.vault).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    ]
    assert sorted(app.vault.__all__) == sorted(public)


def test_vf104_shared_folder_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(ConfigError):
        Vault.open(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
