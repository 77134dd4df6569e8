"""The organisation's policy from enrollment, and checking the officer's secret at hand-back.

VP001: `verify_secret` accepts the session's own secret and refuses others without changing what is
       unlocked; a wrong secret is counted like a wrong unlock (throttle), the right one clears it.
VP002: in the officer's session the duress secret does not verify and switches nothing (the real
       interviews and the outbox stay visible in every `Vault` object); locked, only the officer's
       secret verifies; after a duress unlock (which destroys the real vault) only the duress one.
VP003: `verify_secret` counts towards the organisation's wipe limit and wipes at it.
VP004: an enrollment carrying the organisation's policy applies it in the same transaction, even
       before the vault exists; an enrollment without one leaves the settings alone.
VP005: a required duress secret is remembered until the officer sets one, then nothing in the file
       shows it; the policy from the code maps to the vault's settings with defaults for unset ones.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable

import pytest
from vault_support import (
    DURESS_SECRET,
    SECRET,
    WRONG_SECRET,
    FakeClock,
    Organisation,
    store_interview,
    submission_for,
)

from app.vault import (
    ThrottledError,
    Vault,
    VaultPolicy,
    VaultWipedError,
    WeakSecretError,
    check_duress_secret,
)
from sync.enroll import OrganisationEnrollment
from sync.enrollment_code import OrganisationPolicy


def _with_policy(organisation: Organisation, policy: OrganisationPolicy | None) -> OrganisationEnrollment:
    fields = {
        f.name: getattr(organisation.enrollment, f.name) for f in dataclasses.fields(organisation.enrollment)
    }
    return OrganisationEnrollment(**fields, policy=policy)


def _policy_row(vault: Vault) -> tuple[object, ...]:
    connection = sqlite3.connect(vault.database_path)
    row = connection.execute(
        "SELECT idle_lock_seconds, wipe_after_failures, retention_days, duress_required FROM vault_policy"
    ).fetchone()
    connection.close()
    return tuple(row)


def test_vp001_verify_secret_keeps_the_session(vault: Vault, clock: FakeClock) -> None:
    interview = store_interview(vault, {"q1": "yes"})
    assert vault.verify_secret(SECRET) is True
    for _ in range(3):
        assert vault.verify_secret(WRONG_SECRET) is False
    assert vault.is_unlocked and [s.id for s in vault.list_interviews()] == [interview]
    assert vault.throttle_seconds() == 30  # counted like three wrong unlocks
    with pytest.raises(ThrottledError):
        vault.verify_secret(SECRET)
    clock.advance(30)
    assert vault.verify_secret(SECRET) is True
    assert vault.throttle_seconds() == 0 and vault.is_unlocked


def test_vp002_duress_secret_never_verifies_as_the_officer(
    vault: Vault, open_vault: Callable[..., Vault], organisation: Organisation
) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    real = store_interview(vault, {"q1": "real"})
    sealed = store_interview(vault, {"q1": "yes"})
    vault.interviews.complete(sealed, submission_for(sealed, {"q1": "yes"}))
    vault.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)

    assert vault.verify_secret(DURESS_SECRET) is False
    assert {s.id for s in vault.list_interviews()} == {real, sealed}  # still the real session
    background = open_vault()  # the app's sender in the same process: nothing was hidden
    assert background.outbox_store.counts().pending == 1
    assert vault.throttle_seconds() == 0 and vault.verify_secret(SECRET) is True

    vault.lock()
    assert vault.verify_secret(DURESS_SECRET) is False  # locked: only the officer's secret
    assert vault.verify_secret(SECRET) is True and not vault.is_unlocked

    vault.unlock(DURESS_SECRET)  # destroys the real vault: the duress secret is now the only one
    assert vault.verify_secret(DURESS_SECRET) is True
    assert vault.verify_secret(SECRET) is False
    assert vault.list_interviews() == [] and background.outbox_store.counts().pending == 0


def test_vp003_verify_secret_counts_towards_the_wipe(vault: Vault, clock: FakeClock) -> None:
    vault.set_policy(VaultPolicy(wipe_after_failures=5))
    store_interview(vault, {"q1": "yes"})
    for _ in range(4):
        clock.advance(vault.throttle_seconds())
        assert vault.verify_secret(WRONG_SECRET) is False
    clock.advance(vault.throttle_seconds())
    with pytest.raises(VaultWipedError):
        vault.verify_secret(WRONG_SECRET)
    assert not vault.is_unlocked and not vault.has_secret and vault.was_wiped


def test_vp004_enrollment_applies_the_policy(
    open_vault: Callable[..., Vault], organisation: Organisation
) -> None:
    device = open_vault()  # pre-provisioned: enrolled before the officer ever sets it up
    assert not device.policy_set_by_organisation
    policy = OrganisationPolicy(idle_lock_seconds=60, wipe_after_failures=10, retention_days=7)
    device.device_store.save_enrollment(_with_policy(organisation, policy), organisation.signing_key)
    assert device.policy == VaultPolicy(idle_lock_seconds=60, wipe_after_failures=10, retention_days=7)
    assert device.policy_set_by_organisation and not device.duress_secret_required
    other = open_vault()  # every Vault object on the folder sees it, locked or not
    assert other.policy.wipe_after_failures == 10

    device.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    assert device.policy.wipe_after_failures == 10  # a code without a policy changes nothing

    relaxed = OrganisationPolicy(retention_days=30)
    device.device_store.save_enrollment(_with_policy(organisation, relaxed), organisation.signing_key)
    assert device.policy == VaultPolicy()  # a new code's policy is complete: unset means default


def test_vp005_duress_requirement_until_chosen(
    open_vault: Callable[..., Vault], organisation: Organisation
) -> None:
    device = open_vault()
    required = OrganisationPolicy(wipe_after_failures=20, require_duress=True)
    device.device_store.save_enrollment(_with_policy(organisation, required), organisation.signing_key)
    assert device.duress_secret_required and _policy_row(device) == (120, 20, 30, 1)
    device.create(SECRET)
    with pytest.raises(WeakSecretError):
        check_duress_secret(SECRET, SECRET, with_device_secret=False)  # refused before the code is spent
    with pytest.raises(WeakSecretError):
        device.set_policy(device.policy, duress_secret=SECRET)
    assert device.duress_secret_required
    device.set_policy(device.policy, duress_secret=DURESS_SECRET)
    assert not device.duress_secret_required
    assert _policy_row(device) == (120, 20, 30, 0)  # the file no longer says a duress secret exists
    assert device.policy.wipe_after_failures == 20  # and the organisation's limits are unchanged
    device.lock()
    device.unlock(DURESS_SECRET)
    assert device.list_interviews() == []


def test_vp005_policy_mapping() -> None:
    assert VaultPolicy.from_organisation(OrganisationPolicy()) == VaultPolicy()
    assert VaultPolicy.from_organisation(OrganisationPolicy(retention_days=0)).retention_days == 0
    mapped = VaultPolicy.from_organisation(OrganisationPolicy(idle_lock_seconds=15, wipe_after_failures=5))
    assert (mapped.idle_lock_seconds, mapped.wipe_after_failures) == (15, 5)
