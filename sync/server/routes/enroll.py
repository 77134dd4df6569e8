"""`POST /v1/enroll`: a device joins with a one-time token and a proof that it holds its key."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Request

from sync.enroll import proof_message
from sync.receipts import enrollment_message
from sync.server import crud
from sync.server.auth import client_address, limit_address, record_refusal
from sync.server.deps import SessionDep, StateDep, unit_of_work
from sync.server.models import Device
from sync.server.problems import problem_responses
from sync.server.refusals import Refusal
from sync.wire import EnrollRequest, EnrollResponse, b64u_decode, b64u_encode

router = APIRouter(prefix="/v1", tags=["devices"])


def proof_holds(public_key: bytes, proof: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(b64u_decode(proof), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@router.post("/enroll", responses=problem_responses(403, 413, 422, 429))
def enroll(body: EnrollRequest, request: Request, session: SessionDep, state: StateDep) -> EnrollResponse:
    """Enroll a device: single-use token, proof of possession of the device key; answer signed."""
    limit_address(
        state,
        f"enroll:{client_address(request)}",
        state.enroll_limit,
        "Too many enrollment attempts; wait and retry.",
    )
    with unit_of_work(session):
        public_key = b64u_decode(body.device_public_key)
        message = proof_message(body.token, body.device_public_key)
        if not proof_holds(public_key, body.proof, message):
            raise record_refusal(
                session, state, Refusal(403, "bad_proof", "The proof of possession is wrong.")
            )
        now = state.clock_ms()
        if not crud.consume_token(session=session, token=body.token, now=now):
            refusal = Refusal(403, "token_invalid", "This enrollment code has expired or was already used.")
            raise record_refusal(session, state, refusal)
        keep: str | None = None
        succeeds: str | None = None
        if body.previous_device_id is not None and body.previous_proof is not None:
            previous = session.get(Device, body.previous_device_id)
            if previous is not None:
                if not proof_holds(previous.public_key, body.previous_proof, message):
                    refusal = Refusal(403, "bad_proof", "The proof for the previous device key is wrong.")
                    session.rollback()  # the token stays usable
                    raise record_refusal(session, state, refusal)
                # An active device keeps its id. A revoked one gets a new id that continues the old,
                # so what it sealed before the revocation can still be sent and opened at the desk.
                if previous.status == "active":
                    keep = previous.device_id
                else:
                    succeeds = previous.device_id
        vouching = None
        if body.code_id is not None and body.key_proof is not None:
            vouching = (body.code_id, b64u_decode(body.key_proof))  # checked by the desk, not here
        device = crud.register_device(
            session=session,
            public_key=public_key,
            now=now,
            keep_device_id=keep,
            succeeds_device_id=succeeds,
            vouching=vouching,
        )
        device_id = device.device_id
        session.commit()
    signed = enrollment_message(
        device_id=device_id, device_public_key=body.device_public_key, token=body.token, server_time=now
    )
    return EnrollResponse(
        device_id=device_id, server_time=now, signature=b64u_encode(state.receipt_key.sign(signed))
    )
