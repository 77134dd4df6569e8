"""Sync throughput and latency against the referral server, with the server's own ceiling as baseline.

Measured in one run, on 127.0.0.1, SQLite (WAL, synchronous=FULL):

1. raw insert ceiling: `crud.store_batch` + commit, in-process, no HTTP, no signatures (items/s);
2. end to end: one device's `Outbox.send_pending` to a server process (sealed, signed, receipts checked);
3. 50 concurrent devices, each sending batches: p50 and p99 request latency, aggregate items/s.

    python -m benchmarks sync [--items N] [--rounds R]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync import Enrollment, Outbox, OutboxCounts, OutboxItem, join, seal_submission
from sync.client import SyncClient
from sync.identity import DeviceIdentity
from sync.server import create_enrollment_code, crud
from sync.server.db import atomic_step, make_engine
from sync.wire import SubmissionBatch, SubmissionItem

BATCH = 50
DEVICES = 50
PLAINTEXT_BYTES = 4000  # about one interview's sealed JSON


class _Device:
    """An in-memory device: enrollment, key, and an outbox (the benchmark must not import tests)."""

    def __init__(self) -> None:
        self.enrollment: Enrollment | None = None
        self.key: bytes | None = None
        self.items: dict[str, OutboxItem] = {}
        self.sent = 0

    def load_enrollment(self) -> Enrollment | None:
        return self.enrollment

    def device_signing_key(self) -> bytes | None:
        return self.key

    def save_enrollment(self, enrollment: Enrollment, signing_key: bytes) -> None:
        self.enrollment, self.key = enrollment, signing_key

    def pending(self, limit: int) -> list[OutboxItem]:
        return sorted(self.items.values(), key=lambda item: item.seq)[:limit]

    def mark_sent(self, item_ids: Sequence[str], receipt: bytes) -> None:
        for item_id in item_ids:
            del self.items[item_id]
        self.sent += len(item_ids)

    def record_attempt(self, item_ids: Sequence[str], error_code: str) -> None:
        pass

    def park(self, item_id: str, reason_code: str) -> None:
        del self.items[item_id]

    def counts(self) -> OutboxCounts:
        return OutboxCounts(pending=len(self.items), sent=self.sent, parked=0)

    def seal(self, count: int) -> None:
        assert self.enrollment is not None
        for seq in range(count):
            interview_id = str(uuid.uuid4())
            envelope = seal_submission(
                os.urandom(PLAINTEXT_BYTES // 2).hex().encode(),
                enrollment=self.enrollment,
                interview_id=interview_id,
                protocol_id="adult",
                protocol_version="1",
            )
            self.items[interview_id] = OutboxItem(interview_id, seq, "adult", "1", "k", envelope, 0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(database_url: str, public_key: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    script = (
        "import uvicorn\nfrom sync.server import ServerSettings, create_app\n"
        f"settings = ServerSettings(database_url={database_url!r}, public_key_file={str(public_key)!r},"
        " rate_limit_per_minute=10**9, rate_limit_burst=10**9, enroll_rate_limit_per_minute=10**9,"
        " address_rate_limit_per_minute=10**9, address_rate_limit_burst=10**9)\n"
        f"uvicorn.run(create_app(settings), host='127.0.0.1', port={port}, log_level='warning')\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the referral server did not start")


def raw_insert_rate(database_url: str, enrollment: Enrollment, items: int) -> float:
    """Items per second that storage alone takes: store_batch + commit, batches of BATCH, same database."""
    engine = make_engine(database_url)
    device = _Device()
    device.enrollment = enrollment
    device.seal(items)
    batches = [device.pending(items)[start : start + BATCH] for start in range(0, items, BATCH)]
    wire = [
        SubmissionBatch(
            items=[
                SubmissionItem(
                    interview_id=item.id,
                    seq=item.seq,
                    protocol_id="adult",
                    protocol_version="1",
                    envelope=base64.b64encode(item.envelope).decode(),
                )
                for item in batch
            ]
        )
        for batch in batches
    ]
    keys = crud.OrganisationKeys()
    started = time.perf_counter()
    for batch in wire:
        with atomic_step(engine) as connection:
            crud.store_batch(connection=connection, device_id="raw", batch=batch, now=0, keys=keys)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return items / elapsed


def end_to_end_rate(database_url: str, url: str, items: int) -> float:
    """Items per second through one device's outbox: sealed, signed, sent, receipts verified."""
    device = _Device()
    join(create_enrollment_code(database_url, url), device)
    device.seal(items)
    started = time.perf_counter()
    report = Outbox(device, device, batch_size=BATCH).send_pending(deadline=300)
    elapsed = time.perf_counter() - started
    if not report.complete:
        raise SystemExit(f"end-to-end run did not finish: {report.stopped}")
    return items / elapsed


