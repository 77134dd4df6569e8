"""What a route may ask for: the server's state and a database session, as typed dependencies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from sync.server.crud import OrganisationKeys
from sync.server.rate_limits import RateLimit
from sync.server.settings import ServerSettings

__all__ = ["ServerState", "SessionDep", "StateDep", "get_session", "get_state", "unit_of_work"]


@dataclass
class ServerState:
    """Built once by `create_app`; shared by every request."""

    settings: ServerSettings
    engine: Engine
    receipt_key: Ed25519PrivateKey
    clock_ms: Callable[[], int]
    device_limit: RateLimit
    address_limit: RateLimit
    enroll_limit: RateLimit
    organisation_keys: OrganisationKeys = field(default_factory=OrganisationKeys)
    last_nonce_prune_ms: int = field(default=0)
    last_limit_prune_ms: int = field(default=0)


async def get_state(request: Request) -> ServerState:
    """Async on purpose: FastAPI runs a plain function dependency in a worker thread, a hop per request."""
    state: ServerState = request.app.state.waypoint
    return state


StateDep = Annotated[ServerState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """One session per request; routes commit before they reply (see `unit_of_work`)."""
    with Session(state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """A route's work, in the route's thread: whatever it leaves uncommitted is rolled back right here,
    so SQLite's write lock is never held past the route (another request may be waiting for it)."""
    try:
        yield session
    finally:
        if session.in_transaction():
            session.rollback()
