"""`GET /v1/updates`: what the server has for a device: its status, and a newer directory of services.

A revoked device gets 403 `device_revoked` here as everywhere, which is how it learns it was revoked.
The device says which directory version it holds (`?directory_version=N`, 0 for none); the newest
signed directory comes back only when it is newer, so a device downloads each version once. Without
the parameter (a device from before the directory) the answer has no `directory` member at all.
The query is not covered by the request signature on purpose: changing it can only make the server
send a directory the device then checks (signature, version) and keeps or refuses.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query

from sync.server.auth import SignedRequestDep, authenticate
from sync.server.deps import SessionDep, StateDep, unit_of_work
from sync.server.directory import newer_directory
from sync.server.problems import problem_responses
from sync.wire import DirectoryUpdate, Health, UpdatesResponse, b64u_encode

router = APIRouter(prefix="/v1", tags=["devices"])


@router.get(
    "/updates", responses=problem_responses(400, 401, 403, 422, 429), response_model_exclude_none=True
)
def updates(
    signed: SignedRequestDep,
    session: SessionDep,
    state: StateDep,
    directory_version: Annotated[int | None, Query(ge=0, le=2**53)] = None,
) -> UpdatesResponse:
    """The device's status and anything the organisation sends it."""
    with unit_of_work(session):
        device_id = authenticate(signed, state).device_id
        newer = None if directory_version is None else newer_directory(session, directory_version)
    directory = None
    if newer is not None:
        directory = DirectoryUpdate(
            version=newer.version,
            document=base64.b64encode(newer.document).decode(),
            signature=b64u_encode(newer.signature),
        )
    return UpdatesResponse(
        device_id=device_id, status="active", server_time=state.clock_ms(), updates=[], directory=directory
    )


@router.get("/health", tags=["operations"])
def health(state: StateDep) -> Health:
    """Liveness: the server answers (no database access, no authentication)."""
    return Health(status="ok", server_time=state.clock_ms())
