"""Interviews in the vault: encrypted documents under clear, content-free metadata.

One row per interview. While it is in progress, `engine_state` holds the engine's whole state
(`Interview.to_dict()`), re-encrypted and committed on every answer: one encrypted blob per interview,
never a row per question, because which questions exist would reveal the answers that led to them.
`context` holds the languages, checks and consent. Completing replaces both with `submission`, the
sealed document (`sync.sealed.SealedInterview`) less the device id; sealing turns that into an
envelope in the outbox and deletes it, in one transaction. JSON documents are padded before
encryption (`fields.pad`).

Every row carries an `owner_tag`, an HMAC of its id under a key derived from the data key of the space
that made it (the officer's, or the decoy opened by the duress secret). A session sees and changes only
rows whose tag it can reproduce, so decoy and real interviews never mix, and the tag says nothing to
anyone without a key.

Why one module of this size: every statement that reads or writes an interview row and its
encrypted fields is here, so the owner-tag and AAD rules are applied in one place.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlmodel import col

from app.vault.clock import Clock, format_time, parse_time
from app.vault.database import Database
from app.vault.errors import InterviewError
from app.vault.fields import FieldCodec, pad, unpad
from app.vault.finished import FinishedSummary
from app.vault.integrity import integrity_key, verify
from app.vault.stores import load_enrollment
from app.vault.tables import EnrollmentRow, InterviewRow, OutboxRow
from sync.sealed import SealedInterview
from sync.stores import Enrollment

__all__ = [
    "STATES",
    "InterviewRecords",
    "InterviewSummary",
    "SessionKeys",
    "StoredInterview",
    "delete_other_spaces",
    "summaries",
]

TABLE = "interview"
STATES = ("in_progress", "completed", "sealed", "sent", "purged", "discarded")

Sealer = Callable[..., bytes]


@dataclass(frozen=True)
class InterviewSummary:
    """What an unlocked session lists about an interview: ids, protocol, state and times."""

    id: str
    protocol_id: str
    protocol_version: str
    state: str
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    sealed_at: datetime | None
    sent_at: datetime | None
    purged_at: datetime | None

    def to_dict(self) -> dict[str, str | None]:
        """JSON-safe form (times as ISO 8601 UTC)."""
        return {
            name: (format_time(value.timestamp()) if isinstance(value, datetime) else value)
            for name, value in vars(self).items()
        }


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


class SessionKeys:
    """What an unlocked session holds: the field codec of its space and the key for owner tags."""

    def __init__(self, codec: FieldCodec, data_key: bytes) -> None:
        self.codec = codec
        self.integrity_key = integrity_key(data_key)
        self._tag_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"waypoint-vault-owner-tag/1"
        ).derive(data_key)

    def owner_tag(self, interview_id: str) -> bytes:
        """The tag that marks `interview_id` as this space's."""
        return hmac.new(self._tag_key, interview_id.encode(), hashlib.sha256).digest()[:16]

    def owns(self, interview_id: str, tag: bytes) -> bool:
        """True when the row was made by this space."""
        return hmac.compare_digest(self.owner_tag(interview_id), tag)


def _encode(document: Mapping[str, Any]) -> bytes:
    return pad(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())


def _decode(data: bytes) -> dict[str, Any]:
    document = json.loads(unpad(data))
    if not isinstance(document, dict):
        raise ValueError("stored document is not an object")
    return document


