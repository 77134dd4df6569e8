"""Referrals: devices send sealed referrals and revoke them; partners read their inbox and answer.

    POST /v1/referrals                                 device or coordinator: a batch; a signed receipt
    GET  /v1/referrals/events                          device or coordinator: changes of what it sent
    POST /v1/referrals/{referral_id}/events            device or coordinator: revoke what it sent
    GET  /v1/partner/inbox                             partner: the referrals addressed to it
    GET  /v1/partner/referrals/{referral_id}           partner: one of them (404 for any other)
    POST /v1/partner/referrals/{referral_id}/events    partner: accept, decline, complete

Every call is a signed request (`sync.server.auth`) by a principal of the route's role.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from sync.envelope import read_header
from sync.errors import EnvelopeError
from sync.receipts import sign_receipt
from sync.server.auth import SignedRequestDep, authenticate, authenticate_role
from sync.server.deps import SessionDep, StateDep, unit_of_work
from sync.server.problems import problem_responses
from sync.server.referral_store import (
    InboxEntry,
    add_event,
    as_event,
    events_for_device,
    inbox,
    store_referrals,
)
from sync.server.refusals import Refusal
from sync.wire import (
    ID_PATTERN,
    BatchResult,
    InboxItem,
    InboxResponse,
    ReferralBatch,
    ReferralEvent,
    ReferralEventRequest,
    ReferralEvents,
    b64u_encode,
)

router = APIRouter(prefix="/v1", tags=["referrals"])
SIGNED_REFUSALS = (400, 401, 403, 429)
SENDERS = ("device", "coordinator")  # who sends referrals: a device, or the organisation's desk
ReferralId = Path(pattern=ID_PATTERN)


@router.post(
    "/referrals", response_model=BatchResult, responses=problem_responses(*SIGNED_REFUSALS, 413, 422)
)
def send_referrals(
    batch: ReferralBatch, signed: SignedRequestDep, session: SessionDep, state: StateDep
) -> JSONResponse:
    """Store a device's (or the coordinator's) referrals once per id, commit, then answer with a
    signed receipt."""
    with unit_of_work(session):
        device_id = authenticate(signed, state, role=SENDERS).device_id
        now = state.clock_ms()
        outcome = store_referrals(session=session, device_id=device_id, batch=batch, now=now)
        session.commit()
    receipt = sign_receipt(
        state.receipt_key,
        device_id=device_id,
        body=signed.body,
        server_time=now,
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        conflicts=outcome.conflicts,
        rejected=outcome.rejected,
    )
    return JSONResponse(BatchResult(receipt=receipt).model_dump(mode="json"))


@router.get("/referrals/events", responses=problem_responses(*SIGNED_REFUSALS))
def device_events(signed: SignedRequestDep, session: SessionDep, state: StateDep) -> ReferralEvents:
    """Every status change of the referrals this device (or coordinator) sent, oldest first."""
    with unit_of_work(session):
        device_id = authenticate(signed, state, role=SENDERS).device_id
        events = events_for_device(session=session, device_id=device_id)
        session.commit()
    return ReferralEvents(events=events)


@router.post("/referrals/{referral_id}/events", responses=problem_responses(*SIGNED_REFUSALS, 404, 409, 422))
def revoke(
    body: ReferralEventRequest,
    signed: SignedRequestDep,
    session: SessionDep,
    state: StateDep,
    referral_id: str = ReferralId,
) -> ReferralEvent:
    """The sending device (or coordinator) revokes its referral (signed by its key)."""
    return _change(body, signed, session, state, referral_id, role=SENDERS)


@router.get("/partner/inbox", responses=problem_responses(*SIGNED_REFUSALS))
def partner_inbox(signed: SignedRequestDep, session: SessionDep, state: StateDep) -> InboxResponse:
    """The referrals addressed to this partner, oldest first."""
    with unit_of_work(session):
        partner_id = authenticate(signed, state, role="partner").device_id
        entries = inbox(session=session, partner_id=partner_id)
        session.commit()
    return InboxResponse(items=[_item(entry) for entry in entries])


@router.get("/partner/referrals/{referral_id}", responses=problem_responses(*SIGNED_REFUSALS, 404, 422))
def partner_referral(
    signed: SignedRequestDep, session: SessionDep, state: StateDep, referral_id: str = ReferralId
) -> InboxItem:
    """One referral addressed to this partner; any other id is 404, whether it exists or not."""
    with unit_of_work(session):
        partner_id = authenticate(signed, state, role="partner").device_id
        entries = inbox(session=session, partner_id=partner_id, referral_id=referral_id)
        session.commit()
    if not entries:
        raise Refusal(404, "not_found", "No such referral.")
    return _item(entries[0])


@router.post(
    "/partner/referrals/{referral_id}/events", responses=problem_responses(*SIGNED_REFUSALS, 404, 409, 422)
)
def partner_event(
    body: ReferralEventRequest,
    signed: SignedRequestDep,
    session: SessionDep,
    state: StateDep,
    referral_id: str = ReferralId,
) -> ReferralEvent:
    """The receiving partner accepts, declines or completes a referral (signed by its key)."""
    return _change(body, signed, session, state, referral_id, role="partner")


def _change(
    body: ReferralEventRequest,
    signed: SignedRequestDep,
    session: SessionDep,
    state: StateDep,
    referral_id: str,
    *,
    role: str | tuple[str, ...],
) -> ReferralEvent:
    detail = None
    if body.detail is not None:
        try:
            detail = base64.b64decode(body.detail, validate=True)
            read_header(detail)
        except (binascii.Error, ValueError, EnvelopeError):
            raise Refusal(422, "bad_envelope", "The detail is not a sealed envelope.") from None
    with unit_of_work(session):
        actor, actor_role = authenticate_role(signed, state, role=role)
        row = add_event(
            session=session,
            referral_id=referral_id,
            actor_id=actor.device_id,
            actor_role=actor_role,
            actor_key=bytes(actor.public_key),
            request=body,
            detail=detail,
            now=state.clock_ms(),
        )
        event = as_event(row)
        session.commit()
    return event


def _item(entry: InboxEntry) -> InboxItem:
    referral, keys = entry.referral, entry.device_keys
    return InboxItem(
        referral_id=referral.referral_id,
        device_id=referral.device_id,
        received_at=referral.received_at,
        status=referral.status,  # type: ignore[arg-type]  # only the five statuses are ever stored
        envelope=base64.b64encode(bytes(referral.for_partner)).decode(),
        device_keys=[b64u_encode(bytes(key)) for key in keys],
    )
