"""Rate limits kept in the database, so every server process on one database shares them.

Each limit is the generic cell rate algorithm (equivalent to a token bucket of `burst` tokens refilled
at `per_minute`), stored as one number per key: the time the next request would be "due". Allowing a
request is one upsert (`INSERT ... ON CONFLICT DO UPDATE ... WHERE`); refusing one writes nothing.
SQLite serialises writers and PostgreSQL re-checks the condition on the locked row, so concurrent
requests in several processes never take more than the limit.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Connection, Insert, String, bindparam, case, delete
from sqlmodel import col, select

from sync.server.db import insert_for_dialect
from sync.server.models import RateLimitState

__all__ = [
    "RateLimit",
    "prune_rate_limits",
    "retry_after_header",
    "take",
    "take_parameters",
    "take_statement",
    "wait_ms",
]

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


@functools.cache
def take_statement(dialect: str) -> Insert:
    """The one statement that uses a request of a key's allowance: an upsert that returns the key when
    the request is allowed and writes nothing (returns no row) when it is not.

    A missing row means a full allowance; an existing one moves its due time on by one interval,
    only while the due time is within the tolerance. Built once per dialect (`dialect`: "sqlite" or
    "postgresql"), with the values as bound parameters (`take_parameters`), so SQLAlchemy compiles it
    once per process.
    """
    now = bindparam("limit_now_us", type_=BigInteger)
    interval = bindparam("limit_interval_us", type_=BigInteger)
    tolerance = bindparam("limit_tolerance_us", type_=BigInteger)
    due = RateLimitState.__table__.c.next_free_us  # type: ignore[attr-defined]
    statement: Insert = (
        insert_for_dialect(dialect, RateLimitState)
        .values(key=bindparam("limit_key", type_=String), next_free_us=now + interval)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={"next_free_us": case((due > now, due), else_=now) + interval},
            where=due <= now + tolerance,
        )
        .returning(col(RateLimitState.key))
    )
    return statement


def take_parameters(key: str, limit: RateLimit, now_ms: int) -> dict[str, Any]:
    """The values `take_statement` is executed with (times in microseconds)."""
    return {
        "limit_key": key,
        "limit_now_us": now_ms * 1000,
        "limit_interval_us": limit.interval_us,
        "limit_tolerance_us": limit.tolerance_us,
    }


def take(connection: Connection, key: str, limit: RateLimit, now_ms: int) -> int:
    """Use one request of `key`'s allowance; return 0 when allowed, else the milliseconds to wait.

    The caller commits (an allowed request's use must outlive whatever the request does next).
    """
    statement = take_statement(connection.dialect.name)
    if connection.execute(statement, take_parameters(key, limit, now_ms)).first() is not None:
        return 0
    return wait_ms(connection, key, limit, now_ms)


def wait_ms(connection: Connection, key: str, limit: RateLimit, now_ms: int) -> int:
    """How long a refused request of `key` must wait (read only on the refusal path)."""
    now = now_ms * 1000
    due = col(RateLimitState.next_free_us)
    stored = connection.execute(select(due).where(col(RateLimitState.key) == key)).scalar_one_or_none()
    return max(1, math.ceil(((stored or now) - limit.tolerance_us - now) / 1000))


def prune_rate_limits(connection: Connection, now_ms: int) -> None:
    """Forget limits whose time has passed (a missing row means exactly the same)."""
    connection.execute(delete(RateLimitState).where(col(RateLimitState.next_free_us) < now_ms * 1000))


def retry_after_header(wait_ms: int) -> str:
    """The `Retry-After` value (whole seconds, at least 1) for a wait in milliseconds."""
    return str(max(1, math.ceil(wait_ms / 1000)))
