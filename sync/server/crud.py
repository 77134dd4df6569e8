"""How the server's data changes: keyword-only functions over a session, each one step of a route.

None of them commits: the route commits once, before it replies, so a reply always describes
durable state. Inserts that race (the same interview sent twice at once, the same nonce) use the
database's own conflict handling (`INSERT ... ON CONFLICT DO NOTHING`) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from sync.envelope import read_header
from sync.errors import EnvelopeError
from sync.server.models import AuditEvent, Device, EnrollmentToken, OrganisationKey, RequestNonce, Submission
from sync.server.refusals import Refusal
from sync.wire import RejectedItem, SubmissionBatch

__all__ = [
    "BatchOutcome",
    "consume_nonce",
    "consume_token",
    "create_token",
    "prune_nonces",
    "record_event",
    "register_device",
    "revoke_device",
    "store_batch",
]

log = logging.getLogger("waypoint.server")


@dataclass
class BatchOutcome:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)


def record_event(
    *,
    session: Session,
    at: int,
    kind: str,
    device_id: str | None = None,
    interview_id: str | None = None,
    code: str | None = None,
) -> None:
    """Add one audit event (never content: ids and a reason code only)."""
    session.add(AuditEvent(at=at, kind=kind, device_id=device_id, interview_id=interview_id, code=code))


def _insert(session: Session, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (sqlite_insert if dialect == "sqlite" else postgresql_insert)(model)


def consume_nonce(*, session: Session, device_id: str, nonce: str, created: int) -> bool:
    """Remember a request nonce; False when this device already used it (a replay)."""
    statement = (
        _insert(session, RequestNonce)
        .values(device_id=device_id, nonce=nonce, created=created)
        .on_conflict_do_nothing(index_elements=["device_id", "nonce"])
        .returning(col(RequestNonce.nonce))
    )
    # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT DO NOTHING through SQLAlchemy.
    return session.execute(statement).first() is not None


def prune_nonces(*, session: Session, older_than: int) -> None:
    """Forget nonces whose signatures are too old to be accepted anyway."""
    session.execute(delete(RequestNonce).where(col(RequestNonce.created) < older_than))


def create_token(*, session: Session, token_sha256: str, now: int, expires_at: int) -> None:
    session.add(EnrollmentToken(token_sha256=token_sha256, created_at=now, expires_at=expires_at))


def consume_token(*, session: Session, token: str, now: int) -> bool:
    """Use a one-time token, atomically: only the first caller inside its lifetime gets True."""
    statement = (
        update(EnrollmentToken)
        .where(col(EnrollmentToken.token_sha256) == hashlib.sha256(token.encode()).hexdigest())
        .where(col(EnrollmentToken.used_at).is_(None))
        .where(col(EnrollmentToken.expires_at) > now)
        .values(used_at=now)
        .returning(col(EnrollmentToken.token_sha256))
    )
    return session.execute(statement).first() is not None


def register_device(
    *, session: Session, public_key: bytes, now: int, keep_device_id: str | None = None
) -> Device:
    """Add a device, or give an existing one (proved by the caller) its new key."""
    if keep_device_id is not None:
        device = session.get(Device, keep_device_id)
        if device is not None:
            device.public_key = public_key
            session.add(device)
            record_event(session=session, at=now, kind="re_enrolled", device_id=device.device_id)
            return device
    device = Device(device_id=str(uuid.uuid4()), public_key=public_key, enrolled_at=now)
    session.add(device)
    record_event(session=session, at=now, kind="enrolled", device_id=device.device_id)
    return device


def revoke_device(*, session: Session, device_id: str, now: int) -> bool:
    """Revoke a device; False when there is no such device."""
    device = session.get(Device, device_id)
    if device is None:
        return False
    if device.status != "revoked":
        device.status, device.revoked_at = "revoked", now
        session.add(device)
        record_event(session=session, at=now, kind="revoked", device_id=device_id)
    return True


def store_batch(
    *, session: Session, device_id: str, batch: SubmissionBatch, now: int, deduplicate: bool = True
) -> BatchOutcome:
    """Store a batch: new ids are accepted, same id and same content is a duplicate, same id and other
    content is a conflict (logged), an unusable envelope is rejected."""
    ids = [item.interview_id for item in batch.items]
    if len(ids) != len(set(ids)):
        raise Refusal(422, "duplicate_ids_in_batch", "Each interview id may appear once per batch.")
    known_keys = set(session.exec(select(OrganisationKey.key_id)).all())
    outcome = BatchOutcome()
    rows: list[dict[str, Any]] = []
    for item in batch.items:
        try:
            envelope = base64.b64decode(item.envelope, validate=True)
            key_id = read_header(envelope).key_id
        except (binascii.Error, ValueError, EnvelopeError):
            outcome.rejected.append(RejectedItem(interview_id=item.interview_id, code="bad_envelope"))
            continue
        if key_id not in known_keys:
            outcome.rejected.append(RejectedItem(interview_id=item.interview_id, code="unknown_key"))
            continue
        rows.append(
            {
                "interview_id": item.interview_id,
                "device_id": device_id,
                "seq": item.seq,
                "protocol_id": item.protocol_id,
                "protocol_version": item.protocol_version,
                "key_id": key_id,
                "envelope": envelope,
                "envelope_sha256": hashlib.sha256(envelope).hexdigest(),
                "size": len(envelope),
                "received_at": now,
            }
        )
    if rows:
        _insert_rows(session, rows, outcome, deduplicate=deduplicate)
    events = [
        *(
            {"kind": "rejected", "interview_id": item.interview_id, "code": item.code}
            for item in outcome.rejected
        ),
        *({"kind": "submitted", "interview_id": item_id} for item_id in outcome.accepted),
        *({"kind": "duplicate", "interview_id": item_id} for item_id in outcome.duplicates),
        *({"kind": "conflict", "interview_id": item_id} for item_id in outcome.conflicts),
    ]
    if events:  # one multi-row insert: per-object ORM adds would dominate the time of a batch
        session.connection().execute(
            insert(AuditEvent),
            [{"at": now, "device_id": device_id, "code": None, **event} for event in events],
        )
    for item_id in outcome.conflicts:
        log.warning("conflict: interview %s from device %s holds other content", item_id, device_id)
    return outcome


def _insert_rows(
    session: Session, rows: Sequence[dict[str, Any]], outcome: BatchOutcome, *, deduplicate: bool
) -> None:
    connection = session.connection()  # Core executemany: one cached statement for any batch size
    if not deduplicate:  # the negative control: store whatever arrives
        connection.execute(insert(Submission), list(rows))
        outcome.accepted.extend(row["interview_id"] for row in rows)
        return
    statement = (
        _insert(session, Submission)
        .on_conflict_do_nothing(index_elements=["interview_id"])
        .returning(col(Submission.interview_id))
    )
    inserted = set(connection.execute(statement, list(rows)).scalars().all())
    outcome.accepted.extend(row["interview_id"] for row in rows if row["interview_id"] in inserted)
    others = {row["interview_id"]: row for row in rows if row["interview_id"] not in inserted}
    if not others:
        return
    compared = ("interview_id", "device_id", "envelope_sha256", "protocol_id", "protocol_version")
    existing = session.execute(
        select(*(getattr(Submission, name) for name in compared)).where(
            col(Submission.interview_id).in_(list(others))
        )
    )
    for interview_id, *stored in existing:
        same = tuple(stored) == tuple(others[interview_id][name] for name in compared[1:])
        (outcome.duplicates if same else outcome.conflicts).append(interview_id)
