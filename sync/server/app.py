"""`create_app(settings)`: the referral server as a FastAPI app, with everything built inside the factory.

The engine, the schema, the organisation key registration and the receipt key are all set up here,
never at import time, so tests and `waypoint run` can build as many servers as they like.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from sync.server.db import (
    load_receipt_key,
    make_engine,
    prepare_database,
    read_public_key_file,
    register_organisation_key,
)
from sync.server.deps import ServerState
from sync.server.limits import BodyLimit
from sync.server.problems import install_problem_handlers
from sync.server.rate_limits import RateLimit
from sync.server.routes import desk, enroll, partners, referrals, submissions, updates
from sync.server.settings import ServerSettings

__all__ = ["create_app"]

API_VERSION = "1.0.0"


def create_app(settings: ServerSettings, *, clock: Callable[[], float] = time.time) -> FastAPI:
    """Build the referral server.

    Args:
        settings: where the database is, which organisation key to register, limits.
        clock: the server's clock in Unix seconds (tests move it).

    Returns:
        An ASGI app; serve it with uvicorn.
    """
    engine = make_engine(settings.database_url, connections=settings.threads)
    prepare_database(engine, deduplicate=settings.deduplicate)
    if settings.public_key_file is not None:
        register_organisation_key(engine, read_public_key_file(settings.public_key_file))
    state = ServerState(
        settings=settings,
        engine=engine,
        receipt_key=load_receipt_key(engine),
        clock_ms=lambda: int(clock() * 1000),
        device_limit=RateLimit(settings.rate_limit_per_minute, settings.rate_limit_burst),
        address_limit=RateLimit(settings.address_rate_limit_per_minute, settings.address_rate_limit_burst),
        enroll_limit=RateLimit(settings.enroll_rate_limit_per_minute, settings.enroll_rate_limit_per_minute),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # as many handler threads as database connections: a request never waits for a connection
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield
        engine.dispose()

    app = FastAPI(
        title="Waypoint referral server",
        version=API_VERSION,
        description="Receives sealed interviews from enrolled devices; stores ciphertext it cannot open.",
        docs_url=None,  # the interactive pages load scripts from a CDN; the server works offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.waypoint = state
    install_problem_handlers(app)
    for module in (enroll, submissions, updates, partners, referrals, desk):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
