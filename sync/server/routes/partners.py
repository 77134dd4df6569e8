"""`POST /v1/partners/enroll`: a partner organisation joins with a one-time partner token.

The same steps as a device's enrollment (`routes.enroll`): the proof of possession first (a failed
proof spends nothing), then the token, atomically; the answer is signed with the receipt key. The
partner proves both keys it holds: the Ed25519 key signs the proof, and the organisation's vouching
(checked later by the case desk) covers the X25519 key and the organization id.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from sqlmodel import select

from sync.enroll import partner_proof_message
from sync.receipts import enrollment_message
from sync.server import crud
from sync.server.auth import client_address, limit_address, record_refusal
from sync.server.deps import SessionDep, StateDep, unit_of_work
from sync.server.models import PartnerToken
from sync.server.problems import problem_responses
from sync.server.referral_store import register_partner
from sync.server.refusals import Refusal
from sync.server.routes.enroll import proof_holds
from sync.wire import EnrollResponse, PartnerEnrollRequest, b64u_decode, b64u_encode

router = APIRouter(prefix="/v1", tags=["partners"])


@router.post("/partners/enroll", responses=problem_responses(403, 413, 422, 429))
def enroll_partner(
    body: PartnerEnrollRequest, request: Request, session: SessionDep, state: StateDep
) -> EnrollResponse:
    """Enroll a partner: single-use partner token, proof of possession; answer signed."""
    limit_address(
        state,
        f"enroll:{client_address(request)}",
        state.enroll_limit,
        "Too many enrollment attempts; wait and retry.",
    )
    with unit_of_work(session):
        signing_key = b64u_decode(body.signing_public_key)
        message = partner_proof_message(body.token, body.signing_public_key, body.sealing_public_key)
        if not proof_holds(signing_key, body.proof, message):
            raise record_refusal(
                session, state, Refusal(403, "bad_proof", "The proof of possession is wrong.")
            )
        now = state.clock_ms()
        token_sha256 = hashlib.sha256(body.token.encode()).hexdigest()
        organization_id = session.exec(
            select(PartnerToken.organization_id).where(PartnerToken.token_sha256 == token_sha256)
        ).first()
        if organization_id is None or not crud.consume_token(
            session=session, token=body.token, now=now, table=PartnerToken
        ):
            refusal = Refusal(403, "token_invalid", "This enrollment code has expired or was already used.")
            raise record_refusal(session, state, refusal)
        vouching = None
        if body.code_id is not None and body.key_proof is not None:
            vouching = (body.code_id, b64u_decode(body.key_proof))
        partner_id = register_partner(
            session=session,
            organization_id=organization_id,
            signing_key=signing_key,
            sealing_key=b64u_decode(body.sealing_public_key),
            now=now,
            vouching=vouching,
        )
        session.commit()
    signed = enrollment_message(
        device_id=partner_id, device_public_key=body.signing_public_key, token=body.token, server_time=now
    )
    return EnrollResponse(
        device_id=partner_id, server_time=now, signature=b64u_encode(state.receipt_key.sign(signed))
    )
