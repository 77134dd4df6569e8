"""The coordinator's desk over the API: everything the organisation's case desk reads and changes.

    POST /v1/coordinators/enroll            the desk enrolls its coordinator key (organisation-signed)
    GET  /v1/desk/submissions?after=&limit= stored envelopes and routing metadata, paged by row
    GET  /v1/desk/devices                   devices, their lineage, keys and the organisation's vouching
    GET  /v1/desk/partners                  partner principals and their vouching
    GET  /v1/desk/referrals                 every referral's organisation copy and status changes
    POST /v1/desk/codes                     a one-time device (or partner) enrollment code
    POST /v1/desk/devices/{id}/revoke       revoke a device
    POST /v1/desk/partners/{id}/revoke      revoke a partner
    GET  /v1/desk/directory                 the newest published directory
    POST /v1/desk/directory                 publish a directory version the desk signed
    GET  /v1/desk/audit?before=&limit=      the audit log, newest first

Every `/v1/desk/` call is a signed request (`sync.server.auth`) by a coordinator principal: a device
or a partner gets 403 `wrong_role`. What the desk reads is ciphertext and routing metadata, as the
server stores it; what it changes is audited by ids and kind, never content.
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import func
from sqlmodel import Session, col, select

from sync.enrollment_code import check_server_url
from sync.server import crud
from sync.server.admin import issue_code
from sync.server.auth import SignedRequestDep, authenticate, client_address, limit_address, record_refusal
from sync.server.coordinators import enroll_message, register_coordinator
from sync.server.deps import SessionDep, StateDep, unit_of_work
from sync.server.desk_wire import (
    MAX_PAGE,
    AuditPage,
    AuditRow,
    CodeRequest,
    CodeResponse,
    CoordinatorEnrolled,
    CoordinatorEnrollRequest,
    DeskDevice,
    DeskDevices,
    DeskPartner,
    DeskPartners,
    DeskReferral,
    DeskReferralEvent,
    DeskReferrals,
    DeskSubmission,
    DirectoryPublish,
    DirectoryVersionView,
    RevokeResponse,
    SubmissionPage,
    VouchedKeyView,
)
from sync.server.directory import newer_directory, store_directory
from sync.server.models import (
    AuditEvent,
    Coordinator,
    Device,
    DeviceKeyHistory,
    DeviceSuccession,
    Partner,
    Referral,
    ReferralEventRow,
    Submission,
)
from sync.server.problems import problem_responses
from sync.server.refusals import Refusal
from sync.transport_security import check_server_transport
from sync.wire import ID_PATTERN, b64u_decode, b64u_encode
from waypoint.core.errors import WaypointError

router = APIRouter(prefix="/v1", tags=["desk"])
SIGNED_REFUSALS = (400, 401, 403, 429)
COORDINATOR = "coordinator"


@router.post("/coordinators/enroll", responses=problem_responses(403, 413, 422, 429))
def enroll_coordinator(
    body: CoordinatorEnrollRequest, request: Request, session: SessionDep, state: StateDep
) -> CoordinatorEnrolled:
    """Enroll (or find again) the coordinator principal of a registered organisation key."""
    limit_address(
        state,
        f"enroll:{client_address(request)}",
        state.enroll_limit,
        "Too many enrollment attempts; wait and retry.",
    )
    now = state.clock_ms()
    with unit_of_work(session):
        if abs(now - body.at) > state.settings.signature_window_seconds * 1000:
            refusal = Refusal(
                403, "clock_skew", "The enrollment time is outside the window.", server_time=now
            )
            raise record_refusal(session, state, refusal)
        message = enroll_message(signing_public_key=body.signing_public_key, key_id=body.key_id, at=body.at)
        try:
            coordinator_id = register_coordinator(
                session=session,
                signing_key=b64u_decode(body.signing_public_key),
                key_id=body.key_id,
                message=message,
                organisation_signature=b64u_decode(body.organisation_signature),
                proof=b64u_decode(body.proof),
                now=now,
            )
        except Refusal as refusal:
            session.rollback()
            raise record_refusal(session, state, refusal) from None
        session.commit()
    return CoordinatorEnrolled(coordinator_id=coordinator_id, server_time=now)


def _coordinator(signed: SignedRequestDep, session: Session, state: StateDep) -> str:
    return authenticate(signed, state, role=COORDINATOR).device_id


@router.get("/desk/submissions", responses=problem_responses(*SIGNED_REFUSALS, 422))
def submissions(
    signed: SignedRequestDep,
    session: SessionDep,
    state: StateDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 500,
) -> SubmissionPage:
    """Stored envelopes after row `after`, oldest first, with how many remain (for progress)."""
    with unit_of_work(session):
        coordinator_id = _coordinator(signed, session, state)
        rows = session.exec(
            select(Submission)
            .where(col(Submission.row_id) > after)
            .order_by(col(Submission.row_id))
            .limit(limit)
        ).all()
        remaining = session.exec(select(func.count()).where(col(Submission.row_id) > after)).one()
        if after == 0:  # one event per opening of the whole list, not per page
            crud.record_event(
                session=session, at=state.clock_ms(), kind="desk_read", device_id=coordinator_id
            )
        session.commit()
    items = [
        DeskSubmission(
            row_id=row.row_id or 0,
            interview_id=row.interview_id,
            device_id=row.device_id,
            protocol_id=row.protocol_id,
            protocol_version=row.protocol_version,
            received_at=row.received_at,
            envelope=base64.b64encode(bytes(row.envelope)).decode(),
        )
        for row in rows
    ]
    next_after = items[-1].row_id if len(items) == limit else None
    return SubmissionPage(items=items, next_after=next_after, remaining=int(remaining))


@router.get("/desk/devices", responses=problem_responses(*SIGNED_REFUSALS))
def devices(signed: SignedRequestDep, session: SessionDep, state: StateDep) -> DeskDevices:
    """Every device (not partners, not coordinators) with its predecessor, keys and last submission."""
    with unit_of_work(session):
        _coordinator(signed, session, state)
        others = select(col(Partner.partner_id)).union(select(col(Coordinator.coordinator_id)))
        rows = session.exec(
            select(Device).where(col(Device.device_id).not_in(others)).order_by(col(Device.enrolled_at))
        ).all()
        predecessors = dict(
            session.exec(select(DeviceSuccession.device_id, DeviceSuccession.predecessor_id)).all()
        )
        seen = dict(
            session.exec(
                select(Submission.device_id, func.max(Submission.received_at)).group_by(
                    col(Submission.device_id)
                )
            ).all()
        )
        keys: dict[str, list[VouchedKeyView]] = {}
        for key in session.exec(select(DeviceKeyHistory).order_by(col(DeviceKeyHistory.row_id).desc())):
            keys.setdefault(key.device_id, []).append(
                VouchedKeyView(
                    public_key=b64u_encode(bytes(key.public_key)),
                    code_id=key.code_id,
                    key_proof=None if key.key_proof is None else b64u_encode(bytes(key.key_proof)),
                )
            )
        session.commit()
    listed = []
    for row in rows:
        held = keys.get(row.device_id, [])[:64]
        current = b64u_encode(bytes(row.public_key))
        if not any(key.public_key == current for key in held):
            held = [VouchedKeyView(public_key=current), *held][:64]
        listed.append(
            DeskDevice(
                device_id=row.device_id,
                status=row.status,
                enrolled_at=row.enrolled_at,
                revoked_at=row.revoked_at,
                predecessor_id=predecessors.get(row.device_id),
                last_seen=seen.get(row.device_id),
                keys=held,
            )
        )
    return DeskDevices(devices=listed)


@router.get("/desk/partners", responses=problem_responses(*SIGNED_REFUSALS))
def partners(signed: SignedRequestDep, session: SessionDep, state: StateDep) -> DeskPartners:
    """Every partner principal with its keys, status and the organisation's vouching (unchecked)."""
    with unit_of_work(session):
        _coordinator(signed, session, state)
        rows = session.exec(
            select(Partner, Device)
            .join(Device, col(Device.device_id) == col(Partner.partner_id))
            .order_by(col(Partner.enrolled_at))
        ).all()
        session.commit()
    return DeskPartners(
        partners=[
            DeskPartner(
                partner_id=partner.partner_id,
                organization_id=partner.organization_id,
                status=device.status,
                signing_public_key=b64u_encode(bytes(partner.signing_public_key)),
                sealing_public_key=b64u_encode(bytes(partner.sealing_public_key)),
                enrolled_at=partner.enrolled_at,
                code_id=partner.code_id,
                key_proof=None if partner.key_proof is None else b64u_encode(bytes(partner.key_proof)),
            )
            for partner, device in rows
        ]
    )


