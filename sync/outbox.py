"""The outbox sender: drains sealed interviews to the referral server, exactly once under any fault.

At-least-once delivery plus server-side deduplication is exactly-once storage: an item stays pending
until a receipt the server signed after committing says it holds it, so a dropped answer, a reset
connection or a killed server only means the same item (same id, same bytes) is sent again, and the
server says "duplicate". Batches go oldest first; failures back off with full jitter,
`uniform(0, min(cap, base * 2**attempt))`, within the caller's deadline; a 429 is honoured.
A 409 (the id holds other content) or another refusal parks the item for a person; a revoked device
stops the run. Progress is reported after every batch.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import httpx

from sync.client import DEFAULT_TIMEOUT, RateLimited, SyncClient
from sync.errors import DeviceRefused, ReceiptError, SyncError, SyncRejected, SyncTransportError
from sync.identity import DeviceIdentity
from sync.receipts import verify_receipt
from sync.stores import DeviceStore, OutboxItem, OutboxStore
from sync.wire import BatchResult, SubmissionBatch, SubmissionItem

__all__ = ["Backoff", "ItemResult", "Outbox", "SyncProgress", "SyncReport"]

ItemStatus = Literal["sent", "duplicate", "parked"]
StopReason = Literal["done", "deadline", "not_enrolled", "refused"]


@dataclass(frozen=True)
class Backoff:
    """Full-jitter exponential backoff: the wait before retry `attempt` (0-based) is random in
    [0, min(cap, base * 2**attempt)] seconds."""

    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.cap, self.base * 2 ** min(attempt, 32)))


@dataclass(frozen=True)
class ItemResult:
    """What happened to one outbox item in this run."""

    item_id: str
    status: ItemStatus
    code: str = ""  # why it was parked: "conflict", "http_413", ...


@dataclass(frozen=True)
class SyncProgress:
    """Shown while sending: how many of this run's items are settled (sent or parked) out of how many."""

    done: int
    total: int
    attempt: int = 0  # consecutive failed tries (0 while things go well)
    waiting: float = 0.0  # seconds until the next try, when backing off


@dataclass
class SyncReport:
    """The outcome of one `send_pending` run."""

    items: list[ItemResult] = field(default_factory=list)
    requests: int = 0
    failures: int = 0
    pending: int = 0  # still in the outbox at the end
    stopped: StopReason = "done"
    error: SyncError | None = None  # the error the run ended on (cleared by any later success)

    @property
    def sent(self) -> int:
        return sum(1 for item in self.items if item.status in ("sent", "duplicate"))

    @property
    def parked(self) -> int:
        return sum(1 for item in self.items if item.status == "parked")

    @property
    def complete(self) -> bool:
        """True when nothing is left to send."""
        return self.pending == 0 and self.stopped == "done"


class Outbox:
    """Sends what the outbox store holds. Needs no officer secret: every item is already sealed.

    Args:
        outbox_store: the device's outbox (the vault).
        device_store: the device's enrollment and signing key (the vault).
        transport: an httpx transport for tests; None for the network.
        batch_size: items per request (50–100 is ~10x faster than one at a time).
        backoff: the retry schedule.
        rng: randomness for the jitter (seed it in tests).
        sleep: how to wait (tests pass a fake).
        stopping: set when the process stops: a wait before a retry ends at once and the run stops.
        timeout: per-request timeouts.
        insecure_http: a test lab's explicit choice to send to a plain http:// server elsewhere.
    """

    def __init__(
        self,
        outbox_store: OutboxStore,
        device_store: DeviceStore,
        transport: httpx.BaseTransport | None = None,
        *,
        batch_size: int = 50,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        insecure_http: bool = False,
        stopping: threading.Event | None = None,
    ) -> None:
        self.insecure_http = insecure_http
        self.stopping = stopping
        self.outbox_store = outbox_store
        self.device_store = device_store
        self.transport = transport
        self.batch_size = max(1, batch_size)
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self.sleep = sleep
        self.timeout = timeout

    def send_pending(
        self, *, deadline: float = 60.0, on_progress: Callable[[SyncProgress], None] | None = None
    ) -> SyncReport:
        """Send everything pending, or as much as `deadline` seconds allow.

        Args:
            deadline: how many seconds this call may take, waits included.
            on_progress: called after every batch and before every wait (for the app's progress bar).

        Returns:
            A report with a result per settled item; `report.complete` is True when the outbox is empty.
        """
        report = SyncReport()
        enrollment = self.device_store.load_enrollment()
        signing_key = self.device_store.device_signing_key()
        if enrollment is None or signing_key is None:
            report.stopped, report.pending = "not_enrolled", self.outbox_store.counts().pending
            return report
        identity = DeviceIdentity.from_raw(enrollment.device_id, signing_key)
        run = _Run(self, report, time.monotonic() + deadline, on_progress, enrollment.receipt_public_key)
        run.device_id = identity.device_id
        client = SyncClient(
            enrollment.server_url,
            identity=identity,
            transport=self.transport,
            timeout=self.timeout,
            insecure_http=self.insecure_http,
        )
        with client:
            run.drain(client)
        report.pending = self.outbox_store.counts().pending
        return report


