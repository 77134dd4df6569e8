"""The outbox sender against a scripted server (httpx.MockTransport): retries, parking, receipts, progress.

OB001: transport failures and 5xx are retried with full-jitter backoff within the deadline, then succeed.
OB002: the backoff is uniform(0, min(cap, base * 2**attempt)).
OB003: a receipt that does not verify (wrong key, other body, missing id) marks nothing sent.
OB004: a 409 conflict parks that item and stores the rest; a refused item is parked with its code.
OB005: a revoked device stops the run with a clear error and keeps every item.
OB006: a captive portal's 200 page is a transport failure, never a success.
OB007: the deadline bounds a run against a server that never answers well.
OB008: progress is reported after every batch, ending at (total, total); batches respect the size.
OB009: without an enrollment nothing is sent and the report says why.
OB010: every request is signed afresh (new nonce) even when it is a retry of the same batch.
OB011: when the process stops (`stopping` set) a run waiting to retry ends at once, nothing lost.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_fakes import MemoryDeviceStore, MemoryOutboxStore, make_enrollment

from sync import Backoff, Outbox, SyncProgress
from sync.identity import ed25519_public_bytes, ed25519_raw_private
from sync.receipts import sign_receipt
from sync.signing import parse_signature
from sync.wire import BatchResult, RejectedItem

RECEIPT_KEY = Ed25519PrivateKey.generate()
ORG_KEY = X25519PrivateKey.generate()
Handler = Callable[[httpx.Request], httpx.Response]


def _device() -> MemoryDeviceStore:
    enrollment = make_enrollment(ORG_KEY, str(uuid.uuid4()), server_url="https://server.test")
    enrollment = type(enrollment)(
        **{**enrollment.__dict__, "receipt_public_key": ed25519_public_bytes(RECEIPT_KEY)}
    )
    return MemoryDeviceStore(enrollment, ed25519_raw_private(Ed25519PrivateKey.generate()))


def _outbox(device: MemoryDeviceStore, count: int) -> MemoryOutboxStore:
    assert device.enrollment is not None
    store = MemoryOutboxStore()
    for index in range(count):
        store.seal_and_add(device.enrollment, f"item-{index:03d}", b"{}")
    return store


def receipt_for(
    request: httpx.Request,
    *,
    key: Ed25519PrivateKey = RECEIPT_KEY,
    conflicts: tuple[str, ...] = (),
    rejected: tuple[str, ...] = (),
    drop: int = 0,
    status: int = 200,
) -> httpx.Response:
    """What a correct server answers, optionally with conflicts, refusals or ids left out."""
    ids = [item["interview_id"] for item in json.loads(request.content)["items"]]
    accepted = [item for item in ids if item not in conflicts and item not in rejected][drop:]
    receipt = sign_receipt(
        key,
        device_id=request.headers["x-device-id"],
        body=request.content,
        server_time=1,
        accepted=accepted,
        duplicates=[],
        conflicts=list(conflicts),
        rejected=[RejectedItem(interview_id=item, code="bad_envelope") for item in rejected],
    )
    return httpx.Response(status, json=BatchResult(receipt=receipt).model_dump(mode="json"))


class Script:
    """Answers requests from a list of handlers in turn (the last one repeats); records requests."""

    def __init__(self, *handlers: Handler) -> None:
        self.handlers, self.requests = list(handlers), []  # type: ignore[var-annotated]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.handlers.pop(0) if len(self.handlers) > 1 else self.handlers[0]
        return handler(request)


def _sender(device: MemoryDeviceStore, store: MemoryOutboxStore, script: Script, **options: object) -> Outbox:
    slept: list[float] = []
    options.setdefault("sleep", slept.append)
    options.setdefault("rng", random.Random(1))
    outbox = Outbox(store, device, httpx.MockTransport(script), **options)  # type: ignore[arg-type]
    outbox.slept = slept  # type: ignore[attr-defined]
    return outbox


def _fail_connect(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("down", request=request)


def test_ob001_retries_then_succeeds() -> None:
    device = _device()
    store = _outbox(device, 3)
    script = Script(_fail_connect, lambda r: httpx.Response(503), lambda r: httpx.Response(500), receipt_for)
    outbox = _sender(device, store, script)
    report = outbox.send_pending(deadline=30)
    assert report.complete and report.sent == 3 and report.failures == 3 and report.error is None
    assert len(outbox.slept) == 3  # type: ignore[attr-defined]
    assert store.errors == ["unreachable"] * 3
    assert all(item.attempts == 0 for item in store.items.values())


def test_ob002_full_jitter_bounds() -> None:
    backoff, rng = Backoff(base=0.5, cap=4.0), random.Random(3)
    for attempt in range(12):
        ceiling = min(4.0, 0.5 * 2**attempt)
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling * 0.8  # it spreads over the whole range, not a fixed wait
    assert Backoff().delay(10_000, rng) <= Backoff().cap


@pytest.mark.parametrize(
    "answer",
    [
        lambda r: receipt_for(r, key=Ed25519PrivateKey.generate()),
        lambda r: receipt_for(r, drop=1),
        lambda r: receipt_for(httpx.Request("POST", r.url, headers=r.headers, content=b'{"items": []}')),
    ],
    ids=["wrong-key", "missing-id", "other-body"],
)
def test_ob003_bad_receipts_mark_nothing_sent(answer: Handler) -> None:
    device = _device()
    store = _outbox(device, 2)
    report = _sender(device, store, Script(answer)).send_pending(deadline=0.5)
    assert store.sent == {} and store.counts().pending == 2
    assert "bad_receipt" in store.errors and not report.complete


def test_ob004_conflicts_and_refusals_are_parked() -> None:
    device = _device()
    store = _outbox(device, 4)
    script = Script(lambda r: receipt_for(r, conflicts=("item-001",), rejected=("item-002",), status=409))
    report = _sender(device, store, script).send_pending(deadline=5)
    assert store.parked == {"item-001": "conflict", "item-002": "bad_envelope"}
    assert sorted(store.sent) == ["item-000", "item-003"]
    assert report.complete and report.parked == 2 and report.sent == 2


def test_ob004_a_refused_batch_is_split_to_find_the_bad_item() -> None:
    device = _device()
    store = _outbox(device, 3)

    def refuse_item_1(request: httpx.Request) -> httpx.Response:
        ids = [item["interview_id"] for item in json.loads(request.content)["items"]]
        if "item-001" in ids:
            return httpx.Response(422, json={"code": "invalid_request", "detail": "no"})
        return receipt_for(request)

    report = _sender(device, store, Script(refuse_item_1)).send_pending(deadline=5)
    assert store.parked == {"item-001": "http_422"} and sorted(store.sent) == ["item-000", "item-002"]
    assert report.complete


def test_ob005_revoked_device_stops() -> None:
    device = _device()
    store = _outbox(device, 2)
    script = Script(lambda r: httpx.Response(403, json={"code": "device_revoked", "detail": "revoked"}))
    report = _sender(device, store, script).send_pending(deadline=5)
    assert report.stopped == "refused" and report.pending == 2 and len(script.requests) == 1
    assert report.error is not None and "no longer accepts this device" in report.error.message()


def test_ob006_captive_portal_is_not_success() -> None:
    device = _device()
    store = _outbox(device, 1)
    portal = Script(lambda r: httpx.Response(200, text="<html>Please log in to the hotel wifi</html>"))
    report = _sender(device, store, portal).send_pending(deadline=0.3)
    assert store.sent == {} and report.failures >= 1 and not report.complete


def test_ob007_deadline_bounds_the_run() -> None:
    device = _device()
    store = _outbox(device, 1)
    outbox = _sender(
        device, store, Script(_fail_connect), sleep=lambda s: None, backoff=Backoff(0.001, 0.002)
    )
    started = time.monotonic()
    report = outbox.send_pending(deadline=0.3)
    assert time.monotonic() - started < 2.0
    assert report.stopped == "deadline" and report.pending == 1


def test_ob008_progress_and_batch_size() -> None:
    device = _device()
    store = _outbox(device, 7)
    script = Script(receipt_for)
    seen: list[SyncProgress] = []
    report = _sender(device, store, script, batch_size=3).send_pending(deadline=5, on_progress=seen.append)
    sizes = [len(json.loads(request.content)["items"]) for request in script.requests]
    assert sizes == [3, 3, 1]
    assert [(p.done, p.total) for p in seen] == [(3, 7), (6, 7), (7, 7)]
    assert report.sent == 7 and [item.item_id for item in report.items] == sorted(store.sent)


def test_ob009_not_enrolled() -> None:
    store = MemoryOutboxStore()
    report = Outbox(store, MemoryDeviceStore(), httpx.MockTransport(receipt_for)).send_pending(deadline=1)
    assert report.stopped == "not_enrolled" and not report.complete


def test_ob010_each_try_is_signed_afresh() -> None:
    device = _device()
    store = _outbox(device, 1)
    script = Script(_fail_connect, _fail_connect, receipt_for)
    _sender(device, store, script).send_pending(deadline=5)
    nonces = [
        parse_signature(r.headers, method="POST", path="/v1/submissions").nonce for r in script.requests
    ]
    assert len(nonces) == 3 and len(set(nonces)) == 3
    assert len({request.content for request in script.requests}) == 1  # same bytes: same idempotent batch


def test_ob011_stopping_ends_a_wait_before_a_retry() -> None:
    device = _device()
    store = _outbox(device, 2)
    stopping = threading.Event()
    tries: list[int] = []

    def refuse_then_stop(request: httpx.Request) -> httpx.Response:
        tries.append(1)
        stopping.set()  # the app closes while the sender is about to wait an hour
        raise httpx.ConnectError("down", request=request)

    outbox = Outbox(
        store, device, httpx.MockTransport(refuse_then_stop), backoff=Backoff(3600.0, 3600.0),
        rng=random.Random(1), stopping=stopping,
    )  # fmt: skip
    report = outbox.send_pending(deadline=7200)
    assert len(tries) == 1 and report.stopped == "deadline" and report.pending == 2