@router.get("/desk/referrals", responses=problem_responses(*SIGNED_REFUSALS))
def referrals(signed: SignedRequestDep, session: SessionDep, state: StateDep) -> DeskReferrals:
    """Every referral's organisation copy and its signed status changes, oldest first."""
    with unit_of_work(session):
        _coordinator(signed, session, state)
        events: dict[str, list[DeskReferralEvent]] = {}
        for event in session.exec(select(ReferralEventRow).order_by(col(ReferralEventRow.event_id))):
            events.setdefault(event.referral_id, []).append(
                DeskReferralEvent(
                    event_id=event.event_id or 0,
                    status=event.status,
                    at=event.at,
                    actor_id=event.actor_id,
                    actor_role=event.actor_role,
                    detail=None if event.detail is None else base64.b64encode(bytes(event.detail)).decode(),
                    detail_sha256=event.detail_sha256,
                    signature=b64u_encode(bytes(event.signature)),
                )
            )
        rows = session.exec(
            select(Referral).order_by(col(Referral.received_at), col(Referral.referral_id))
        ).all()
        session.commit()
    return DeskReferrals(
        referrals=[
            DeskReferral(
                referral_id=row.referral_id,
                device_id=row.device_id,
                partner_id=row.partner_id,
                status=row.status,
                received_at=row.received_at,
                for_organisation=base64.b64encode(bytes(row.for_organisation)).decode(),
                events=events.get(row.referral_id, []),
            )
            for row in rows
        ]
    )


