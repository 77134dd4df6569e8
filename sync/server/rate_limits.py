"""Rate limits kept in the database, so every server process on one database shares them.

Each limit is the generic cell rate algorithm (equivalent to a token bucket of `burst` tokens refilled
at `per_minute`), stored as one number per key: the time the next request would be "due". Allowing a
request is one conditional `UPDATE`; refusing one writes nothing. SQLite serialises writers and
PostgreSQL re-checks the condition on the locked row, so concurrent requests in several processes
never take more than the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Connection, case, delete, update
from sqlmodel import col, select

from sync.server.crud import insert_for
from sync.server.models import RateLimitState

__all__ = ["RateLimit", "prune_rate_limits", "retry_after_header", "take"]

MAX_TOLERANCE_US = 10**15  # ~31 years: any larger burst is "unlimited", and stays inside a BIGINT


@dataclass(frozen=True)
class RateLimit:
    """`burst` requests at once, then `per_minute` on average."""

    per_minute: int
    burst: int

    @property
    def interval_us(self) -> int:
        return max(1, 60_000_000 // self.per_minute)

    @property
    def tolerance_us(self) -> int:
        return min((self.burst - 1) * self.interval_us, MAX_TOLERANCE_US)


def take(connection: Connection, key: str, limit: RateLimit, now_ms: int) -> int:
    """Use one request of `key`'s allowance; return 0 when allowed, else the milliseconds to wait.

    The caller commits (an allowed request's use must outlive whatever the request does next).
    """
    now, interval, tolerance = now_ms * 1000, limit.interval_us, limit.tolerance_us  # microseconds
    fresh = (
        insert_for(connection, RateLimitState)
        .values(key=key, next_free_us=now + interval)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(RateLimitState.key))
    )
    if connection.execute(fresh).first() is not None:
        return 0
    due = col(RateLimitState.next_free_us)
    allowed = (
        update(RateLimitState)
        .where(col(RateLimitState.key) == key, due <= now + tolerance)
        .values(next_free_us=case((due > now, due), else_=now) + interval)
        .returning(due)
    )
    if connection.execute(allowed).first() is not None:
        return 0
    stored = connection.execute(select(due).where(col(RateLimitState.key) == key)).scalar_one_or_none()
    return max(1, math.ceil(((stored or now) - tolerance - now) / 1000))


def prune_rate_limits(connection: Connection, now_ms: int) -> None:
    """Forget limits whose time has passed (a missing row means exactly the same)."""
    connection.execute(delete(RateLimitState).where(col(RateLimitState.next_free_us) < now_ms * 1000))


def retry_after_header(wait_ms: int) -> str:
    """The `Retry-After` value (whole seconds, at least 1) for a wait in milliseconds."""
    return str(max(1, math.ceil(wait_ms / 1000)))
