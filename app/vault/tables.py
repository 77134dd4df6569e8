"""The vault's tables, as SQLModel classes matching the newest schema (`migrations.SCHEMA_VERSION`).

The schema itself is created and changed only by the ordered steps in `migrations.py` (so an old
database and a new one end up identical); a test checks that these classes and the migrated database
agree. Since schema version 6 nothing about an interview is in clear but its random id and its owner
tag: protocol, state and times are in the encrypted `meta` column, and everything a respondent or
officer said lives in the other encrypted columns (`bytes`, see `fields.py`). The outbox stays in clear
(sending works while locked); the key slots are in their own file (`key_file.py`).

Times are ISO 8601 UTC strings to the second (`2026-03-01T09:30:00Z`).
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

__all__ = [
    "DirectoryRow",
    "EnrollmentRow",
    "IntegrityRow",
    "InterviewChangeRow",
    "InterviewRow",
    "LegacyInterviewMetaRow",
    "OutboxRow",
    "PolicyRow",
    "ReferralRow",
    "ReferralStatusRow",
    "UnlockGuardRow",
]


class UnlockGuardRow(SQLModel, table=True):
    """Wrong-secret throttling, kept across restarts (one row)."""

    __tablename__ = "unlock_guard"

    id: int = Field(default=1, primary_key=True)
    failures: int = 0
    next_attempt_at: float = 0.0  # Unix time before which no attempt is allowed
    wiped_at: str | None = None
    # Schema version 4: both only grow; `failures` is always their difference (`integrity.py`).
    attempts_total: int = 0
    forgiven_total: int = 0


class IntegrityRow(SQLModel, table=True):
    """The MAC over the enrollment, settings and attempt count (one row; schema version 4)."""

    __tablename__ = "vault_integrity"

    id: int = Field(default=1, primary_key=True)
    attested_attempts: int = 0  # the attempt count when the MAC was last written
    mac: bytes | None = None  # None until the first unlocked session writes it (and after a wipe)


class PolicyRow(SQLModel, table=True):
    """The organisation's settings for this vault (one row; schema version 2)."""

    __tablename__ = "vault_policy"

    id: int = Field(default=1, primary_key=True)
    idle_lock_seconds: int = 120
    wipe_after_failures: int | None = None
    retention_days: int = 30
    updated_at: str | None = None  # set once the organisation's settings were written
    # The organisation asks for a duress secret the officer has not chosen yet (schema version 3).
    # Cleared the moment one is set, so afterwards the file does not show that a duress secret exists.
    duress_required: bool = False
    # The emergency and duty numbers by country, as JSON (schema version 9); not secret.
    emergency_numbers: str | None = None
    private_idle_lock_seconds: int | None = None  # schema version 10


class InterviewRow(SQLModel, table=True):
    """One interview: a random id, its owner tag, and encrypted fields (schema version 6)."""

    __tablename__ = "interview"

    id: str = Field(primary_key=True)
    owner_tag: bytes  # HMAC under the session's key: which vault space owns it, unreadable otherwise
    # Encrypted protocol id and version, state and times (`records.InterviewMeta`); None only for a
    # row migrated from version 5 whose owner has not unlocked since (see LegacyInterviewMetaRow).
    meta: bytes | None = None
    # Encrypted Interview.to_dict() while in progress: the snapshot the `interview_change` rows follow.
    engine_state: bytes | None = None
    context: bytes | None = None  # encrypted languages, checks and consent
    submission: bytes | None = None  # encrypted sealed-plaintext document once completed
    # Schema version 5: the encrypted outcome summary (`finished.py`), kept after sealing until purged.
    finished: bytes | None = None


class InterviewChangeRow(SQLModel, table=True):
    """One saved change of an in-progress interview since its last snapshot (schema version 11).

    `log_tag` is an HMAC of the interview id under the space's key (not the id itself), so while
    locked the rows cannot be matched to an interview row; `seq` counts the interview's changes.
    `change` is the encrypted, padded `Interview.changes_since` record, bound to the interview id and
    `seq` (`records.py`). Compaction folds the rows into `interview.engine_state` and deletes them.
    """

    __tablename__ = "interview_change"

    log_tag: bytes = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    change: bytes


class LegacyInterviewMetaRow(SQLModel, table=True):
    """Clear metadata of interviews from before schema version 6, until their owner's next unlock.

    Migrations never have the data key, so version 6 moves the clear columns here; the first unlock
    of the space that owns a row encrypts them into `interview.meta` and deletes the row.
    """

    __tablename__ = "interview_legacy_meta"

    id: str = Field(primary_key=True)
    protocol_id: str
    protocol_version: str
    state: str
    started_at: str
    updated_at: str
    completed_at: str | None = None
    sealed_at: str | None = None


class EnrollmentRow(SQLModel, table=True):
    """The device's enrollment and signing key (one row); readable while the vault is locked."""

    __tablename__ = "enrollment"

    id: int = Field(default=1, primary_key=True)
    server_url: str
    device_id: str
    organisation_public_key: bytes
    organisation_key_id: str
    receipt_public_key: bytes
    enrolled_at: str
    signing_key: bytes


class OutboxRow(SQLModel, table=True):
    """A sealed envelope waiting to be sent, sent (with its receipt) or parked."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_seq", "status", "seq"),)

    id: str = Field(primary_key=True)  # the interview id: the server's idempotency key
    seq: int = Field(unique=True)
    protocol_id: str
    protocol_version: str
    key_id: str
    envelope: bytes | None = None  # None once purged after the retention period
    status: str = "pending"  # pending | sent | parked
    attempts: int = 0
    last_error_code: str | None = None
    parked_reason: str | None = None
    receipt: bytes | None = None
    created_at: str
    sent_at: str | None = None
    purged_at: str | None = None  # schema version 6: the envelope was purged (retention)


class DirectoryRow(SQLModel, table=True):
    """The organisation's signed directory of services for one space, encrypted (schema version 8)."""

    __tablename__ = "directory"

    space: str = Field(primary_key=True)  # the space's owner tag for "directory", hex
    sealed: bytes  # field ciphertext of the signed document, its signature and version
    received_at: str


class ReferralRow(SQLModel, table=True):
    """One referral (schema version 7): the encrypted record, the sealed copies and the sending state."""

    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_state", "state", "created_at"),)

    id: str = Field(primary_key=True)  # the referral id
    owner_tag: bytes  # which space made it (as interviews)
    created_at: str
    state: str  # information_only | pending | sent | parked
    status: str  # the newest verified status, or not_sent
    status_at: str | None = None
    partner_id: str | None = None
    partner_signing_key: bytes | None = None  # from the signed directory, to verify statuses while locked
    for_partner: bytes | None = None  # HPKE to the partner
    for_organisation: bytes | None = None  # HPKE to the organisation
    parked_reason: str | None = None
    receipt: bytes | None = None
    sent_at: str | None = None
    record: bytes  # encrypted: interview, service, organisation, needs, fields shared, consent


class ReferralStatusRow(SQLModel, table=True):
    """One status change received for a referral (schema version 7), and whether its signature verified."""

    __tablename__ = "referral_status"

    event_id: int = Field(primary_key=True)  # the server's event id
    referral_id: str = Field(index=True)
    status: str
    at: str
    actor_id: str
    actor_role: str
    verified: bool
