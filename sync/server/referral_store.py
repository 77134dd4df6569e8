"""How partners and referrals change on the server: keyword-only steps over a session, never committing.

The server routes referrals it cannot read: it stores two sealed copies per referral and the routing
metadata (partner id, referral id, sending device, times, status), and the signed status changes.
Who may do what is decided here and in `sync.referral_seal.TRANSITIONS`: a partner sees and changes
only referrals addressed to it (anything else is "not found", so it learns nothing about other
partners' referrals); a device revokes only what it sent. Every step is audited by ids and status,
never content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from sync.envelope import read_header
from sync.errors import EnvelopeError, SyncError
from sync.referral_seal import TRANSITIONS, StatusStatement, detail_digest, verify_status
from sync.server import crud
from sync.server.models import (
    AuditEvent,
    Device,
    Partner,
    Referral,
    ReferralEventRow,
)
from sync.server.refusals import Refusal
from sync.wire import (
    ReferralBatch,
    ReferralEvent,
    ReferralEventRequest,
    RejectedItem,
    b64u_decode,
    b64u_encode,
)

__all__ = [
    "InboxEntry",
    "ReferralOutcome",
    "add_event",
    "as_event",
    "events_for_device",
    "inbox",
    "register_partner",
    "store_referrals",
]


@dataclass
class ReferralOutcome:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)


def register_partner(
    *,
    session: Session,
    organization_id: str,
    signing_key: bytes,
    sealing_key: bytes,
    now: int,
    vouching: tuple[str, bytes] | None,
) -> str:
    """Add a partner principal: a `devices` row (its signing key, status) and its `partners` row."""
    device = crud.register_device(session=session, public_key=signing_key, now=now, vouching=None)
    code_id, proof = vouching if vouching is not None else (None, None)
    session.add(
        Partner(
            partner_id=device.device_id,
            organization_id=organization_id,
            sealing_public_key=sealing_key,
            signing_public_key=signing_key,
            enrolled_at=now,
            code_id=code_id,
            key_proof=proof,
        )
    )
    crud.record_event(session=session, at=now, kind="partner_enrolled", device_id=device.device_id)
    return device.device_id


def _decode(text: str) -> bytes:
    envelope = base64.b64decode(text, validate=True)
    read_header(envelope)
    return envelope


def store_referrals(*, session: Session, device_id: str, batch: ReferralBatch, now: int) -> ReferralOutcome:
    """Store a device's referrals once per id: a resend of the same copies is a duplicate, other
    copies under a stored id a conflict, a partner that is unknown or revoked a rejection."""
    ids = [item.referral_id for item in batch.items]
    if len(ids) != len(set(ids)):
        raise Refusal(422, "duplicate_ids_in_batch", "Each referral id may appear once per batch.")
    outcome = ReferralOutcome()
    partners = {
        row.device_id
        for row in session.exec(
            select(Device)
            .join(Partner, col(Partner.partner_id) == col(Device.device_id))
            .where(col(Device.device_id).in_({item.partner_id for item in batch.items}))
            .where(col(Device.status) == "active")
        )
    }
    for item in batch.items:
        try:
            copies = (_decode(item.for_partner), _decode(item.for_organisation))
        except (binascii.Error, ValueError, EnvelopeError):
            outcome.rejected.append(RejectedItem(interview_id=item.referral_id, code="bad_envelope"))
            continue
        if item.partner_id not in partners:
            outcome.rejected.append(RejectedItem(interview_id=item.referral_id, code="unknown_partner"))
            continue
        digest = hashlib.sha256(copies[0] + copies[1]).hexdigest()
        stored = session.get(Referral, item.referral_id)
        if stored is not None:
            same = (stored.envelope_sha256, stored.device_id, stored.partner_id) == (
                digest,
                device_id,
                item.partner_id,
            )
            (outcome.duplicates if same else outcome.conflicts).append(item.referral_id)
            continue
        session.add(
            Referral(
                referral_id=item.referral_id,
                partner_id=item.partner_id,
                device_id=device_id,
                for_partner=copies[0],
                for_organisation=copies[1],
                envelope_sha256=digest,
                received_at=now,
                updated_at=now,
            )
        )
        outcome.accepted.append(item.referral_id)
    events: list[dict[str, Any]] = [
        *({"kind": "referral_sent", "interview_id": ref, "code": None} for ref in outcome.accepted),
        *({"kind": "referral_conflict", "interview_id": ref, "code": None} for ref in outcome.conflicts),
        *(
            {"kind": "referral_rejected", "interview_id": item.interview_id, "code": item.code}
            for item in outcome.rejected
        ),
    ]
    if events:
        session.flush()
        session.connection().execute(
            insert(AuditEvent), [{"at": now, "device_id": device_id, **event} for event in events]
        )
    return outcome


@dataclass(frozen=True)
class InboxEntry:
    referral: Referral
    device_keys: list[bytes]


def inbox(*, session: Session, partner_id: str, referral_id: str | None = None) -> list[InboxEntry]:
    """The referrals addressed to `partner_id` (one, by id, or all, oldest first), with the keys the
    sending device enrolled with, so the partner can check the device's signature."""
    statement = select(Referral).where(col(Referral.partner_id) == partner_id)
    if referral_id is not None:
        statement = statement.where(col(Referral.referral_id) == referral_id)
    rows = session.exec(statement.order_by(col(Referral.received_at), col(Referral.referral_id))).all()
    keys: dict[str, list[bytes]] = {}
    entries = []
    for row in rows:
        if row.device_id not in keys:
            keys[row.device_id] = [
                key.public_key for key in crud.device_keys(session=session, device_id=row.device_id)
            ][:32]
        entries.append(InboxEntry(row, keys[row.device_id]))
    return entries


