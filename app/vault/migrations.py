"""The vault's schema, versioned and migrated forward on open.

Devices are upgraded in the field with interviews on them, so every schema change is a new numbered
step, never an edit of an old one. All pending steps run in one `BEGIN IMMEDIATE` transaction: a crash
mid-migration leaves the old version intact, and two processes opening the same vault cannot both
migrate. Steps are plain DDL, never `SQLModel.metadata.create_all` (which would describe today's models,
not the schema the step had), and never need the data key: they run before anyone unlocks.

Versions:
    1. keys, unlock guard, interviews, enrollment, outbox.
    2. the organisation's policy (idle lock, wipe limit, retention), the retention purge, and indexes
       for the outbox and for listing the newest interviews.
    3. the organisation's duress requirement, kept only until the officer has chosen the secret.
    4. forward-only unlock counters and the MAC over the enrollment, settings and counters
       (`integrity.py`). An existing vault has no MAC yet: its first unlock writes one (`Vault.unlock`).
    5. the encrypted outcome summary of a finished interview (`finished.py`), kept after sealing until
       the retention purge. Interviews completed earlier get theirs from their final document.
    6. nothing about an interview in clear (issue 11, finding 3): protocol, state and times move to
       the encrypted `interview.meta`; until the owner's next unlock they wait in
       `interview_legacy_meta`. `sent`/`purged` are read from the outbox (`outbox.purged_at` is new).
       The key slots leave the database for the key-slot file (finding 5): `Vault.open` copies them
       there before this step drops `vault_keys`.
    7. referrals (`referrals.py`): the encrypted record, the sealed copies and the statuses received.
    8. the organisation's signed directory of services (`directory.py`), encrypted, one row per space.
    9. the organisation's emergency and duty numbers by country (JSON, not secret).
    10. the organisation's idle lock while the respondent holds the device (under the integrity MAC once set).
    11. the per-interview change log (`interview_change`, issue 17): each answer appends one encrypted
        change row instead of re-encrypting the whole engine state; compaction folds the rows into
        `interview.engine_state`. Existing interviews have no rows: their snapshot is their state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.vault.errors import SchemaTooNewError
from app.vault.key_file import KeyFile, KeyRecord

__all__ = ["SCHEMA_VERSION", "STEPS", "MigrationStep", "migrate", "schema_version"]


@dataclass(frozen=True)
class MigrationStep:
    """One schema version: the statements that take the previous version to this one."""

    version: int
    summary: str
    statements: Sequence[str]


STEPS: tuple[MigrationStep, ...] = (
    MigrationStep(
        1,
        "keys, unlock guard, interviews, enrollment, outbox",
        (
            """CREATE TABLE vault_keys (
                id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                vault_id VARCHAR NOT NULL,
                kdf_params VARCHAR NOT NULL,
                officer_slot BLOB NOT NULL,
                duress_slot BLOB NOT NULL,
                updated_at VARCHAR NOT NULL)""",
            """CREATE TABLE unlock_guard (
                id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                failures INTEGER NOT NULL DEFAULT 0,
                next_attempt_at FLOAT NOT NULL DEFAULT 0,
                wiped_at VARCHAR)""",
            "INSERT INTO unlock_guard (id, failures, next_attempt_at) VALUES (1, 0, 0)",
            """CREATE TABLE interview (
                id VARCHAR NOT NULL PRIMARY KEY,
                protocol_id VARCHAR NOT NULL,
                protocol_version VARCHAR NOT NULL,
                state VARCHAR NOT NULL,
                owner_tag BLOB NOT NULL,
                started_at VARCHAR NOT NULL,
                updated_at VARCHAR NOT NULL,
                completed_at VARCHAR,
                sealed_at VARCHAR,
                sent_at VARCHAR,
                engine_state BLOB,
                context BLOB,
                submission BLOB)""",
            "CREATE INDEX ix_interview_state ON interview (state)",
            """CREATE TABLE enrollment (
                id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                server_url VARCHAR NOT NULL,
                device_id VARCHAR NOT NULL,
                organisation_public_key BLOB NOT NULL,
                organisation_key_id VARCHAR NOT NULL,
                receipt_public_key BLOB NOT NULL,
                enrolled_at VARCHAR NOT NULL,
                signing_key BLOB NOT NULL)""",
            """CREATE TABLE outbox (
                id VARCHAR NOT NULL PRIMARY KEY,
                seq INTEGER NOT NULL UNIQUE,
                protocol_id VARCHAR NOT NULL,
                protocol_version VARCHAR NOT NULL,
                key_id VARCHAR NOT NULL,
                envelope BLOB,
                status VARCHAR NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error_code VARCHAR,
                parked_reason VARCHAR,
                receipt BLOB,
                created_at VARCHAR NOT NULL,
                sent_at VARCHAR)""",
        ),
    ),
    MigrationStep(
        2,
        "organisation policy and retention purge",
        (
            """CREATE TABLE vault_policy (
                id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                idle_lock_seconds INTEGER NOT NULL DEFAULT 120,
                wipe_after_failures INTEGER,
                retention_days INTEGER NOT NULL DEFAULT 30,
                updated_at VARCHAR)""",
            "INSERT INTO vault_policy (id, idle_lock_seconds, retention_days) VALUES (1, 120, 30)",
            "ALTER TABLE interview ADD COLUMN purged_at VARCHAR",
            "CREATE INDEX ix_outbox_status_seq ON outbox (status, seq)",
            "CREATE INDEX ix_interview_started ON interview (started_at, id)",
        ),
    ),
    MigrationStep(
        3,
        "the organisation's duress requirement",
        ("ALTER TABLE vault_policy ADD COLUMN duress_required BOOLEAN NOT NULL DEFAULT 0",),
    ),
    MigrationStep(
        4,
        "forward-only unlock counters and the integrity MAC",
        (
            "ALTER TABLE unlock_guard ADD COLUMN attempts_total INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE unlock_guard ADD COLUMN forgiven_total INTEGER NOT NULL DEFAULT 0",
            "UPDATE unlock_guard SET attempts_total = failures, forgiven_total = 0",
            """CREATE TABLE vault_integrity (
                id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                attested_attempts INTEGER NOT NULL DEFAULT 0,
                mac BLOB)""",
            "INSERT INTO vault_integrity (id, attested_attempts) VALUES (1, 0)",
        ),
    ),
    MigrationStep(
        5,
        "the encrypted outcome summary of finished interviews",
        ("ALTER TABLE interview ADD COLUMN finished BLOB",),
    ),
    MigrationStep(
        6,
        "interview metadata encrypted; key slots in their own file",
        (
            """CREATE TABLE interview_legacy_meta (
                id VARCHAR NOT NULL PRIMARY KEY,
                protocol_id VARCHAR NOT NULL,
                protocol_version VARCHAR NOT NULL,
                state VARCHAR NOT NULL,
                started_at VARCHAR NOT NULL,
                updated_at VARCHAR NOT NULL,
                completed_at VARCHAR,
                sealed_at VARCHAR)""",
            """INSERT INTO interview_legacy_meta (id, protocol_id, protocol_version, state, started_at,
                updated_at, completed_at, sealed_at)
                SELECT id, protocol_id, protocol_version, state, started_at, updated_at, completed_at,
                sealed_at FROM interview""",
            "ALTER TABLE outbox ADD COLUMN purged_at VARCHAR",
            """UPDATE outbox SET purged_at = (SELECT purged_at FROM interview WHERE interview.id = outbox.id)
                WHERE envelope IS NULL""",
            """CREATE TABLE interview_v6 (
                id VARCHAR NOT NULL PRIMARY KEY,
                owner_tag BLOB NOT NULL,
                meta BLOB,
                engine_state BLOB,
                context BLOB,
                submission BLOB,
                finished BLOB)""",
            """INSERT INTO interview_v6 (id, owner_tag, engine_state, context, submission, finished)
                SELECT id, owner_tag, engine_state, context, submission, finished FROM interview""",
            "DROP TABLE interview",
            "ALTER TABLE interview_v6 RENAME TO interview",
            "DROP TABLE vault_keys",
        ),
    ),
    MigrationStep(
        7,
        "referrals and the statuses received",
        (
            """CREATE TABLE referral (
            id VARCHAR NOT NULL PRIMARY KEY,
            owner_tag BLOB NOT NULL,
            created_at VARCHAR NOT NULL,
            state VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            status_at VARCHAR,
            partner_id VARCHAR,
            partner_signing_key BLOB,
            for_partner BLOB,
            for_organisation BLOB,
            parked_reason VARCHAR,
            receipt BLOB,
            sent_at VARCHAR,
            record BLOB NOT NULL)""",
            "CREATE INDEX ix_referral_state ON referral (state, created_at)",
            """CREATE TABLE referral_status (
            event_id INTEGER NOT NULL PRIMARY KEY,
            referral_id VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            at VARCHAR NOT NULL,
            actor_id VARCHAR NOT NULL,
            actor_role VARCHAR NOT NULL,
            verified BOOLEAN NOT NULL)""",
            "CREATE INDEX ix_referral_status_referral_id ON referral_status (referral_id)",
        ),
    ),
    MigrationStep(
        8,
        "the organisation's signed directory of services, encrypted, one row per space",
        (
            """CREATE TABLE directory (
                space VARCHAR NOT NULL PRIMARY KEY,
                sealed BLOB NOT NULL,
                received_at VARCHAR NOT NULL)""",
        ),
    ),
    MigrationStep(
        9,
        "the organisation's emergency and duty numbers by country",
        ("ALTER TABLE vault_policy ADD COLUMN emergency_numbers VARCHAR",),
    ),
    MigrationStep(
        10,
        "the organisation's idle lock while the respondent holds the device",
        ("ALTER TABLE vault_policy ADD COLUMN private_idle_lock_seconds INTEGER",),
    ),
    MigrationStep(
        11,
        "the per-interview change log, encrypted",
        (
            """CREATE TABLE interview_change (
                log_tag BLOB NOT NULL,
                seq INTEGER NOT NULL,
                change BLOB NOT NULL,
                PRIMARY KEY (log_tag, seq))""",
        ),
    ),
)

SCHEMA_VERSION = STEPS[-1].version


def schema_version(connection: Connection) -> int:
    """The version this database is at (0 for a new, empty file)."""
    exists = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    ).first()
    if exists is None:
        return 0
    return int(connection.execute(text("SELECT version FROM schema_version")).scalar_one())


KEY_FILE_VERSION = 6


def _move_key_slots(connection: Connection, key_file: KeyFile | None) -> None:
    """Copy the key slots from `vault_keys` into the key-slot file, before step 6 drops the table.

    A crash before the migration commits leaves the row in place, and the copy is simply made again.
    """
    row = connection.execute(
        text("SELECT vault_id, kdf_params, officer_slot, duress_slot, updated_at FROM vault_keys")
    ).first()
    if row is None:
        return
    if key_file is None:
        raise ValueError("moving the key slots needs the key-slot file")
    key_file.write(KeyRecord(row.vault_id, row.kdf_params, row.officer_slot, row.duress_slot, row.updated_at))


def migrate(
    connection: Connection, target: int = SCHEMA_VERSION, *, key_file: KeyFile | None = None
) -> list[int]:
    """Apply the steps after the database's version up to `target`, inside the caller's transaction.

    Args:
        connection: a connection inside a `BEGIN IMMEDIATE` transaction.
        target: the version to reach; tests pass an older one to build an old vault.
        key_file: where step 6 moves the key slots (needed when the vault has them).

    Returns:
        The versions applied (empty when the database was already there).

    Raises:
        SchemaTooNewError: the database is newer than this code knows.
    """
    current = schema_version(connection)
    if current > SCHEMA_VERSION:
        raise SchemaTooNewError(found=current, known=SCHEMA_VERSION)
    if current == 0:
        connection.execute(text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO schema_version (version) VALUES (0)"))
    applied = []
    for step in STEPS:
        if current < step.version <= target:
            if step.version == KEY_FILE_VERSION:
                _move_key_slots(connection, key_file)
            for statement in step.statements:
                connection.execute(text(statement))
            connection.execute(text("UPDATE schema_version SET version = :v"), {"v": step.version})
            applied.append(step.version)
    return applied
