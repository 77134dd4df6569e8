"""`POST /v1/submissions`: a device sends a batch of sealed interviews; the answer is a signed receipt."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from sync.receipts import sign_receipt
from sync.server import crud
from sync.server.auth import SignedRequestDep, authenticate, check_consumed
from sync.server.db import request_connection, step
from sync.server.deps import StateDep
from sync.server.problems import problem_responses
from sync.wire import BatchResult, SubmissionBatch

router = APIRouter(prefix="/v1", tags=["submissions"])
SIGNED_REFUSALS = (400, 401, 403, 413, 422, 429)


@router.post(
    "/submissions",
    response_model=BatchResult,
    responses={
        409: {
            "model": BatchResult,
            "description": "Some ids already hold other content; the rest is stored.",
        },
        **problem_responses(*SIGNED_REFUSALS),
    },
)
def submit(batch: SubmissionBatch, signed: SignedRequestDep, state: StateDep) -> Response:
    """Store a batch exactly once per interview id, commit, then answer with a signed receipt.

    Same id and same content: a duplicate, accepted again. Same id and other content: a conflict
    (409, logged); the batch's other items are still stored and the receipt lists every id.
    One pooled connection serves the whole request; the device's allowance, the nonce and the rows
    are one step (PostgreSQL: one statement), so a batch costs two round trips.
    """
    with request_connection(state.engine) as connection:
        device_id = authenticate(signed, state, connection=connection, consume=False).device_id
        now = state.clock_ms()
        with step(connection):
            consumed = crud.consume_and_store(
                connection=connection,
                device_key=f"device:{device_id}",
                limit=state.device_limit,
                nonce=signed.signature.nonce,
                created=signed.signature.created,
                device_id=device_id,
                batch=batch,
                now=now,
                keys=state.organisation_keys,
                deduplicate=state.settings.deduplicate,
            )
        check_consumed(connection, state, wait_ms=consumed.wait_ms, fresh=consumed.fresh, now_ms=now)
    outcome = consumed.outcome
    receipt = sign_receipt(
        state.receipt_key,
        device_id=device_id,
        body=signed.body,
        body_sha256=signed.body_sha256,
        server_time=now,
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        conflicts=outcome.conflicts,
        rejected=outcome.rejected,
    )
    status = 409 if outcome.conflicts else 200
    body = BatchResult(receipt=receipt).model_dump_json()
    return Response(body, status_code=status, media_type="application/json")
