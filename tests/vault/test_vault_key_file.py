"""The key-slot file (issue 11, finding 5): keys outside SQLite, destroyed by overwriting them in place.

KS001: a wipe while another reader holds the database open leaves no key-slot byte and no data key in
       any file under the data folder; the key file keeps its size and inode (overwritten in place)
       (failed before: the slots were rows of the SQLite file).
KS002: the same for a duress unlock: the real officer slot and data key are in no file, even with a
       concurrent reader holding an old snapshot of the database.
KS003: a write torn in either copy of the record falls back to the other copy; garbage reads as "no vault".
KS004: the slots never enter the SQLite file or its WAL.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from vault_support import DURESS_SECRET, SECRET, WRONG_SECRET, FakeClock, all_bytes_under, key_record

from app.vault import Vault, VaultPolicy, VaultWipedError, WrongSecretError
from app.vault.key_file import KEY_FILENAME, RECORD_SIZE, KeyFile


def _data_key(vault: Vault) -> bytes:
    session = vault._session
    assert session is not None
    return session.data_key


def _pinning_reader(vault: Vault) -> sqlite3.Connection:
    reader = sqlite3.connect(vault.database_path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM interview").fetchall()  # pins the WAL snapshot
    return reader


def test_ks001_wipe_with_a_concurrent_reader_leaves_no_key_bytes(
    open_vault: Callable[..., Vault], tmp_path: Path, clock: FakeClock
) -> None:
    vault = open_vault()
    vault.create(SECRET)
    vault.set_policy(VaultPolicy(wipe_after_failures=5))
    data_key, record = _data_key(vault), key_record(vault)
    key_path = tmp_path / "data" / KEY_FILENAME
    before = key_path.stat()
    vault.lock()
    for _ in range(4):
        with pytest.raises(WrongSecretError):
            vault.unlock(WRONG_SECRET)
        clock.advance(3600)
    reader = _pinning_reader(vault)
    try:
        with pytest.raises(VaultWipedError):
            vault.unlock(WRONG_SECRET)
        everything = all_bytes_under(tmp_path / "data")  # while the reader is still open
    finally:
        reader.rollback()
        reader.close()
    for secret_bytes in (
        record.officer_slot,
        record.duress_slot,
        data_key,
        record.officer_slot.hex().encode(),
    ):
        assert secret_bytes not in everything
    after = key_path.stat()
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)
    assert KeyFile(tmp_path / "data").read() is None


def test_ks002_duress_with_a_concurrent_reader_leaves_no_real_key(
    open_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    vault = open_vault()
    vault.create(SECRET)
    vault.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    data_key, real_slot = _data_key(vault), key_record(vault).officer_slot
    vault.lock()
    reader = _pinning_reader(vault)
    try:
        vault.unlock(DURESS_SECRET)
        everything = all_bytes_under(tmp_path / "data")
    finally:
        reader.rollback()
        reader.close()
    assert real_slot not in everything and real_slot.hex().encode() not in everything
    assert data_key not in everything
    vault.lock()
    with pytest.raises(WrongSecretError):
        vault.unlock(SECRET)


def test_ks003_a_torn_copy_falls_back_to_the_other(open_vault: Callable[..., Vault], tmp_path: Path) -> None:
    vault = open_vault()
    vault.create(SECRET)
    vault.lock()
    key_path = tmp_path / "data" / KEY_FILENAME
    good = key_path.read_bytes()
    for torn_offset in (10, RECORD_SIZE + 10):
        descriptor = os.open(key_path, os.O_RDWR)
        os.pwrite(descriptor, b"\xff" * 100, torn_offset)  # a write cut off mid-way
        os.close(descriptor)
        reopened = open_vault()
        reopened.unlock(SECRET)
        reopened.lock()
        key_path.write_bytes(good)
    key_path.write_bytes(os.urandom(len(good)))
    assert not open_vault().has_secret


def test_ks004_slots_never_enter_the_database(vault: Vault) -> None:
    record = key_record(vault)
    vault.change_secret(SECRET, "seven quiet lanterns over Oslo")
    database = vault.database_path
    sqlite_bytes = all_bytes_under(database, *database.parent.glob("vault.sqlite3-*"))
    for slot in (record.officer_slot, key_record(vault).officer_slot, record.duress_slot):
        assert slot not in sqlite_bytes and slot.hex().encode() not in sqlite_bytes
    assert record.officer_slot not in all_bytes_under(database.parent)  # the old wrap is overwritten
