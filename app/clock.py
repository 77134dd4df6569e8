"""The session's sense of time: the idle lock and the unlock wait count on it.

Production uses the event loop's clock; tests pass a `ManualClock` they move forward, so an idle lock
or a throttling wait passes without sleeping and without racing a loaded machine.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

__all__ = ["EventLoopClock", "ManualClock", "SessionClock"]


class SessionClock(Protocol):
    """Monotonic seconds, and a way to wait for them to pass."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class EventLoopClock:
    """The running event loop's monotonic clock."""

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock that moves only when told (`advance`); sleepers wake once their time has come.

    It also serves as the vault's clock (`now`, `monotonic`), so one `advance` moves both.
    """

    def __init__(self, start: float = 1_000_000.0, wall: float = 1_800_000_000.0) -> None:
        self._now = start
        self._wall_offset = wall - start
        self._moved = asyncio.Condition()

    def monotonic(self) -> float:
        return self._now

    def now(self) -> float:
        """Unix time, moving with `monotonic`."""
        return self._now + self._wall_offset

    async def sleep(self, seconds: float) -> None:
        wake_at = self._now + seconds
        async with self._moved:
            await self._moved.wait_for(lambda: self._now >= wake_at)

    async def advance(self, seconds: float) -> None:
        """Move time forward and let every sleeper whose time has come run."""
        self._now += seconds
        async with self._moved:
            self._moved.notify_all()
        for _ in range(5):
            await asyncio.sleep(0)
