"""`GET /v1/updates`: what the server has for a device (its status now; directory and referrals later).

A revoked device gets 403 `device_revoked` here as everywhere, which is how it learns it was revoked.
"""

from __future__ import annotations

from fastapi import APIRouter

from sync.server.auth import SignedRequestDep, authenticate
from sync.server.deps import SessionDep, StateDep, unit_of_work
from sync.server.problems import problem_responses
from sync.wire import Health, UpdatesResponse

router = APIRouter(prefix="/v1", tags=["devices"])


@router.get("/updates", responses=problem_responses(400, 401, 403, 429))
def updates(signed: SignedRequestDep, session: SessionDep, state: StateDep) -> UpdatesResponse:
    """The device's status and anything the organisation sends it."""
    with unit_of_work(session):
        device_id = authenticate(signed, session, state).device_id
        # the nonce is already committed: a replay of this request is refused even after a restart
    return UpdatesResponse(device_id=device_id, status="active", server_time=state.clock_ms(), updates=[])


@router.get("/health", tags=["operations"])
def health(state: StateDep) -> Health:
    """Liveness: the server answers (no database access, no authentication)."""
    return Health(status="ok", server_time=state.clock_ms())