class _Run:
    """The state of one `send_pending` call."""

    def __init__(
        self,
        outbox: Outbox,
        report: SyncReport,
        ends_at: float,
        on_progress: Callable[[SyncProgress], None] | None,
        receipt_key: bytes,
    ) -> None:
        self.outbox, self.store, self.report = outbox, outbox.outbox_store, report
        self.ends_at, self.on_progress, self.receipt_key = ends_at, on_progress, receipt_key
        self.total = self.store.counts().pending
        self.attempt = 0
        self.device_id = ""
        self.settled: set[str] = set()

    def drain(self, client: SyncClient) -> None:
        while True:
            if time.monotonic() >= self.ends_at:
                self.report.stopped = "deadline"
                return
            batch = self.store.pending(self.outbox.batch_size)
            if not batch:
                return
            try:
                self._send(client, batch)
            except DeviceRefused as error:
                self.report.stopped, self.report.error = "refused", error
                return
            except (SyncTransportError, ReceiptError) as error:
                self.report.failures += 1
                self.report.error = error
                unsettled = [item.id for item in batch if item.id not in self.settled]
                self.store.record_attempt(unsettled, _code(error))
                if not self._wait(error):
                    self.report.stopped = "deadline"
                    return

    def _send(self, client: SyncClient, batch: Sequence[OutboxItem]) -> None:
        try:
            self._submit(client, batch)
        except SyncRejected as error:
            if len(batch) == 1:
                self._settle(batch[0].id, "parked", f"http_{error.params.get('status', 400)}")
                return
            for item in batch:  # find the one the server will not take; the others go through
                self._send(client, [item])

    def _submit(self, client: SyncClient, batch: Sequence[OutboxItem]) -> None:
        request = SubmissionBatch(items=[_wire_item(item) for item in batch])
        self.report.requests += 1
        reply = client.submit(request)
        ids = [item.id for item in batch]
        receipt = reply.result.receipt
        verify_receipt(
            receipt,
            public_key=self.receipt_key,
            device_id=self.device_id,
            body=reply.body,
            sent_ids=ids,
            body_sha256=reply.body_sha256,
        )
        stored = [*receipt.accepted, *receipt.duplicates]
        if stored:
            self.store.mark_sent(stored, _receipt_bytes(reply.result))
            self.settled.update(stored)
        for item_id in receipt.accepted:
            self.report.items.append(ItemResult(item_id, "sent"))
        for item_id in receipt.duplicates:
            self.report.items.append(ItemResult(item_id, "duplicate"))
        for item_id in receipt.conflicts:
            self._settle(item_id, "parked", "conflict")
        for rejected in receipt.rejected:
            self._settle(rejected.interview_id, "parked", rejected.code)
        self.attempt = 0
        self.report.error = None  # the error field tells what is still wrong, not what once was
        self._progress()

    def _settle(self, item_id: str, status: ItemStatus, code: str) -> None:
        self.store.park(item_id, code)
        self.settled.add(item_id)
        self.report.items.append(ItemResult(item_id, status, code))
        self._progress()

    def _wait(self, error: SyncError) -> bool:
        delay = self.outbox.backoff.delay(self.attempt, self.outbox.rng)
        if isinstance(error, RateLimited):
            delay = max(delay, error.retry_after)
        self.attempt += 1
        if time.monotonic() + delay >= self.ends_at:
            return False
        self._progress(waiting=delay)
        stopping = self.outbox.stopping
        if stopping is None:
            self.outbox.sleep(delay)
            return True
        return not stopping.wait(delay)

    def _progress(self, waiting: float = 0.0) -> None:
        if self.on_progress is not None:
            done = len(self.report.items)
            self.on_progress(SyncProgress(done, max(self.total, done), self.attempt, waiting))


def _wire_item(item: OutboxItem) -> SubmissionItem:
    return SubmissionItem(
        interview_id=item.id,
        seq=item.seq,
        protocol_id=item.protocol_id,
        protocol_version=item.protocol_version,
        envelope=base64.b64encode(item.envelope).decode("ascii"),
    )


def _receipt_bytes(result: BatchResult) -> bytes:
    return result.receipt.model_dump_json().encode()


def _code(error: SyncError) -> str:
    if isinstance(error, RateLimited):
        return "rate_limited"
    return "bad_receipt" if isinstance(error, ReceiptError) else "unreachable"
