"""The interview lifecycle and the sync stores.

VL001: completing on an enrolled device seals at once: outbox row, plaintext gone, one transaction.
VL002: the envelope opens with the organisation key into exactly the architecture's JSON document.
VL003: not enrolled, an interview stays completed (encrypted) and is sealed by `seal_completed` after
       enrollment, or at the next unlock.
VL004: after sealing, the interview's earlier ciphertexts are in no file: not even the secret opens it.
VL005: `mark_sent` records the receipt and marks the interview sent; purge removes envelopes after the
       retention period and keeps content-free records.
VL006: discarding leaves a deletion record without content.
VL007: the outbox store: oldest `seq` first, attempts counted, parked items not retried, counts.
VL008: the device store round-trips the enrollment and signing key, with the vault locked.
VL009: a sealing failure leaves nothing half-done.
VL010: listings filter by state, newest first, and limit (locked or not).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from vault_support import SECRET, FakeClock, Organisation, all_bytes_under, store_interview, submission_for

from app.vault import InterviewError, Vault, VaultLockedError, VaultPolicy
from sync.errors import EnvelopeError
from sync.sealed import SEALED_FIELDS


def _row(vault: Vault, sql: str, *params: object) -> tuple[object, ...]:
    connection = sqlite3.connect(vault.database_path)
    row = connection.execute(sql, params).fetchone()
    connection.close()
    return tuple(row) if row is not None else ()


def _open(organisation: Organisation, vault: Vault, interview_id: str) -> dict[str, object]:
    item = next(i for i in vault.outbox_store.pending(100) if i.id == interview_id)
    return organisation.open(item)


def _enroll(vault: Vault, organisation: Organisation) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)


def test_vl001_vl002_finish_seals_when_enrolled(vault: Vault, organisation: Organisation) -> None:
    _enroll(vault, organisation)
    interview = store_interview(vault, {"q1": "yes"})
    assert (
        vault.interviews.complete(
            interview, submission_for(interview, {"q1": "yes"}, notes="seen at the port")
        )
        is True
    )
    (summary,) = vault.list_interviews()
    assert summary.state == "sealed" and summary.completed_at and summary.sealed_at
    assert _row(vault, "SELECT engine_state, context, submission FROM interview") == (None, None, None)
    opened = _open(organisation, vault, interview)
    assert list(opened) == list(SEALED_FIELDS)
    assert opened["interview_id"] == interview
    assert opened["device_id"] == organisation.enrollment.device_id
    assert opened["answers"] == {"q1": "yes"} and opened["notes"] == "seen at the port"
    (item,) = vault.outbox_store.pending(10)
    assert (item.id, item.seq, item.key_id) == (interview, 1, organisation.enrollment.organisation_key_id)


def test_vl003_sealed_after_enrollment(vault: Vault, organisation: Organisation) -> None:
    first = store_interview(vault, {"q1": "yes"})
    second = store_interview(vault, {"q1": "no"})
    assert vault.interviews.complete(first, submission_for(first, {"q1": "yes"})) is False
    assert vault.interviews.complete(second, submission_for(second, {"q1": "no"})) is False
    assert {s.state for s in vault.list_interviews()} == {"completed"}
    assert vault.seal_completed() == []  # not enrolled yet: nothing to seal to
    _enroll(vault, organisation)
    assert sorted(vault.seal_completed()) == sorted([first, second])
    assert {s.state for s in vault.list_interviews()} == {"sealed"}
    assert [i.seq for i in vault.outbox_store.pending(10)] == [1, 2]
    assert _open(organisation, vault, second)["answers"] == {"q1": "no"}


def test_vl003_sealed_at_unlock(vault: Vault, organisation: Organisation) -> None:
    interview = store_interview(vault, {"q1": "yes"})
    vault.interviews.complete(interview, submission_for(interview, {"q1": "yes"}))
    vault.lock()
    with pytest.raises(VaultLockedError):  # an existing vault is enrolled only by its officer (issue 11)
        _enroll(vault, organisation)
    vault.unlock(SECRET)
    _enroll(vault, organisation)
    vault.lock()
    vault.unlock(SECRET)
    assert vault.list_interviews()[0].state == "sealed"


def test_vl004_no_trace_after_sealing(vault: Vault, organisation: Organisation) -> None:
    interview = store_interview(vault, {"q1": "yes"})
    vault.interviews.save_state(interview, {"answers": {"q1": "no"}})
    vault.interviews.complete(interview, submission_for(interview, {"q1": "no"}))
    (submission_blob,) = _row(vault, "SELECT submission FROM interview")
    assert isinstance(submission_blob, bytes) and submission_blob in all_bytes_under(
        vault.database_path.parent
    )
    _enroll(vault, organisation)
    vault.seal_completed()
    raw = all_bytes_under(vault.database_path.parent)
    assert submission_blob[1:64] not in raw
    assert vault.integrity_check() == "ok"


def test_vl005_sent_then_purged(vault: Vault, organisation: Organisation, clock: FakeClock) -> None:
    vault.set_policy(VaultPolicy(retention_days=7))
    _enroll(vault, organisation)
    interview = store_interview(vault, {"q1": "yes"})
    vault.interviews.complete(interview, submission_for(interview, {"q1": "yes"}))
    vault.lock()  # sending and purging need no secret
    vault.outbox_store.mark_sent([interview], b"signed-receipt")
    vault.unlock(SECRET)  # listing does
    assert vault.list_interviews()[0].state == "sent"
    assert vault.outbox_store.counts().sent == 1 and vault.outbox_store.pending(10) == []
    now = datetime.fromtimestamp(clock.now(), tz=UTC)
    assert vault.purge_expired(now + timedelta(days=6)) == 0
    (envelope,) = _row(vault, "SELECT envelope FROM outbox")
    assert vault.purge_expired(now + timedelta(days=7, seconds=1)) == 1
    (summary,) = vault.list_interviews()
    assert summary.state == "purged" and summary.purged_at is not None
    assert _row(vault, "SELECT envelope, receipt FROM outbox") == (None, b"signed-receipt")
    assert isinstance(envelope, bytes) and envelope[-64:] not in all_bytes_under(vault.database_path.parent)


def test_vl006_discard_leaves_a_content_free_record(vault: Vault) -> None:
    interview = store_interview(vault, {"q1": "yes"})
    (blob,) = _row(vault, "SELECT engine_state FROM interview")
    vault.interviews.discard(interview)
    (summary,) = vault.list_interviews()
    assert summary.state == "discarded"
    assert _row(vault, "SELECT engine_state, context, submission FROM interview") == (None, None, None)
    assert isinstance(blob, bytes) and blob[1:64] not in all_bytes_under(vault.database_path.parent)
    with pytest.raises(InterviewError):
        vault.interviews.save_state(interview, {"answers": {}})


def test_vl007_outbox_store(vault: Vault, organisation: Organisation) -> None:
    _enroll(vault, organisation)
    ids = []
    for answer in ("a", "b", "c"):
        interview = store_interview(vault, {"q1": answer})
        vault.interviews.complete(interview, submission_for(interview, {"q1": answer}))
        ids.append(interview)
    store = vault.outbox_store
    assert [i.id for i in store.pending(2)] == ids[:2]
    store.record_attempt(ids[:2], "timeout")
    store.record_attempt(ids[:1], "timeout")
    assert [i.attempts for i in store.pending(3)] == [2, 1, 0]
    store.park(ids[1], "409")
    assert [i.id for i in store.pending(3)] == [ids[0], ids[2]]
    store.mark_sent([ids[0]], b"r")
    counts = store.counts()
    assert (counts.pending, counts.sent, counts.parked) == (1, 1, 1)


def test_vl008_device_store_while_locked(
    open_vault: Callable[..., Vault], organisation: Organisation
) -> None:
    vault = open_vault()
    store = vault.device_store
    assert store.load_enrollment() is None and store.device_signing_key() is None
    store.save_enrollment(organisation.enrollment, organisation.signing_key)
    reopened = open_vault().device_store
    assert reopened.load_enrollment() == organisation.enrollment
    assert reopened.device_signing_key() == organisation.signing_key


def test_vl009_sealing_failure_changes_nothing(
    open_vault: Callable[..., Vault], organisation: Organisation
) -> None:
    def broken_sealer(*_args: object, **_kwargs: object) -> bytes:
        raise EnvelopeError()

    vault = open_vault(sealer=broken_sealer)
    vault.create(SECRET)
    _enroll(vault, organisation)
    interview = store_interview(vault, {"q1": "yes"})
    with pytest.raises(EnvelopeError):
        vault.interviews.complete(interview, submission_for(interview, {"q1": "yes"}))
    assert vault.list_interviews()[0].state == "in_progress"
    assert vault.interviews.load(interview).engine_state["answers"] == {"q1": "yes"}
    assert vault.outbox_store.counts().pending == 0


def test_vl010_listing_filters(vault: Vault, clock: FakeClock) -> None:
    made = []
    for answer in ("a", "b", "c", "d"):
        made.append(store_interview(vault, {"q1": answer}))
        clock.advance(60)
    vault.interviews.complete(made[1], submission_for(made[1], {"q1": "b"}))
    assert [s.id for s in vault.list_interviews()] == made
    assert [s.id for s in vault.list_interviews(newest_first=True, limit=2)] == [made[3], made[2]]
    assert [s.id for s in vault.list_interviews(states={"completed"})] == [made[1]]
    vault.lock()
    with pytest.raises(VaultLockedError):
        vault.list_interviews(states={"in_progress"}, limit=1)  # nothing is listed without a secret
    vault.unlock(SECRET)
    assert [s.id for s in vault.list_interviews(states={"in_progress"}, limit=1)] == [made[0]]