@router.post("/desk/codes", responses=problem_responses(*SIGNED_REFUSALS, 422))
def create_code(
    body: CodeRequest, signed: SignedRequestDep, session: SessionDep, state: StateDep
) -> CodeResponse:
    """A one-time enrollment code for a device, or (with `organization_id`) for a partner."""
    with unit_of_work(session):
        coordinator_id = _coordinator(signed, session, state)
        session.commit()
    try:
        server_url = check_server_url(body.server_url)
        check_server_transport(server_url, insecure_http=body.insecure_http)
    except (ValueError, WaypointError):
        raise Refusal(422, "bad_server_url", "The server address cannot go into a code.") from None
    code, expires_at = issue_code(
        state.engine,
        server_url,
        state.receipt_key.public_key(),
        ttl=timedelta(seconds=body.ttl_seconds),
        partner_organization=body.organization_id,
    )
    with unit_of_work(session):
        kind = "desk_device_code" if body.organization_id is None else "desk_partner_code"
        crud.record_event(session=session, at=state.clock_ms(), kind=kind, device_id=coordinator_id)
        session.commit()
    return CodeResponse(code=code, expires_at=expires_at)


def _revoke(
    signed: SignedRequestDep, session: Session, state: StateDep, principal_id: str, *, partner: bool
) -> RevokeResponse:
    with unit_of_work(session):
        coordinator_id = _coordinator(signed, session, state)
        is_partner = session.get(Partner, principal_id) is not None
        is_coordinator = session.get(Coordinator, principal_id) is not None
        if is_coordinator or is_partner != partner:
            raise Refusal(404, "not_found", "No such principal.")
        now = state.clock_ms()
        if not crud.revoke_device(session=session, device_id=principal_id, now=now):
            raise Refusal(404, "not_found", "No such principal.")
        kind = "desk_partner_revoked" if partner else "desk_device_revoked"
        crud.record_event(session=session, at=now, kind=kind, device_id=coordinator_id, code=principal_id)
        session.commit()
    return RevokeResponse(principal_id=principal_id, status="revoked")