def concurrent_latencies(
    database_url: str, url: str, batches_each: int, batch: int
) -> tuple[list[float], float]:
    """DEVICES threads, each sending `batches_each` batches; per-request latencies and items/s overall."""
    devices = []
    for _ in range(DEVICES):
        device = _Device()
        join(create_enrollment_code(database_url, url), device)
        device.seal(batches_each * batch)
        devices.append(device)
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(DEVICES + 1)

    def run(device: _Device) -> None:
        assert device.enrollment is not None and device.key is not None
        identity = DeviceIdentity.from_raw(device.enrollment.device_id, device.key)
        with SyncClient(url, identity=identity) as client:
            start.wait()
            for _ in range(batches_each):
                items = device.pending(batch)
                request = SubmissionBatch(
                    items=[
                        SubmissionItem(
                            interview_id=item.id,
                            seq=item.seq,
                            protocol_id="adult",
                            protocol_version="1",
                            envelope=base64.b64encode(item.envelope).decode(),
                        )
                        for item in items
                    ]
                )
                began = time.perf_counter()
                client.submit(request)
                took = time.perf_counter() - began
                device.mark_sent([item.id for item in items], b"")
                with lock:
                    latencies.append(took)

    threads = [threading.Thread(target=run, args=(device,)) for device in devices]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return latencies, DEVICES * batches_each * batch / elapsed


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks sync")
    parser.add_argument("--items", type=int, default=1000, help="interviews per throughput round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--database-url", default=None, help="server database (default: a new SQLite file)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        organisation = X25519PrivateKey.generate()
        public_key = folder / "organisation.public.pem"
        public_key.write_bytes(
            organisation.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        database_url = options.database_url or f"sqlite:///{folder / 'referral.db'}"
        process, url = _start_server(database_url, public_key)
        try:
            probe = _Device()
            join(create_enrollment_code(database_url, url), probe)
            assert probe.enrollment is not None
            raw = statistics.median(
                raw_insert_rate(database_url, probe.enrollment, options.items) for _ in range(options.rounds)
            )
            e2e = statistics.median(
                end_to_end_rate(database_url, url, options.items) for _ in range(options.rounds)
            )
            latencies, aggregate = concurrent_latencies(database_url, url, batches_each=10, batch=10)
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(f"raw insert ceiling (store_batch + commit, batch {BATCH}): {raw:,.0f} items/s")
    print(f"end to end, one device (batch {BATCH}, sealed, signed, receipts): {e2e:,.0f} items/s")
    print(f"ratio end to end / raw ceiling: {e2e / raw:.2f}")
    print(
        f"{DEVICES} concurrent devices, batches of 10: p50 {_percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {_percentile(latencies, 0.99) * 1000:.0f} ms over {len(latencies)} requests; "
        f"{aggregate:,.0f} items/s in all"
    )
    print(
        json.dumps(
            {
                "raw_items_per_s": round(raw),
                "e2e_items_per_s": round(e2e),
                "ratio": round(e2e / raw, 3),
                "p50_ms": round(_percentile(latencies, 0.5) * 1000, 1),
                "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
            }
        )
    )
