"""Unlocking, throttling, wipe, duress, secret change and idle lock.

VU001: a wrong secret is refused and counted; the right one opens and clears the count.
VU002: after 3 wrong secrets the waits grow (30 s, 60 s, 120 s ...) and survive a restart.
VU003: an attempt is counted before the key derivation: killing the app mid-attempt gains nothing.
VU004: a clock set back cannot lock the officer out for longer than the current delay.
VU005: wipe after N failures destroys the keys and interviews for good; the outbox is kept.
VU006: the duress secret opens an empty vault and destroys the real one (more in test_vault_duress.py).
VU007: changing the secret re-wraps the key: old secret refused, new one opens, data untouched.
VU008: the vault locks itself after the idle time; activity postpones it.
VU009: two `Vault` objects on one folder keep separate sessions and see each other's writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from vault_support import (
    DURESS_SECRET,
    OTHER_SECRET,
    SECRET,
    WRONG_SECRET,
    FakeClock,
    Organisation,
    all_bytes_under,
    key_record,
    store_interview,
    submission_for,
)

from app.vault import (
    NoVaultError,
    ThrottledError,
    Vault,
    VaultExistsError,
    VaultLockedError,
    VaultPolicy,
    VaultWipedError,
    WeakSecretError,
    WrongSecretError,
)
from app.vault.guard import UnlockGuard


def _fail(vault: Vault, times: int, clock: FakeClock) -> None:
    for _ in range(times):
        clock.advance(vault.throttle_seconds())
        with pytest.raises(WrongSecretError):
            vault.unlock(WRONG_SECRET)


def test_vu001_wrong_then_right(vault: Vault, clock: FakeClock) -> None:
    vault.lock()
    with pytest.raises(WrongSecretError):
        vault.unlock(WRONG_SECRET)
    assert not vault.is_unlocked
    with pytest.raises(VaultLockedError):
        _ = vault.interviews
    vault.unlock(SECRET)
    assert vault.is_unlocked
    with pytest.raises(VaultExistsError):
        vault.create(OTHER_SECRET)


def test_vu001_unlock_before_create(open_vault: Callable[..., Vault]) -> None:
    with pytest.raises(NoVaultError):
        open_vault().unlock(SECRET)


def test_vu002_growing_delays_survive_restart(
    vault: Vault, open_vault: Callable[..., Vault], clock: FakeClock
) -> None:
    vault.lock()
    _fail(vault, 3, clock)
    assert vault.throttle_seconds() == 30
    restarted = open_vault()
    with pytest.raises(ThrottledError) as raised:
        restarted.unlock(SECRET)  # even the right secret waits: nothing is checked while throttled
    assert raised.value.seconds == 30
    assert "30 seconds" in raised.value.message()
    clock.advance(30)
    with pytest.raises(WrongSecretError):
        restarted.unlock(WRONG_SECRET)
    assert restarted.throttle_seconds() == 60
    clock.advance(60)
    with pytest.raises(WrongSecretError):
        restarted.unlock(WRONG_SECRET)
    assert open_vault().throttle_seconds() == 120
    clock.advance(120)
    restarted.unlock(SECRET)
    assert restarted.throttle_seconds() == 0


def test_vu003_attempt_is_counted_before_deriving(vault: Vault, open_vault: Callable[..., Vault]) -> None:
    vault.lock()
    other = open_vault()
    guard = UnlockGuard(other._database, FakeClock(), other._key_file)  # the same steps unlock takes
    for _ in range(3):
        guard.begin_attempt(None)  # ... and then the process is killed during the derivation
    assert open_vault().throttle_seconds() == 30


def test_vu004_clock_set_back_does_not_lock_out_forever(vault: Vault, clock: FakeClock) -> None:
    vault.lock()
    _fail(vault, 3, clock)
    clock.wall -= 10 * 365 * 86_400  # someone sets the date back ten years
    assert vault.throttle_seconds() == 30


def test_vu005_wipe_after_failures(
    vault: Vault, open_vault: Callable[..., Vault], clock: FakeClock, organisation: Organisation
) -> None:
    vault.set_policy(VaultPolicy(wipe_after_failures=5))
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    sealed = store_interview(vault, {"q1": "yes"})
    vault.interviews.complete(sealed, submission_for(sealed, {"q1": "yes"}))
    draft = store_interview(vault, {"q1": "WIPE-CANARY-draft"})
    officer_slot = key_record(vault).officer_slot
    connection = sqlite3.connect(vault.database_path)
    (draft_blob,) = connection.execute("SELECT engine_state FROM interview WHERE id = ?", (draft,)).fetchone()
    connection.close()
    vault.lock()
    _fail(vault, 4, clock)
    clock.advance(vault.throttle_seconds())
    with pytest.raises(VaultWipedError):
        vault.unlock(WRONG_SECRET)
    assert not vault.has_secret and vault.was_wiped
    with pytest.raises(VaultWipedError):
        vault.unlock(SECRET)  # the right secret no longer opens anything
    with pytest.raises(VaultLockedError):
        vault.list_interviews()
    assert vault.outbox_store.counts().pending == 1  # sealed envelopes can still reach the organisation
    raw = all_bytes_under(vault.database_path.parent)
    assert officer_slot not in raw and draft_blob not in raw
    assert vault.integrity_check() == "ok"
    fresh = open_vault()
    fresh.create(OTHER_SECRET)  # the organisation can set the device up again
    assert fresh.list_interviews() == [] and not fresh.was_wiped


def test_vu005_unfinished_attempt_at_the_limit_wipes(vault: Vault, open_vault: Callable[..., Vault]) -> None:
    vault.set_policy(VaultPolicy(wipe_after_failures=5))
    vault.lock()
    clock = FakeClock()
    other = open_vault()
    guard = UnlockGuard(other._database, clock, other._key_file)
    for _ in range(5):
        clock.advance(3600)
        guard.begin_attempt(5)  # five attempts, each killed during the derivation
    clock.advance(3600)
    restarted = open_vault(clock=clock)
    with pytest.raises(VaultWipedError):
        restarted.unlock(SECRET)


def test_vu006_duress_opens_an_empty_decoy(
    vault: Vault, open_vault: Callable[..., Vault], organisation: Organisation
) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    real = store_interview(vault, {"q1": "real answer"})
    sent = store_interview(vault, {"q1": "yes"})
    vault.interviews.complete(sent, submission_for(sent, {"q1": "yes"}))
    with pytest.raises(WeakSecretError):
        vault.set_policy(VaultPolicy(), duress_secret=SECRET)  # must differ from the officer's
    vault.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    vault.lock()

    other_tab = open_vault()
    other_tab.unlock(SECRET)
    vault.unlock(DURESS_SECRET)
    assert vault.is_unlocked and not other_tab.is_unlocked  # the real session elsewhere is over
    assert vault.list_interviews() == []
    assert vault.outbox_store.counts().pending == 0 and vault.outbox_store.pending(10) == []
    background = open_vault()  # e.g. the app's sender, never unlocked, in the same process
    assert background.outbox_store.counts().pending == 0
    with pytest.raises(Exception, match="cannot be changed now"):
        vault.interviews.load(real)
    decoy = store_interview(vault, {"q1": "decoy answer"})
    assert [s.id for s in vault.list_interviews()] == [decoy]
    vault.lock()

    with pytest.raises(WrongSecretError):
        vault.unlock(SECRET)  # the real vault is gone for good
    vault.unlock(DURESS_SECRET)
    assert [s.id for s in vault.list_interviews()] == [decoy]
    assert vault.interviews.load(decoy).engine_state["answers"] == {"q1": "decoy answer"}


def test_vu006_duress_leaves_no_trace_in_the_file(open_vault: Callable[..., Vault]) -> None:
    def keys_table_shape(vault: Vault) -> list[tuple[str, int]]:
        record = key_record(vault)
        size = (vault.database_path.parent / "vault.keys").stat().st_size
        return [("bytes", len(record.officer_slot)), ("bytes", len(record.duress_slot)), ("file", size)]

    without = open_vault()
    without.create(SECRET)
    shape_without = keys_table_shape(without)
    without.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    assert keys_table_shape(without) == shape_without


def test_vu007_change_secret_rewraps_only(vault: Vault, clock: FakeClock) -> None:
    interview = store_interview(vault, {"q1": "yes"})
    connection = sqlite3.connect(vault.database_path)
    before = connection.execute("SELECT engine_state FROM interview").fetchone()[0]
    with pytest.raises(WrongSecretError):
        vault.change_secret(WRONG_SECRET, OTHER_SECRET)
    with pytest.raises(WeakSecretError):
        vault.change_secret(SECRET, "123456")
    vault.change_secret(SECRET, OTHER_SECRET)
    assert connection.execute("SELECT engine_state FROM interview").fetchone()[0] == before
    connection.close()
    vault.lock()
    clock.advance(vault.throttle_seconds())
    with pytest.raises(WrongSecretError):
        vault.unlock(SECRET)
    vault.unlock(OTHER_SECRET)
    assert vault.interviews.load(interview).engine_state["answers"] == {"q1": "yes"}


def test_vu008_idle_lock(vault: Vault, clock: FakeClock) -> None:
    assert vault.policy.idle_lock_seconds == 120
    clock.advance(100)
    vault.touch()
    clock.advance(100)
    assert vault.is_unlocked
    clock.advance(121)
    assert vault.check_idle() is True
    with pytest.raises(VaultLockedError):
        _ = vault.interviews
    vault.unlock(SECRET)
    vault.set_policy(VaultPolicy(idle_lock_seconds=30))
    clock.advance(31)
    assert not vault.is_unlocked


def test_vu009_two_vault_objects_on_one_folder(vault: Vault, open_vault: Callable[..., Vault]) -> None:
    other = open_vault()
    assert other.has_secret and not other.is_unlocked
    interview = store_interview(vault, {"q1": "yes"})
    other.unlock(SECRET)
    other.interviews.save_state(interview, {"answers": {"q1": "no"}})
    assert vault.interviews.load(interview).engine_state == {"answers": {"q1": "no"}}
    other.lock()
    assert vault.is_unlocked