@router.post("/desk/devices/{device_id}/revoke", responses=problem_responses(*SIGNED_REFUSALS, 404, 422))
def revoke_device(
    signed: SignedRequestDep, session: SessionDep, state: StateDep, device_id: str = Path(pattern=ID_PATTERN)
) -> RevokeResponse:
    """Revoke a device: every request it makes from now on is refused."""
    return _revoke(signed, session, state, device_id, partner=False)


@router.post("/desk/partners/{partner_id}/revoke", responses=problem_responses(*SIGNED_REFUSALS, 404, 422))
def revoke_partner(
    signed: SignedRequestDep, session: SessionDep, state: StateDep, partner_id: str = Path(pattern=ID_PATTERN)
) -> RevokeResponse:
    """Revoke a partner: it can no longer read its inbox, and no new referral reaches it."""
    return _revoke(signed, session, state, partner_id, partner=True)


@router.get("/desk/directory", responses=problem_responses(*SIGNED_REFUSALS))
def directory(signed: SignedRequestDep, session: SessionDep, state: StateDep) -> DirectoryVersionView:
    """The newest published directory (version 0 and nothing else before the first)."""
    with unit_of_work(session):
        _coordinator(signed, session, state)
        newest = newer_directory(session, 0)
        session.commit()
    if newest is None:
        return DirectoryVersionView(version=0)
    return DirectoryVersionView(
        version=newest.version,
        document=base64.b64encode(newest.document).decode(),
        signature=b64u_encode(newest.signature),
        published_at=newest.published_at,
    )


@router.post("/desk/directory", responses=problem_responses(*SIGNED_REFUSALS, 409, 413, 422))
def publish(
    body: DirectoryPublish, signed: SignedRequestDep, session: SessionDep, state: StateDep
) -> DirectoryVersionView:
    """Store a directory version the desk signed; devices fetch it with `GET /v1/updates`."""
    with unit_of_work(session):
        coordinator_id = _coordinator(signed, session, state)
        try:
            document = base64.b64decode(body.document, validate=True)
        except (binascii.Error, ValueError):
            raise Refusal(422, "invalid_request", "The document is not base64.") from None
        newest = newer_directory(session, 0)
        if newest is not None and body.version <= newest.version:
            raise Refusal(409, "older_directory", "A newer or equal directory version is published.")
        now = state.clock_ms()
        crud.record_event(
            session=session,
            at=now,
            kind="directory_published",
            device_id=coordinator_id,
            code=str(body.version),
        )
        try:
            store_directory(
                session,
                version=body.version,
                document=document,
                signature=b64u_decode(body.signature),
                now=now,
            )
        except WaypointError:
            raise Refusal(409, "older_directory", "That directory version was published meanwhile.") from None
    return DirectoryVersionView(version=body.version, published_at=now)


@router.get("/desk/audit", responses=problem_responses(*SIGNED_REFUSALS, 422))
def audit(
    signed: SignedRequestDep,
    session: SessionDep,
    state: StateDep,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 200,
) -> AuditPage:
    """Audit events, newest first, before event `before` (ids, kinds and codes: never content)."""
    with unit_of_work(session):
        _coordinator(signed, session, state)
        statement = select(AuditEvent)
        if before is not None:
            statement = statement.where(col(AuditEvent.event_id) < before)
        rows = session.exec(statement.order_by(col(AuditEvent.event_id).desc()).limit(limit)).all()
        session.commit()
    events = [
        AuditRow(
            event_id=row.event_id or 0,
            at=row.at,
            kind=row.kind,
            device_id=row.device_id,
            interview_id=row.interview_id,
            code=row.code,
        )
        for row in rows
    ]
    return AuditPage(events=events, next_before=events[-1].event_id if len(events) == limit else None)
