"""The background sender: one per app process, draining the outbox whenever items are pending.

It needs no secret: everything in the outbox is sealed to the organisation, so it keeps sending while
every session's vault is locked. It wakes on a timer, when an interview is sealed, and when the officer
taps "Send now"; after a failed run it waits with the outbox's full-jitter exponential backoff
(`sync.outbox.Backoff`, capped), and any success or tap resets the wait. Sessions subscribe to its
status to show progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from sync.outbox import Backoff
from waypoint.core.errors import WaypointError

__all__ = ["SyncStatus", "SyncWorker"]

log = logging.getLogger(__name__)
BACKOFF_BASE_SECONDS = 2.0


class OutboxSender(Protocol):
    """What the worker calls: `sync.Outbox.send_pending` bound to the vault's stores."""

    def __call__(self, *, deadline: float, on_progress: Callable[[Any], None]) -> Any: ...


@dataclass(frozen=True)
class SyncStatus:
    """What the officer sees about sending; counts only, never content."""

    enrolled: bool = False
    pending: int = 0
    sent: int = 0
    parked: int = 0
    sending: bool = False
    progress_done: int = 0  # items settled in the current run
    progress_total: int = 0
    last_success: datetime | None = None
    last_error: WaypointError | None = None
    failures: int = 0
    retry_in_seconds: float | None = None


class SyncWorker:
    """Sends pending outbox items in the background, with backoff, and reports progress."""

    def __init__(
        self,
        *,
        counts: Callable[[], Any],
        enrolled: Callable[[], bool],
        send: OutboxSender,
        interval_seconds: float,
        backoff_max_seconds: float,
        deadline_seconds: float,
    ) -> None:
        self._counts = counts
        self._enrolled = enrolled
        self._send = send
        self._interval = interval_seconds
        self._backoff = Backoff(base=BACKOFF_BASE_SECONDS, cap=backoff_max_seconds)
        self._rng = random.Random()
        self._deadline = deadline_seconds
        self.status = SyncStatus()
        self._wake = asyncio.Event()
        self._passes = 0  # loop passes completed; `send_now` waits for one that started after its poke
        self._in_pass = False
        self._pass_done = asyncio.Condition()
        self._retry_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._subscribers: list[Callable[[SyncStatus], None]] = []

    def start(self) -> None:
        """Start the loop on the running event loop (once)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="waypoint-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def subscribe(self, callback: Callable[[SyncStatus], None]) -> Callable[[], None]:
        """Call `callback(status)` on every change; returns the function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def poke(self) -> None:
        """Something was sealed, or the officer asked: try now, whatever the backoff says."""
        self._retry_at = 0.0
        self._wake.set()

    async def refresh(self) -> SyncStatus:
        """Count the outbox now (e.g. right after an interview was queued) and return the status."""
        await self._refresh_counts()
        return self.status

    async def send_now(self, timeout: float | None = None) -> SyncStatus:
        """Try now and return the status once that run is over."""
        self.start()
        wanted = self._passes + (2 if self._in_pass else 1)
        self.poke()
        async with self._pass_done:
            await asyncio.wait_for(
                self._pass_done.wait_for(lambda: self._passes >= wanted), timeout or self._deadline + 10
            )
        return self.status

    def _publish(self, **changes: Any) -> None:
        self.status = replace(self.status, **changes)
        for callback in list(self._subscribers):
            try:
                callback(self.status)
            except Exception:  # one broken session must not stop sending for the others
                log.exception("sync status subscriber failed")

    async def _refresh_counts(self) -> None:
        counts, enrolled = await asyncio.to_thread(lambda: (self._counts(), self._enrolled()))
        self._publish(enrolled=enrolled, pending=counts.pending, sent=counts.sent, parked=counts.parked)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            self._in_pass = True
            try:
                await self._refresh_counts()
                now = time.monotonic()
                if self.status.enrolled and self.status.pending and now >= self._retry_at:
                    await self._send_once()
            except Exception:  # the loop must survive anything; the next wake-up tries again
                log.exception("sync loop failed")
            self._in_pass = False
            async with self._pass_done:
                self._passes += 1
                self._pass_done.notify_all()
            wait = self._interval
            if self.status.pending and self._retry_at > time.monotonic():
                wait = min(wait, self._retry_at - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(wait, 0.05))

    async def _send_once(self) -> None:
        self._publish(
            sending=True, retry_in_seconds=None, progress_done=0, progress_total=self.status.pending
        )
        loop = asyncio.get_running_loop()

        def on_progress(progress: Any) -> None:  # called from the sending thread
            loop.call_soon_threadsafe(
                lambda: self._publish(progress_done=progress.done, progress_total=progress.total)
            )

        error: WaypointError | None = None
        try:
            report = await asyncio.to_thread(
                lambda: self._send(deadline=self._deadline, on_progress=on_progress)
            )
            error = getattr(report, "error", None)
        except WaypointError as exc:
            error = exc
        await self._refresh_counts()
        if error is None and not self.status.pending:
            self._retry_at = 0.0
            self._publish(sending=False, last_error=None, failures=0, last_success=datetime.now(UTC))
            return
        failures = self.status.failures + 1
        delay = self._backoff.delay(failures, self._rng)
        self._retry_at = time.monotonic() + delay
        self._publish(sending=False, last_error=error, failures=failures, retry_in_seconds=delay)
