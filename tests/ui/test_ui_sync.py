"""The background sender and what home shows about it.

UI070: pending items are sent on a poke; success resets the failure count and records the time.
UI071: a failed run backs off (full jitter, capped) and keeps the items; the next poke tries at once.
UI072: "Send now" waits for a run that started after the tap and reports its error.
UI073: nothing is sent before the device is enrolled.
UI074: home shows the outbox counts and the sender's error, translated.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from flet_harness import AppHarness
from ui_support import set_up

from app.sync_worker import SyncStatus, SyncWorker
from sync import OutboxCounts
from sync.errors import SyncTransportError


@dataclass
class FakeOutbox:
    """Stands in for the vault's outbox and `sync.Outbox.send_pending`."""

    pending: int = 2
    sent: int = 0
    enrolled: bool = True
    fail_next: int = 0
    runs: list[float] = field(default_factory=list)

    def counts(self) -> OutboxCounts:
        return OutboxCounts(pending=self.pending, sent=self.sent, parked=0)

    def send(self, *, deadline: float, on_progress: Any) -> Any:
        self.runs.append(deadline)
        if self.fail_next:
            self.fail_next -= 1
            return type("Report", (), {"error": SyncTransportError()})()
        on_progress(type("Progress", (), {"done": self.pending, "total": self.pending})())
        self.sent, self.pending = self.sent + self.pending, 0
        return type("Report", (), {"error": None})()


def worker_for(outbox: FakeOutbox, backoff_max: float = 0.2) -> SyncWorker:
    return SyncWorker(
        counts=outbox.counts,
        enrolled=lambda: outbox.enrolled,
        send=outbox.send,
        interval_seconds=3600,
        backoff_max_seconds=backoff_max,
        deadline_seconds=5,
    )


async def test_ui070_poke_sends_pending() -> None:
    outbox = FakeOutbox()
    worker = worker_for(outbox)
    seen = []
    worker.subscribe(seen.append)
    try:
        status = await worker.send_now(timeout=5)
        assert (status.pending, status.sent, status.failures) == (0, 2, 0)
        assert status.last_success is not None and status.last_error is None
        assert any(s.sending for s in seen) and any(s.progress_done == 2 for s in seen)
        assert outbox.runs == [5]
    finally:
        await worker.stop()


async def test_ui071_failure_backs_off_and_keeps_items() -> None:
    outbox = FakeOutbox(fail_next=1)
    worker = worker_for(outbox, backoff_max=300)
    try:
        status = await worker.send_now(timeout=5)
        assert status.pending == 2 and status.failures == 1
        assert isinstance(status.last_error, SyncTransportError)
        assert status.retry_in_seconds is not None and 0 <= status.retry_in_seconds <= 4.0
        await asyncio.sleep(0.05)
        assert len(outbox.runs) == 1  # waiting out the backoff, not hammering the server
        status = await worker.send_now(timeout=5)  # the officer's tap overrides the wait
        assert status.pending == 0 and status.failures == 0 and len(outbox.runs) == 2
    finally:
        await worker.stop()


async def test_ui072_send_now_reports_error() -> None:
    outbox = FakeOutbox(fail_next=5)
    worker = worker_for(outbox)
    try:
        status = await worker.send_now(timeout=5)
        assert status.last_error is not None
        assert "could not be reached" in status.last_error.message()
    finally:
        await worker.stop()


async def test_ui073_not_enrolled_sends_nothing() -> None:
    outbox = FakeOutbox(enrolled=False)
    worker = worker_for(outbox)
    try:
        status = await worker.send_now(timeout=5)
        assert status.pending == 2 and not status.enrolled and outbox.runs == []
    finally:
        await worker.stop()


async def test_ui074_home_shows_outbox(app: AppHarness) -> None:
    await set_up(app)
    session = app.page.data
    assert "outbox-counts" in app.semantics_ids()
    assert "home-enrollment-code" in app.keys()  # not enrolled yet: join, rather than send
    session.home.on_sync_status(
        SyncStatus(enrolled=True, pending=3, sent=1, parked=0, last_error=SyncTransportError())
    )
    await app.settle()
    texts = " ".join(app.texts())
    assert "To send: 3 · Sent: 1 · Needs attention: 0" in texts
    assert SyncTransportError.what in texts
