"""The vault's unencrypted rows are authenticated; wipe leaves no key bytes behind (issue 11, 2 and 5).

VI001: the organisation key swapped in a locked vault file: the next seal is refused, nothing is sealed
       to the attacker's key, and the next unlock refuses too.
VI002: unlock counters lowered while locked (failures reset) are refused before any secret is tried.
VI003: counters rolled back below what the last unlock attested are refused at the next unlock.
VI001 also: a vault from before the MAC (schema < 4) starts one at its first unlock (VM001), but a MAC
       removed from a newer vault is refused; saving an enrollment into a locked vault is refused (VL003).
VI004: a wipe with another reader holding the WAL open leaves no key-slot bytes and no data key in
       any file under the data folder.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from vault_support import (
    SECRET,
    WRONG_SECRET,
    FakeClock,
    Organisation,
    all_bytes_under,
    key_record,
    store_interview,
    submission_for,
)

from app.vault import Vault, VaultPolicy, VaultTamperedError, VaultWipedError
from app.vault.errors import WrongSecretError
from sync.envelope import key_id_for


def _sql(vault: Vault, sql: str, *params: object) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(vault.database_path)
    try:
        rows = connection.execute(sql, params).fetchall()
        connection.commit()
        return rows
    finally:
        connection.close()


def test_vi001_swapped_organisation_key_is_refused(
    open_vault: Callable[..., Vault], organisation: Organisation
) -> None:
    vault = open_vault()
    vault.create(SECRET)
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    interview = store_interview(vault, {"q1": "yes"})
    vault.lock()

    attacker = X25519PrivateKey.generate().public_key().public_bytes_raw()
    _sql(
        vault,
        "UPDATE enrollment SET organisation_public_key = ?, organisation_key_id = ?",
        attacker,
        key_id_for(attacker),
    )
    with pytest.raises(VaultTamperedError):
        vault.unlock(SECRET)
    assert not vault.is_unlocked

    other = open_vault()
    with pytest.raises(VaultTamperedError):
        other.unlock(SECRET)
    assert _sql(vault, "SELECT count(*) FROM outbox") == [(0,)]
    assert _sql(vault, "SELECT engine_state IS NOT NULL FROM interview WHERE id = ?", interview) == [(1,)]


def test_vi001_swap_during_an_open_session_refuses_the_seal(vault: Vault, organisation: Organisation) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    interview = store_interview(vault, {"q1": "yes"})
    attacker = X25519PrivateKey.generate().public_key().public_bytes_raw()
    _sql(vault, "UPDATE enrollment SET organisation_public_key = ?", attacker)
    with pytest.raises(VaultTamperedError):
        vault.interviews.complete(interview, submission_for(interview, {"q1": "yes"}))
    assert _sql(vault, "SELECT count(*) FROM outbox") == [(0,)]
    assert _sql(vault, "SELECT engine_state IS NOT NULL FROM interview WHERE id = ?", interview) == [(1,)]


def test_vi001_a_removed_mac_is_refused(vault: Vault, organisation: Organisation) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    vault.lock()
    _sql(vault, "UPDATE enrollment SET server_url = 'https://attacker.example'")
    _sql(vault, "UPDATE vault_integrity SET mac = NULL")  # pretend to be a vault from before the MAC
    with pytest.raises(VaultTamperedError):
        vault.unlock(SECRET)


def test_vi001_an_upgraded_vault_starts_its_mac_at_the_first_unlock(
    tmp_path: Path, open_vault: Callable[..., Vault]
) -> None:
    data_dir = tmp_path / "old"
    data_dir.mkdir(mode=0o700)
    connection = sqlite3.connect(data_dir / "vault.sqlite3")
    connection.executescript((Path(__file__).parent / "fixtures" / "vault_v1.sql").read_text())
    connection.close()
    vault = open_vault(data_dir)
    assert _sql(vault, "SELECT mac FROM vault_integrity") == [(None,)]
    vault.unlock(SECRET)  # a version-1 slot: the MAC is written, the slot re-wrapped as version 2
    vault.lock()
    _sql(vault, "UPDATE vault_integrity SET mac = NULL")
    with pytest.raises(VaultTamperedError):
        vault.unlock(SECRET)


def test_vi001_server_url_and_policy_are_covered(vault: Vault, organisation: Organisation) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    vault.set_policy(VaultPolicy(wipe_after_failures=10))
    vault.lock()
    _sql(vault, "UPDATE vault_policy SET wipe_after_failures = NULL")
    with pytest.raises(VaultTamperedError):
        vault.unlock(SECRET)


def test_vi001_untampered_vault_still_seals(vault: Vault, organisation: Organisation) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    interview = store_interview(vault, {"q1": "yes"})
    vault.lock()
    vault.unlock(SECRET)
    assert vault.interviews.complete(interview, submission_for(interview, {"q1": "yes"})) is True


def test_vi002_lowered_failures_are_refused_while_locked(vault: Vault, clock: FakeClock) -> None:
    vault.lock()
    for _ in range(4):
        with pytest.raises(WrongSecretError):
            vault.unlock(WRONG_SECRET)
        clock.advance(3600)
    _sql(vault, "UPDATE unlock_guard SET failures = 0, next_attempt_at = 0")
    with pytest.raises(VaultTamperedError):
        vault.unlock(SECRET)
    assert not vault.is_unlocked


def test_vi003_counters_rolled_back_below_the_last_unlock_are_refused(vault: Vault, clock: FakeClock) -> None:
    vault.lock()
    with pytest.raises(WrongSecretError):
        vault.unlock(WRONG_SECRET)
    vault.unlock(SECRET)  # attests the counters
    vault.lock()
    _sql(vault, "UPDATE unlock_guard SET failures = 0, attempts_total = 0, forgiven_total = 0")
    with pytest.raises(VaultTamperedError):
        vault.unlock(SECRET)


def _data_key(vault: Vault) -> bytes:
    session = vault._session
    assert session is not None
    return session.data_key


def test_vi004_wipe_with_a_concurrent_reader_leaves_no_key_bytes(
    open_vault: Callable[..., Vault], tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    vault = open_vault()
    vault.create(SECRET)
    vault.set_policy(VaultPolicy(wipe_after_failures=5))
    data_key = _data_key(vault)
    slots_before = all_bytes_under(tmp_path / "data")
    officer_slot = _slot_bytes(vault)
    assert officer_slot in slots_before or officer_slot.hex().encode() in slots_before
    vault.lock()
    for _ in range(4):
        with pytest.raises(WrongSecretError):
            vault.unlock(WRONG_SECRET)
        clock.advance(3600)

    reader = sqlite3.connect(vault.database_path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM interview").fetchall()  # pins the WAL snapshot
    try:
        with caplog.at_level(logging.WARNING, logger="app.vault.database"), pytest.raises(VaultWipedError):
            vault.unlock(WRONG_SECRET)
    finally:
        reader.rollback()
        reader.close()
    assert "retried at next open" in caplog.text  # the failed cleanup is loud, not silent
    reopened = open_vault()
    assert reopened.was_wiped
    everything = all_bytes_under(tmp_path / "data")
    assert officer_slot not in everything and officer_slot.hex().encode() not in everything
    assert data_key not in everything


def _slot_bytes(vault: Vault) -> bytes:
    return key_record(vault).officer_slot
