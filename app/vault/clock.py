"""Time for the vault: wall time (stored, survives restarts) and a monotonic clock (idle lock).

Tests pass their own `Clock` to `Vault.open` to step through throttling delays and idle locks without
sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = ["Clock", "format_time", "parse_time"]


class Clock:
    """The system clock. Subclass and override both methods to control time in tests."""

    def now(self) -> float:
        """Unix time in seconds (wall clock: stored, compared across restarts)."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (idle lock within one session)."""
        return time.monotonic()


def format_time(unix_time: float) -> str:
    """ISO 8601 UTC to the second, the way the vault stores times."""
    return datetime.fromtimestamp(int(unix_time), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    """A stored time back as an aware UTC datetime."""
    return datetime.fromisoformat(value)  # Python 3.11 reads the trailing "Z" as UTC