def summaries(
    connection: Connection,
    keys: SessionKeys,
    states: Collection[str] | None = None,
    *,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[InterviewSummary]:
    """The metadata of the session's own interviews (nothing is listed without keys).

    Args:
        connection: a connection inside a read transaction.
        keys: the session's keys.
        states: only interviews in these states.
        newest_first: order by start time, newest first (default: oldest first).
        limit: at most this many (counted after the session's filter).
    """
    query = select(
        col(InterviewRow.id),
        col(InterviewRow.owner_tag),
        col(InterviewRow.protocol_id),
        col(InterviewRow.protocol_version),
        col(InterviewRow.state),
        col(InterviewRow.started_at),
        col(InterviewRow.updated_at),
        col(InterviewRow.completed_at),
        col(InterviewRow.sealed_at),
        col(InterviewRow.sent_at),
        col(InterviewRow.purged_at),
    )
    if newest_first:
        query = query.order_by(col(InterviewRow.started_at).desc(), col(InterviewRow.id).desc())
    else:
        query = query.order_by(col(InterviewRow.started_at), col(InterviewRow.id))
    if states is not None:
        query = query.where(col(InterviewRow.state).in_(list(states)))
    result: list[InterviewSummary] = []
    rows = connection.execute(query)
    for interview_id, tag, protocol_id, version, state, started, updated, *optional in rows:
        if not keys.owns(interview_id, tag):
            continue
        completed, sealed, sent, purged = (parse_time(t) if t else None for t in optional)
        result.append(
            InterviewSummary(
                interview_id,
                protocol_id,
                version,
                state,
                parse_time(started),
                parse_time(updated),
                completed,
                sealed,
                sent,
                purged,
            )
        )
        if limit is not None and len(result) >= limit:
            break
    return result


def delete_other_spaces(connection: Connection, keys: SessionKeys) -> int:
    """Delete every interview and outbox row that `keys`' space did not make (the duress path).

    Returns:
        How many interviews were deleted.
    """
    rows = connection.execute(select(col(InterviewRow.id), col(InterviewRow.owner_tag))).all()
    others = [row.id for row in rows if not keys.owns(row.id, row.owner_tag)]
    mine = [row.id for row in rows if keys.owns(row.id, row.owner_tag)]
    connection.execute(delete(OutboxRow).where(col(OutboxRow.id).not_in(mine)))
    for start in range(0, len(others), 500):
        connection.execute(delete(InterviewRow).where(col(InterviewRow.id).in_(others[start : start + 500])))
    return len(others)


class InterviewRecords:
    """The interviews one unlocked session may see and change."""

    def __init__(self, database: Database, keys: SessionKeys, clock: Clock, sealer: Sealer) -> None:
        self._database = database
        self._keys = keys
        self._clock = clock
        self._sealer = sealer

    def _seal(self, interview_id: str, column: str, document: Mapping[str, Any]) -> bytes:
        return self._keys.codec.seal(TABLE, interview_id, column, _encode(document))

    def _open(self, interview_id: str, column: str, stored: bytes) -> dict[str, Any]:
        return _decode(self._keys.codec.open(TABLE, interview_id, column, stored))

    def _mine(self, interview_id: str) -> Any:
        return (col(InterviewRow.id) == interview_id) & (
            col(InterviewRow.owner_tag) == self._keys.owner_tag(interview_id)
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
        with self._database.write() as connection:
            connection.execute(
                insert(InterviewRow).values(
                    id=interview_id,
                    protocol_id=protocol_id,
                    protocol_version=protocol_version,
                    state="in_progress",
                    owner_tag=self._keys.owner_tag(interview_id),
                    started_at=now,
                    updated_at=now,
                    engine_state=self._seal(interview_id, "engine_state", engine_state),
                    context=self._seal(interview_id, "context", context),
                )
            )
        return interview_id

    def save_state(self, interview_id: str, engine_state: Mapping[str, Any]) -> None:
        """Encrypt and commit the engine state of an in-progress interview (the autosave).

        Raises:
            InterviewError: no such interview in this session, or it is no longer in progress.
        """
        blob = self._seal(interview_id, "engine_state", engine_state)
        now = format_time(self._clock.now())
        with self._database.write() as connection:
            result = connection.execute(
                update(InterviewRow)
                .where(self._mine(interview_id), col(InterviewRow.state) == "in_progress")
                .values(engine_state=blob, updated_at=now)
            )
            if result.rowcount != 1:
                raise self._state_error(connection, interview_id)

    def load(self, interview_id: str) -> StoredInterview:
        """Decrypt an in-progress interview of this session.

        Raises:
            InterviewError: no such interview in this session, or it is not in progress.
        """
        with self._database.read() as connection:
            row = connection.execute(select(InterviewRow).where(self._mine(interview_id))).first()
        if row is None or row.state != "in_progress" or row.engine_state is None or row.context is None:
            raise InterviewError(interview_id=interview_id, state=row.state if row else "unknown")
        return StoredInterview(
            id=row.id,
            protocol_id=row.protocol_id,
            protocol_version=row.protocol_version,
            state=row.state,
            started_at=parse_time(row.started_at),
            engine_state=self._open(row.id, "engine_state", row.engine_state),
            context=self._open(row.id, "context", row.context),
        )

    def load_completed(self, interview_id: str) -> SealedInterview:
        """The final document of a completed interview not yet sealed (e.g. to review it before sending).

        Raises:
            InterviewError: no such interview in this session, or it is not completed (sealed ones are
                unreadable on this device by design).
        """
        with self._database.read() as connection:
            row = connection.execute(select(InterviewRow).where(self._mine(interview_id))).first()
        if row is None or row.state != "completed" or row.submission is None:
            raise InterviewError(interview_id=interview_id, state=row.state if row else "unknown")
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
            row = connection.execute(select(InterviewRow).where(self._mine(interview_id))).first()
            if row is None or row.state != "in_progress":
                raise InterviewError(interview_id=interview_id, state=row.state if row else "unknown")
            enrollment = load_enrollment(connection)
            if enrollment is not None:
                self._enqueue(connection, row, document, enrollment)
            else:
                connection.execute(
                    update(InterviewRow)
                    .where(col(InterviewRow.id) == interview_id)
                    .values(
                        state="completed",
                        completed_at=now,
                        updated_at=now,
                        submission=self._seal(interview_id, "submission", document.to_dict()),
                        finished=self._seal_finished(FinishedSummary.from_document(document.to_dict())),
                        engine_state=None,
                        context=None,
                    )
                )
        self._database.checkpoint()
        return enrollment is not None

    def discard(self, interview_id: str) -> datetime:
        """Delete the content of an in-progress or completed interview, keeping a content-free record.

        Returns the time recorded for the deletion (the person's receipt shows it).
        """
        now = format_time(self._clock.now())
        with self._database.write() as connection:
            result = connection.execute(
                update(InterviewRow)
                .where(self._mine(interview_id), col(InterviewRow.state).in_(("in_progress", "completed")))
                .values(
                    state="discarded",
                    updated_at=now,
                    engine_state=None,
                    context=None,
                    submission=None,
                    finished=None,
                )
            )
            if result.rowcount != 1:
                raise self._state_error(connection, interview_id)
        self._database.checkpoint()
        return parse_time(now)

    def seal_completed(self) -> list[str]:
        """Seal every completed interview of this session, each in its own transaction."""
        with self._database.read() as connection:
            rows = connection.execute(
                select(col(InterviewRow.id), col(InterviewRow.owner_tag)).where(
                    col(InterviewRow.state) == "completed"
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
            state = connection.execute(
                select(col(InterviewRow.state)).where(self._mine(interview_id))
            ).scalar_one_or_none()
            if enrollment is None or state != "completed":
                return False
            self._seal_in(connection, interview_id, enrollment)
        return True

    def _seal_in(self, connection: Connection, interview_id: str, enrollment: Enrollment) -> None:
        row = connection.execute(select(InterviewRow).where(self._mine(interview_id))).first()
        if row is None or row.state != "completed" or row.submission is None:
            raise InterviewError(interview_id=interview_id, state=row.state if row else "unknown")
        document = SealedInterview.from_dict(self._open(interview_id, "submission", row.submission))
        self._enqueue(connection, row, document, enrollment)

    def _enqueue(
        self, connection: Connection, row: Any, document: SealedInterview, enrollment: Enrollment
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
            protocol_id=row.protocol_id,
            protocol_version=row.protocol_version,
            # The device signs what it seals, so the desk can tell it from a server's forgery.
            signing_key=connection.execute(select(col(EnrollmentRow.signing_key))).scalar_one(),
        )
        now = format_time(self._clock.now())
        last_seq = connection.execute(select(func.max(OutboxRow.seq))).scalar_one_or_none()
        connection.execute(
            insert(OutboxRow).values(
                id=row.id,
                seq=(last_seq or 0) + 1,
                protocol_id=row.protocol_id,
                protocol_version=row.protocol_version,
                key_id=enrollment.organisation_key_id,
                envelope=envelope,
                status="pending",
                created_at=now,
            )
        )
        connection.execute(
            update(InterviewRow)
            .where(col(InterviewRow.id) == row.id)
            .values(
                state="sealed",
                completed_at=document.completed_at or now,
                sealed_at=now,
                updated_at=now,
                # Kept (encrypted) after the answers are gone, until the retention purge.
                finished=self._seal_finished(FinishedSummary.from_document(document.to_dict())),
                submission=None,
                engine_state=None,
                context=None,
            )
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
                    col(InterviewRow.state),
                ).where(self._mine(interview_id))
            ).first()
        if row is None or (row.finished is None and row.submission is None):
            raise InterviewError(interview_id=interview_id, state=row.state if row else "unknown")
        return self._finished(row)

    def _seal_finished(self, summary: FinishedSummary) -> bytes:
        return self._keys.codec.seal(TABLE, summary.interview_id, "finished", pad(summary.to_json()))

    def _finished(self, row: Any) -> FinishedSummary:
        if row.finished is not None:
            return FinishedSummary.from_json(
                unpad(self._keys.codec.open(TABLE, row.id, "finished", row.finished))
            )
        # Completed before schema version 5 and not sealed yet: derived from the final document.
        return FinishedSummary.from_document(self._open(row.id, "submission", row.submission))

    def _state_error(self, connection: Connection, interview_id: str) -> InterviewError:
        state = connection.execute(
            select(col(InterviewRow.state)).where(self._mine(interview_id))
        ).scalar_one_or_none()
        return InterviewError(interview_id=interview_id, state=state or "unknown")