def add_event(
    *,
    session: Session,
    referral_id: str,
    actor_id: str,
    actor_role: str,
    actor_key: bytes,
    request: ReferralEventRequest,
    detail: bytes | None,
    now: int,
) -> ReferralEventRow:
    """Record a status change its actor signed, when the actor may make it from the current status.

    Raises:
        Refusal: 404 `not_found` (not this partner's or this device's referral), 409
            `invalid_transition`, 422 `bad_status_signature`.
    """
    referral = session.get(Referral, referral_id)
    owner = (
        None if referral is None else (referral.partner_id if actor_role == "partner" else referral.device_id)
    )
    if referral is None or owner != actor_id:
        raise Refusal(404, "not_found", "No such referral.")
    allowed_from, who = TRANSITIONS[request.status] if request.status in TRANSITIONS else (frozenset(), "")
    sender_role = "device" if actor_role == "coordinator" else actor_role  # the desk sends as a device does
    if who != sender_role or referral.status not in allowed_from:
        raise Refusal(409, "invalid_transition", "This status cannot follow the referral's current status.")
    statement = StatusStatement(referral_id, request.status, request.at, actor_id, detail_digest(detail))
    try:
        verify_status(statement, b64u_decode(request.signature), actor_key)
    except SyncError:
        raise Refusal(422, "bad_status_signature", "The status change is not signed by its actor.") from None
    referral.status, referral.updated_at = request.status, now
    session.add(referral)
    row = ReferralEventRow(
        referral_id=referral_id,
        status=request.status,
        at=request.at,
        actor_id=actor_id,
        actor_role=actor_role,
        detail=detail,
        detail_sha256=statement.detail_sha256,
        signature=b64u_decode(request.signature),
        recorded_at=now,
    )
    session.add(row)
    crud.record_event(
        session=session,
        at=now,
        kind=f"referral_{request.status}",
        device_id=actor_id,
        interview_id=referral_id,
    )
    session.flush()
    return row


def as_event(row: ReferralEventRow) -> ReferralEvent:
    """A stored status change as it travels."""
    return ReferralEvent(
        event_id=row.event_id or 0,
        referral_id=row.referral_id,
        status=row.status,  # type: ignore[arg-type]  # checked on the way in
        at=row.at,
        actor_id=row.actor_id,
        actor_role=row.actor_role,  # type: ignore[arg-type]
        detail_sha256=row.detail_sha256,
        signature=b64u_encode(bytes(row.signature)),
    )


def events_for_device(*, session: Session, device_id: str) -> list[ReferralEvent]:
    """Every status change of the referrals `device_id` sent, in order (at most 100,000)."""
    rows = session.exec(
        select(ReferralEventRow)
        .join(Referral, col(Referral.referral_id) == col(ReferralEventRow.referral_id))
        .where(col(Referral.device_id) == device_id)
        .order_by(col(ReferralEventRow.event_id))
        .limit(100_000)
    ).all()
    return [as_event(row) for row in rows]
