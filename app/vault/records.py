"""Interviews in the vault: encrypted documents under clear, content-free metadata.

One row per interview. While it is in progress, `engine_state` holds a snapshot of the engine's
state (`Interview.to_dict()`) and each answer after it appends one encrypted change record
(`Interview.changes_since`) to `interview_change` (`append_change`), in one transaction with the
row's metadata, so an answer costs the same at question 800 as at question 8. Change rows carry no
question id in clear, only a tag of the interview (`SessionKeys.change_tag`) and a sequence number;
each record is padded like every document, so rows are equal-sized. `save_state` writes a new
snapshot and deletes the rows (compaction); `load` returns the snapshot and the records after it, in
order. `context` holds the languages, checks and consent. Completing replaces both with `submission`, the
sealed document (`sync.sealed.SealedInterview`) less the device id; sealing turns that into an
envelope in the outbox and deletes it, in one transaction. JSON documents are padded before
encryption (`fields.pad`).

Every row carries an `owner_tag` and its metadata (protocol, state, times) encrypted in `meta`
(`spaces.py`): a session sees and changes only its own space's rows, and nothing is in clear.

Why one module of this size: every statement that reads or writes an interview row and its
encrypted fields is here, so the owner-tag and AAD rules are applied in one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlmodel import col

from app.vault.clock import Clock, format_time, parse_time
from app.vault.database import Database
from app.vault.errors import InterviewError, VaultIntegrityError
from app.vault.fields import pad, unpad
from app.vault.finished import FinishedSummary
from app.vault.integrity import verify
from app.vault.spaces import (
    TABLE,
    InterviewMeta,
    InterviewSummary,
    SessionKeys,
    decode_document,
    delete_other_spaces,
    encode_document,
    shown_state,
    summaries,
)
from app.vault.stores import load_enrollment
from app.vault.tables import EnrollmentRow, InterviewChangeRow, InterviewRow, OutboxRow
from sync.sealed import SealedInterview
from sync.stores import Enrollment

__all__ = [
    "STATES",
    "ChangeLog",
    "InterviewRecords",
    "InterviewSummary",
    "SessionKeys",
    "StoredInterview",
    "delete_other_spaces",
    "summaries",
]

STATES = ("in_progress", "completed", "sealed", "sent", "purged", "discarded")

Sealer = Callable[..., bytes]
CHANGE_TABLE = "interview_change"
CHANGE_COLUMN = "change"


@dataclass(frozen=True)
class StoredInterview:
    """An in-progress interview, decrypted: what the screening service needs to carry on."""

    id: str
    protocol_id: str
    protocol_version: str
    state: str
    started_at: datetime
    engine_state: dict[str, Any]
    context: dict[str, Any]
    # The change records saved after the snapshot `engine_state`, oldest first (apply in order),
    # and the sequence number the newest of them (or the snapshot) ends at.
    changes: tuple[dict[str, Any], ...] = ()
    log_seq: int = 0


class ChangeLog(NamedTuple):
    """Where an interview's change log stands: its newest sequence number, and the rows after the
    snapshot."""

    seq: int
    rows: int


@dataclass(frozen=True)
class _Row:
    """One of this session's interview rows, its metadata decrypted."""

    id: str
    meta: InterviewMeta
    engine_state: bytes | None
    context: bytes | None
    submission: bytes | None


