"""Nothing about interviews in clear, and duress indistinguishable from a fresh vault (issue 11, finding 3).

VD020: the files show no protocol id, state or time of an interview: every interview column but the
       random id and owner tag is ciphertext of one size (failed before: protocol, state and times
       were clear columns).
VD021: listing and every state still work through the encrypted metadata: sent and purged are read
       from the outbox, which sending and the purge update while locked.
VD022: after duress the file-level view (every table, the WAL, every file under the data folder) holds
       no real interview id, no real key slot and no real ciphertext; the database and key file are
       the size of a fresh vault's with the same light use, and the unlock counters are a fresh vault's
       (failed before: the counters kept the real vault's history).
VD023: `waypoint interview list` after duress, with the duress secret, the officer's secret or none,
       shows no trace of the real interviews.
VD024: a version-5 vault migrates without losing anything: its clear metadata waits in
       `interview_legacy_meta` only until the owner's first unlock, then is encrypted and deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from vault_support import (
    DURESS_SECRET,
    SECRET,
    FakeClock,
    Organisation,
    all_bytes_under,
    key_record,
    store_interview,
    submission_for,
)

from app.vault import Vault, VaultPolicy
from app.vault.clock import format_time
from app.vault.key_file import KEY_FILENAME
from waypoint.cli import main


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _counters(path: Path) -> tuple[object, ...]:
    (row,) = _rows(path, "SELECT failures, attempts_total, forgiven_total FROM unlock_guard")
    return row


def test_vd020_no_protocol_state_or_time_in_clear(vault: Vault, clock: FakeClock) -> None:
    started = format_time(clock.now())
    draft = store_interview(vault, {"q1": "yes"})
    clock.advance(61)
    done = store_interview(vault, {"q1": "no"})
    vault.interviews.complete(done, submission_for(done, {"q1": "no"}))
    clock.advance(61)
    dropped = store_interview(vault, {"q1": "no"})
    vault.interviews.discard(dropped)
    finished = format_time(clock.now())
    vault.close()

    database = vault.database_path
    everything = all_bytes_under(database.parent)
    for marker in ("test-protocol", "in_progress", "discarded"):  # ("completed_at" is a column name)
        assert marker.encode() not in everything, marker
    sqlite_bytes = all_bytes_under(database, *database.parent.glob("*-wal"))
    for moment in (started, finished, started[:16]):
        assert moment.encode() not in sqlite_bytes, moment
    columns = [name for (_, name, *_rest) in _rows(database, "PRAGMA table_info(interview)")]
    assert columns == ["id", "owner_tag", "meta", "engine_state", "context", "submission", "finished"]
    metas = _rows(database, "SELECT meta FROM interview")
    assert len(metas) == 3 and len({len(meta) for (meta,) in metas}) == 1
    assert _rows(database, "SELECT count(*) FROM interview_legacy_meta") == [(0,)]
    assert {draft, done, dropped} == {row[0] for row in _rows(database, "SELECT id FROM interview")}


def test_vd021_states_through_encrypted_metadata(
    vault: Vault, organisation: Organisation, clock: FakeClock
) -> None:
    vault.set_policy(VaultPolicy(retention_days=7))
    draft = store_interview(vault, {"q1": "yes"})
    completed = store_interview(vault, {"q1": "yes"})
    vault.interviews.complete(completed, submission_for(completed, {"q1": "yes"}))
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    clock.advance(60)
    sent = store_interview(vault, {"q1": "no"})
    vault.interviews.complete(sent, submission_for(sent, {"q1": "no"}))
    states = {s.id: s.state for s in vault.list_interviews()}
    assert states == {draft: "in_progress", completed: "completed", sent: "sealed"}
    vault.lock()
    vault.outbox_store.mark_sent([sent], b"receipt")  # while locked, as the background sender does
    vault.unlock(SECRET)  # seals `completed` too
    listed = {s.id: s for s in vault.list_interviews()}
    assert {i: s.state for i, s in listed.items()} == {
        draft: "in_progress",
        completed: "sealed",
        sent: "sent",
    }
    assert listed[sent].sent_at is not None and listed[sent].purged_at is None
    assert [s.id for s in vault.list_interviews(states=("sent",))] == [sent]
    now = datetime.fromtimestamp(clock.now(), tz=UTC)
    vault.lock()
    assert vault.purge_expired(now + timedelta(days=8)) == 1  # also while locked
    vault.unlock(SECRET)
    purged = next(s for s in vault.list_interviews() if s.id == sent)
    assert purged.state == "purged" and purged.purged_at is not None
    assert [s.id for s in vault.list_interviews(newest_first=True, limit=1)] == [sent]


def _real_then_duress(
    vault: Vault, organisation: Organisation, clock: FakeClock
) -> tuple[list[str], bytes, list[bytes]]:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    vault.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    real = []
    for index in range(12):
        interview = store_interview(vault, {"q1": f"kestrel-real-{index}"})
        if index % 2:
            vault.interviews.complete(interview, submission_for(interview, {"q1": "sealed"}))
        real.append(interview)
        clock.advance(30)
    blobs = [row[0] for row in _rows(vault.database_path, "SELECT meta FROM interview")]
    officer_slot = key_record(vault).officer_slot
    vault.lock()
    for _ in range(5):  # a well-used vault: many unlocks before the duress one
        vault.unlock(SECRET)
        vault.lock()
    vault.unlock(DURESS_SECRET)
    store_interview(vault, {"q1": "decoy"})
    vault.close()
    return real, officer_slot, blobs


def test_vd022_after_duress_the_files_show_a_fresh_vault(
    vault: Vault,
    open_vault: Callable[..., Vault],
    organisation: Organisation,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    real, officer_slot, blobs = _real_then_duress(vault, organisation, clock)

    fresh = open_vault(tmp_path / "fresh")
    fresh.create(DURESS_SECRET)
    fresh.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    fresh.set_policy(VaultPolicy())
    fresh.lock()
    fresh.unlock(DURESS_SECRET)
    store_interview(fresh, {"q1": "decoy"})
    fresh.close()

    after, reference = vault.database_path, fresh.database_path
    everything = all_bytes_under(after.parent)
    for needle in (*[r.encode() for r in real], b"kestrel-real", officer_slot, *[b[13:45] for b in blobs]):
        assert needle not in everything
    assert _counters(after) == _counters(reference) == (0, 1, 1)
    tables = [name for (name,) in _rows(after, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        count = "SELECT count(*) FROM " + table  # names from sqlite_master, never from input  # noqa: S608  # nosec B608
        assert _rows(after, count) == _rows(reference, count), table
    assert (after.parent / KEY_FILENAME).stat().st_size == (reference.parent / KEY_FILENAME).stat().st_size
    assert after.stat().st_size == reference.stat().st_size  # both rebuilt: no pages left by the real data
    for companion in ("-wal", "-journal"):
        path = after.with_name(after.name + companion)
        assert not path.exists() or path.stat().st_size == 0


def test_vd023_no_command_shows_the_real_interviews(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    real = Vault.open(data_dir)  # the production KDF: what the command line opens
    real.create(SECRET)
    real.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    ids = [store_interview(real, {"q1": "kestrel-real"}) for _ in range(2)]
    real.close()

    def listing(pin: str) -> tuple[int, str]:
        args = ["interview", "list", "--data-dir", str(data_dir), "--json"]
        result = CliRunner().invoke(main, args, env={"WAYPOINT_PIN": pin})
        return result.exit_code, result.output

    code, output = listing(SECRET)
    assert code == 0 and all(i in output for i in ids)
    code, output = listing(DURESS_SECRET)  # the duress unlock, from the command line
    assert code == 0 and output.strip() == "[]"
    for pin in (DURESS_SECRET, SECRET, ""):
        code, output = listing(pin)
        assert not any(i in output for i in ids) and "test-protocol" not in output
    assert listing(SECRET)[0] == 1  # the officer's secret opens nothing any more


def test_vd024_version_5_vault_migrates_without_loss(
    tmp_path: Path, open_vault: Callable[..., Vault]
) -> None:
    data_dir = tmp_path / "data"
    old = open_vault(data_dir)
    old.create(SECRET)
    draft = store_interview(old, {"q1": "kept"})
    done = store_interview(old, {"q1": "kept too"})
    old.interviews.complete(done, submission_for(done, {"q1": "kept too"}))
    expected = {s.id: (s.protocol_id, s.state, s.started_at) for s in old.list_interviews()}
    old.close()
    _downgrade_to_version_5(old, {draft: "in_progress", done: "completed"})

    migrated = open_vault(data_dir)
    assert not (data_dir / "vault.sqlite3").read_bytes().count(b"vault_keys (")
    assert _rows(migrated.database_path, "SELECT count(*) FROM interview_legacy_meta") == [(2,)]
    migrated.unlock(SECRET)
    assert {s.id: (s.protocol_id, s.state, s.started_at) for s in migrated.list_interviews()} == expected
    assert migrated.interviews.load(draft).engine_state["answers"] == {"q1": "kept"}
    assert migrated.finished_summary(done).interview_id == done
    assert _rows(migrated.database_path, "SELECT count(*) FROM interview_legacy_meta") == [(0,)]
    assert b"test-protocol" not in all_bytes_under(data_dir)


def _downgrade_to_version_5(vault: Vault, states: dict[str, str]) -> None:
    """Turn the file back into what version 5 wrote: clear metadata, key slots in `vault_keys`."""
    path = vault.database_path
    record = key_record(vault)
    (path.parent / KEY_FILENAME).unlink()
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "CREATE TABLE vault_keys (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),"
            " vault_id VARCHAR NOT NULL, kdf_params VARCHAR NOT NULL, officer_slot BLOB NOT NULL,"
            " duress_slot BLOB NOT NULL,"
            " updated_at VARCHAR NOT NULL)"
        )
        connection.execute(
            "INSERT INTO vault_keys VALUES (1, ?, ?, ?, ?, ?)",
            (record.vault_id, record.kdf_params, record.officer_slot, record.duress_slot, record.updated_at),
        )
        connection.execute("ALTER TABLE interview RENAME TO interview_v6")
        connection.execute(
            "CREATE TABLE interview (id VARCHAR NOT NULL PRIMARY KEY, protocol_id VARCHAR NOT NULL,"
            " protocol_version VARCHAR NOT NULL, state VARCHAR NOT NULL, owner_tag BLOB NOT NULL,"
            " started_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, completed_at VARCHAR,"
            " sealed_at VARCHAR, sent_at VARCHAR, engine_state BLOB, context BLOB, submission BLOB,"
            " purged_at VARCHAR, finished BLOB)"
        )
        for interview_id, state in states.items():
            connection.execute(
                "INSERT INTO interview (id, protocol_id, protocol_version, state, owner_tag, started_at,"
                " updated_at, engine_state, context, submission, finished)"
                " SELECT id, 'test-protocol', '1', ?, owner_tag, '2027-01-15T08:00:00Z',"
                " '2027-01-15T08:00:00Z', engine_state, context, submission, finished"
                " FROM interview_v6 WHERE id = ?",
                (state, interview_id),
            )
        connection.execute("DROP TABLE interview_v6")
        connection.execute("DROP TABLE interview_legacy_meta")
        connection.execute("ALTER TABLE outbox DROP COLUMN purged_at")
        for later in ("referral_status", "referral", "directory", "interview_change"):  # versions 7, 8, 11
            connection.execute(f"DROP TABLE {later}")
        connection.execute("ALTER TABLE vault_policy DROP COLUMN emergency_numbers")  # version 9
        connection.execute("ALTER TABLE vault_policy DROP COLUMN private_idle_lock_seconds")  # version 10
        connection.execute("UPDATE schema_version SET version = 5")
    connection.close()
