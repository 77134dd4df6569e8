"""The vault's files, concurrent use, and the package's public face.

VF100: the data folder is 0700 and the database, -wal and -shm files 0600, whatever the umask.
VF101: the SQLite settings are in force: WAL, synchronous=FULL, secure_delete, in-memory temp store.
VF102: several `Vault` objects on one folder, in threads, write at the same time without errors or loss.
VF103: `app.vault.__all__` lists exactly the package's public names.
VF104: a shared sticky folder such as /tmp is refused as a data folder (and left as it was).
VF105: a checkpoint (and VACUUM) never runs while another `Vault` object's write is open: it waits for
       the commit (SQLite's WAL-reset bug corrupts the file when they overlap; CI hit it, WP-VAULT-012).
VF106: the same across processes: a write waits while another process holds the vault's write lock.
VF107: a write lock held past the busy timeout is a clear `VaultBusyError`; nothing is written.
VF108: opening another `Vault` over an existing file never opens and closes the database file itself
       (closing a descriptor drops the POSIX locks SQLite holds on it in this process).
VF109: the referral server's SQLite commits before it lets the next writer in (the commit's automatic
       checkpoint is inside the lock), and takes the same lock as other processes.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from vault_support import SECRET, store_interview

import app.vault
import app.vault.database
from app.vault import Vault, VaultBusyError
from sync.server.db import make_engine
from waypoint.core.errors import ConfigError
from waypoint.core.sqlite_write_lock import SqliteWriteLock

PROJECT = Path(__file__).resolve().parents[2]
# Holds the write lock of the database named by argv[1] until a line arrives on stdin.
HOLD_LOCK = (
    "import sys; from pathlib import Path; from waypoint.core.sqlite_write_lock import SqliteWriteLock\n"
    "with SqliteWriteLock.for_database(Path(sys.argv[1])).held(30):\n"
    "    print('held', flush=True); sys.stdin.readline()\n"
)


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
    for name in ("vault.sqlite3", "vault.sqlite3-wal", "vault.sqlite3-shm", "vault.sqlite3-lock"):
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


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, threading.Event, list[BaseException]]:
    done, errors = threading.Event(), []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported in the test thread
            errors.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, errors


def test_vf105_checkpoint_waits_for_another_objects_write(
    vault: Vault, open_vault: Callable[..., Vault]
) -> None:
    other = open_vault()  # the background sender's own vault object, as in the app
    inside, go_on = threading.Event(), threading.Event()

    def write() -> None:
        with vault._database.write() as connection:
            connection.exec_driver_sql("CREATE TABLE vf105 (n INTEGER)")
            inside.set()
            assert go_on.wait(60)

    writer, written, writer_errors = _in_thread(write)
    assert inside.wait(60)
    checkpointer, checkpointed, checkpoint_errors = _in_thread(lambda: other._database.checkpoint(wait=False))
    vacuumer, vacuumed, vacuum_errors = _in_thread(other._database.vacuum)
    assert not checkpointed.wait(0.3) and not vacuumed.is_set()  # held back while the write is open
    go_on.set()
    for thread in (writer, checkpointer, vacuumer):
        thread.join(60)
    assert written.is_set() and checkpointed.is_set() and vacuumed.is_set()
    assert writer_errors == checkpoint_errors == vacuum_errors == []


@contextmanager
def _held_by_another_process(database: Path) -> Iterator[Callable[[], None]]:
    """Another process holds `database`'s write lock until the function yielded is called."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(database)],
        cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as holder:  # fmt: skip
        assert holder.stdout is not None and holder.stdin is not None
        pipe = holder.stdin
        try:
            assert holder.stdout.readline().strip() == "held"

            def release() -> None:
                pipe.write("\n")
                pipe.flush()

            yield release
        finally:
            holder.kill()


def test_vf106_write_waits_for_another_process(vault: Vault) -> None:
    with _held_by_another_process(vault.database_path) as release:
        writer, written, errors = _in_thread(lambda: store_interview(vault, {"q1": "yes"}))
        assert not written.wait(0.3)
        release()
        writer.join(60)
        assert written.is_set() and errors == []
    assert len(vault.list_interviews()) == 1


def test_vf107_lock_held_too_long_is_a_clear_error(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    with _held_by_another_process(vault.database_path):
        monkeypatch.setattr(app.vault.database, "BUSY_TIMEOUT_MS", 200)
        with pytest.raises(VaultBusyError) as raised:
            store_interview(vault, {"q1": "yes"})
        assert raised.value.code == "WP-VAULT-016"
    monkeypatch.undo()
    assert vault.list_interviews() == []


def test_vf108_reopening_never_closes_the_database_file(
    vault: Vault, open_vault: Callable[..., Vault], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real_open = os.open

    def watching_open(path: object, *args: object, **kwargs: object) -> int:
        opened.append(os.fspath(path))  # type: ignore[call-overload]
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", watching_open)
    open_vault()
    assert str(vault.database_path) not in opened


def test_vf109_server_sqlite_commits_inside_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "server" / "referral.db"
    engine = make_engine(f"sqlite:///{database}")
    lock = SqliteWriteLock.for_database(database)
    seen_at_release: list[int] = []
    real_release = lock.release

    def release() -> None:
        if lock._depth == 1:  # the outermost release: what another writer would see from now on
            reader = sqlite3.connect(database)
            seen_at_release.append(reader.execute("SELECT count(*) FROM vf109").fetchone()[0])
            reader.close()
        real_release()

    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE vf109 (n INTEGER)")
    monkeypatch.setattr(lock, "release", release)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO vf109 VALUES (1)")
    assert seen_at_release == [1]  # committed (and checkpointed as SQLite chose) before the release
    engine.dispose()