class InterviewRecords:
    """The interviews one unlocked session may see and change."""

    def __init__(self, database: Database, keys: SessionKeys, clock: Clock, sealer: Sealer) -> None:
        self._database = database
        self._keys = keys
        self._clock = clock
        self._sealer = sealer

    def _seal(self, interview_id: str, column: str, document: Mapping[str, Any]) -> bytes:
        return self._keys.codec.seal(TABLE, interview_id, column, encode_document(document))

    def _open(self, interview_id: str, column: str, stored: bytes) -> dict[str, Any]:
        return decode_document(self._keys.codec.open(TABLE, interview_id, column, stored))

    def _mine(self, interview_id: str) -> Any:
        return (col(InterviewRow.id) == interview_id) & (
            col(InterviewRow.owner_tag) == self._keys.owner_tag(interview_id)
        )

    def _row(self, connection: Connection, interview_id: str) -> _Row | None:
        row = connection.execute(select(InterviewRow).where(self._mine(interview_id))).first()
        if row is None or row.meta is None:
            return None
        meta = self._keys.open_meta(row.id, row.meta)
        return _Row(row.id, meta, row.engine_state, row.context, row.submission)

    def _row_in(self, connection: Connection, interview_id: str, *states: str) -> _Row:
        """This session's row, in one of `states`.

        Raises:
            InterviewError: no such interview in this session, or it is in another state.
        """
        row = self._row(connection, interview_id)
        if row is None or row.meta.state not in states:
            raise InterviewError(interview_id=interview_id, state=self._shown_state(connection, row))
        return row

    def _shown_state(self, connection: Connection, row: _Row | None) -> str:
        return "unknown" if row is None else shown_state(connection, row.id, row.meta)

    def _write_meta(
        self, connection: Connection, interview_id: str, meta: InterviewMeta, **values: Any
    ) -> None:
        connection.execute(
            update(InterviewRow)
            .where(col(InterviewRow.id) == interview_id)
            .values(meta=self._keys.seal_meta(interview_id, meta), **values)
        )

    def create(
        self,
        *,
        protocol_id: str,
        protocol_version: str,
        engine_state: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> str:
        """Store a new in-progress interview and return its id (a random UUID)."""
        interview_id = str(uuid.uuid4())
        now = format_time(self._clock.now())
        meta = InterviewMeta(protocol_id, protocol_version, "in_progress", now, now)
        with self._database.write() as connection:
            connection.execute(
                insert(InterviewRow).values(
                    id=interview_id,
                    owner_tag=self._keys.owner_tag(interview_id),
                    meta=self._keys.seal_meta(interview_id, meta),
                    engine_state=self._seal(interview_id, "engine_state", engine_state),
                    context=self._seal(interview_id, "context", context),
                )
            )
        return interview_id

    def save_state(self, interview_id: str, engine_state: Mapping[str, Any]) -> int:
        """Encrypt and commit a snapshot of an in-progress interview's engine state, deleting its
        change rows in the same transaction (compaction: the snapshot already holds them).

        Returns:
            The interview's newest sequence number (pass it to the next `append_change`).

        Raises:
            InterviewError: no such interview in this session, or it is no longer in progress.
        """
        blob = self._seal(interview_id, "engine_state", engine_state)
        now = format_time(self._clock.now())
        with self._database.write() as connection:
            row = self._row_in(connection, interview_id, "in_progress")
            if row.meta.log_rows:
                self._forget_changes(connection, interview_id)
            # A snapshot takes a sequence number too, so a writer whose state it replaced can tell.
            meta = replace(row.meta, updated_at=now, log_seq=row.meta.log_seq + 1, log_rows=0)
            self._write_meta(connection, interview_id, meta, engine_state=blob)
        return meta.log_seq

    def append_change(self, interview_id: str, change: Mapping[str, Any], *, after: int) -> ChangeLog | None:
        """Encrypt and commit one change record after the interview's snapshot (the autosave).

        One transaction: the encrypted row (bound to the interview id and its sequence number) and the
        row's metadata (time, sequence). Costs the same whatever the size of the interview.

        Args:
            interview_id: an in-progress interview of this session.
            change: an `Interview.changes_since` record, relative to the state saved as `after`.
            after: the sequence number the caller's saved state ends at. When another writer (a
                second tab on the same draft) saved since, nothing is written and None is returned:
                the change would apply to a state it was not made from; save the whole state instead.

        Returns:
            The interview's sequence number now and how many rows follow the snapshot (compact with
            `save_state` when many), or None (see `after`).

        Raises:
            InterviewError: no such interview in this session, or it is no longer in progress.
        """
        document = encode_document(change)
        now = format_time(self._clock.now())
        with self._database.write() as connection:
            row = self._row_in(connection, interview_id, "in_progress")
            if row.meta.log_seq != after:
                return None
            seq = row.meta.log_seq + 1
            connection.execute(
                insert(InterviewChangeRow).values(
                    log_tag=self._keys.change_tag(interview_id),
                    seq=seq,
                    change=self._keys.codec.seal(
                        CHANGE_TABLE, _change_place(interview_id, seq), CHANGE_COLUMN, document
                    ),
                )
            )
            meta = replace(row.meta, updated_at=now, log_seq=seq, log_rows=row.meta.log_rows + 1)
            self._write_meta(connection, interview_id, meta)
        return ChangeLog(meta.log_seq, meta.log_rows)

    def _changes(
        self, connection: Connection, interview_id: str, meta: InterviewMeta
    ) -> tuple[dict[str, Any], ...]:
        """The change records after the snapshot, oldest first.

        Raises:
            VaultIntegrityError: the rows are not exactly those the metadata names (one removed, added,
                or copied from an older file), or one was altered.
        """
        rows = connection.execute(
            select(col(InterviewChangeRow.seq), col(InterviewChangeRow.change))
            .where(col(InterviewChangeRow.log_tag) == self._keys.change_tag(interview_id))
            .order_by(col(InterviewChangeRow.seq))
        ).all()
        expected = list(range(meta.log_seq - meta.log_rows + 1, meta.log_seq + 1))
        if [row.seq for row in rows] != expected:
            raise VaultIntegrityError(place=CHANGE_TABLE)
        return tuple(
            decode_document(
                self._keys.codec.open(
                    CHANGE_TABLE, _change_place(interview_id, row.seq), CHANGE_COLUMN, row.change
                )
            )
            for row in rows
        )

    def _forget_changes(self, connection: Connection, interview_id: str) -> None:
        """Delete the interview's change rows, in the caller's transaction."""
        tag = self._keys.change_tag(interview_id)
        connection.execute(delete(InterviewChangeRow).where(col(InterviewChangeRow.log_tag) == tag))

    def load(self, interview_id: str) -> StoredInterview:
        """Decrypt an in-progress interview of this session.

        Raises:
            InterviewError: no such interview in this session, or it is not in progress.
        """
        with self._database.read() as connection:
            row = self._row_in(connection, interview_id, "in_progress")
            changes = self._changes(connection, interview_id, row.meta) if row.meta.log_seq else ()
        if row.engine_state is None or row.context is None:
            raise InterviewError(interview_id=interview_id, state=row.meta.state)
        return StoredInterview(
            id=row.id,
            protocol_id=row.meta.protocol_id,
            protocol_version=row.meta.protocol_version,
            state=row.meta.state,
            started_at=parse_time(row.meta.started_at),
            engine_state=self._open(row.id, "engine_state", row.engine_state),
            context=self._open(row.id, "context", row.context),
            changes=changes,
            log_seq=row.meta.log_seq,
        )

    def load_completed(self, interview_id: str) -> SealedInterview:
        """The final document of a completed interview not yet sealed (e.g. to review it before sending).

        Raises:
            InterviewError: no such interview in this session, or it is not completed (sealed ones are
                unreadable on this device by design).
        """
        with self._database.read() as connection:
            row = self._row_in(connection, interview_id, "completed")
        if row.submission is None:
            raise InterviewError(interview_id=interview_id, state=row.meta.state)
        return SealedInterview.from_dict(self._open(row.id, "submission", row.submission))

    def complete(self, interview_id: str, submission: SealedInterview) -> bool:
        """Finish an interview: seal it to the organisation when enrolled, else keep it encrypted.

        One transaction either way. Enrolled: the envelope goes into the
        outbox and every readable trace of the interview is deleted. Not enrolled: the working state is
        replaced by the final document, encrypted, until `seal_completed` runs after enrollment.

        Args:
            interview_id: an in-progress interview of this session.
            submission: the document to seal, without `device_id` and `completed_at`, which the
                vault sets.

        Returns:
            True when the interview was sealed now, False when it stays completed.

        Raises:
            InterviewError: no such interview in this session, or it is not in progress.
        """
        now = format_time(self._clock.now())
        if submission.interview_id != interview_id or submission.device_id is not None:
            raise ValueError("the document names another interview, or a device: the vault sets it")
        document = submission.completed(now)
        with self._database.write() as connection:
            row = self._row_in(connection, interview_id, "in_progress")
            enrollment = load_enrollment(connection)
            if enrollment is not None:
                self._enqueue(connection, row, document, enrollment)
            else:
                self._forget_changes(connection, interview_id)
                self._write_meta(
                    connection,
                    interview_id,
                    row.meta.moved_to("completed", now, completed_at=now),
                    submission=self._seal(interview_id, "submission", document.to_dict()),
                    finished=self._seal_finished(FinishedSummary.from_document(document.to_dict())),
                    engine_state=None,
                    context=None,
                )
        self._database.checkpoint()
        return enrollment is not None

    def discard(self, interview_id: str) -> datetime:
        """Delete the content of an in-progress or completed interview, keeping a content-free record.

        Returns the time recorded for the deletion (the person's receipt shows it).
        """
        now = format_time(self._clock.now())
        with self._database.write() as connection:
            row = self._row_in(connection, interview_id, "in_progress", "completed")
            self._forget_changes(connection, interview_id)
            self._write_meta(
                connection,
                interview_id,
                row.meta.moved_to("discarded", now),
                engine_state=None,
                context=None,
                submission=None,
                finished=None,
            )
        self._database.checkpoint()
        return parse_time(now)

    def seal_completed(self) -> list[str]:
        """Seal every completed interview of this session, each in its own transaction."""
        with self._database.read() as connection:
            rows = connection.execute(
                select(col(InterviewRow.id), col(InterviewRow.owner_tag)).where(
                    col(InterviewRow.submission).is_not(None)
                )
            ).all()
        sealed = []
        for row in rows:
            if self._keys.owns(row.id, row.owner_tag) and self._seal_one_if_completed(row.id):
                sealed.append(row.id)
        if sealed:
            self._database.checkpoint()
        return sealed

    def _seal_one_if_completed(self, interview_id: str) -> bool:
        with self._database.write() as connection:
            enrollment = load_enrollment(connection)
            row = self._row(connection, interview_id)
            if enrollment is None or row is None or row.meta.state != "completed":
                return False
            if row.submission is None:
                raise InterviewError(interview_id=interview_id, state=row.meta.state)
            document = SealedInterview.from_dict(self._open(interview_id, "submission", row.submission))
            self._enqueue(connection, row, document, enrollment)
        return True

    def _enqueue(
        self, connection: Connection, row: _Row, document: SealedInterview, enrollment: Enrollment
    ) -> None:
        """Seal the document into the outbox and delete every readable trace, in the caller's transaction.

        Raises:
            VaultTamperedError: the enrollment (the key sealed to) changed outside Waypoint.
        """
        verify(connection, self._keys.integrity_key)
        plaintext = document.with_device(enrollment.device_id).to_json()
        envelope = self._sealer(
            plaintext,
            enrollment=enrollment,
            interview_id=row.id,
            protocol_id=row.meta.protocol_id,
            protocol_version=row.meta.protocol_version,
            # The device signs what it seals, so the desk can tell it from a server's forgery.
            signing_key=connection.execute(select(col(EnrollmentRow.signing_key))).scalar_one(),
        )
        now = format_time(self._clock.now())
        self._forget_changes(connection, row.id)
        last_seq = connection.execute(select(func.max(OutboxRow.seq))).scalar_one_or_none()
        connection.execute(
            insert(OutboxRow).values(
                id=row.id,
                seq=(last_seq or 0) + 1,
                protocol_id=row.meta.protocol_id,
                protocol_version=row.meta.protocol_version,
                key_id=enrollment.organisation_key_id,
                envelope=envelope,
                status="pending",
                created_at=now,
            )
        )
        self._write_meta(
            connection,
            row.id,
            row.meta.moved_to("sealed", now, completed_at=document.completed_at or now, sealed_at=now),
            # Kept (encrypted) after the answers are gone, until the retention purge.
            finished=self._seal_finished(FinishedSummary.from_document(document.to_dict())),
            submission=None,
            engine_state=None,
            context=None,
        )

    def finished_summaries(self) -> list[FinishedSummary]:
        """The outcome summaries of this session's finished interviews, newest first."""
        with self._database.read() as connection:
            rows = connection.execute(
                select(
                    col(InterviewRow.id),
                    col(InterviewRow.owner_tag),
                    col(InterviewRow.finished),
                    col(InterviewRow.submission),
                ).where(col(InterviewRow.finished).is_not(None) | col(InterviewRow.submission).is_not(None))
            ).all()
        found = [self._finished(row) for row in rows if self._keys.owns(row.id, row.owner_tag)]
        return sorted(found, key=lambda summary: (summary.finished_at, summary.interview_id), reverse=True)

    def finished_summary(self, interview_id: str) -> FinishedSummary:
        """The outcome summary of one finished interview of this session.

        Raises:
            InterviewError: no such interview in this session, it is not finished, or its summary
                was purged (retention) or discarded.
        """
        with self._database.read() as connection:
            row = connection.execute(
                select(
                    col(InterviewRow.id),
                    col(InterviewRow.owner_tag),
                    col(InterviewRow.finished),
                    col(InterviewRow.submission),
                ).where(self._mine(interview_id))
            ).first()
            if row is None or (row.finished is None and row.submission is None):
                state = self._shown_state(connection, self._row(connection, interview_id))
                raise InterviewError(interview_id=interview_id, state=state)
        return self._finished(row)

    def _seal_finished(self, summary: FinishedSummary) -> bytes:
        return self._keys.codec.seal(TABLE, summary.interview_id, "finished", pad(summary.to_json()))

    def _finished(self, row: Any) -> FinishedSummary:
        if row.finished is not None:
            stored = self._keys.codec.open(TABLE, row.id, "finished", row.finished)
            return FinishedSummary.from_json(unpad(stored))
        # Completed before schema version 5 and not sealed yet: derived from the final document.
        return FinishedSummary.from_document(self._open(row.id, "submission", row.submission))


def _change_place(interview_id: str, seq: int) -> str:
    """The row id a change record's ciphertext is bound to: its interview and its sequence number."""
    return f"{interview_id}#{seq}"
