"""Exactly once under faults, against a real server process on 127.0.0.1.

FT001: through a proxy that resets connections before requests and drops responses after the server
       committed, every interview ends on the server exactly once and opens to exactly what was recorded.
FT002: with the server SIGKILLed mid-batch and restarted, again every interview is stored exactly once
       and opens to exactly what was recorded.
FT003: negative control: the same seeded proxy faults against a server with deduplication switched off
       leave duplicates, and the same check reports them, so FT001 would catch a broken server.

Sizes: 1,000 interviews by default and in CI; 5,000 (and more kills) with `--campaign=full`.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fault_proxy import FaultProxy, Faults
from sqlalchemy import create_engine, func, select
from sync_fakes import MemoryDeviceStore, MemoryOutboxStore
from sync_servers import ServerProcess

from sync import Backoff, Outbox, SyncProgress, join, open_submission
from sync.sealed import SealedInterview
from sync.server import create_enrollment_code
from sync.server.models import AuditEvent, Submission

FAST_RETRIES = Backoff(base=0.01, cap=0.2)
MAX_RUNS = 20  # send_pending calls per scenario; each is bounded by its own deadline


def _size(campaign_full: bool) -> int:
    return 5000 if campaign_full else 1000


def _settings(database_url: str, public_key_file: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "database_url": database_url,
        "public_key_file": str(public_key_file),
        "rate_limit_per_minute": 1_000_000,
        "rate_limit_burst": 1_000_000,
        **overrides,
    }


def _enrolled_device(server: ServerProcess, database_url: str, send_to: str) -> MemoryDeviceStore:
    """Enroll straight with the server, then send through `send_to` (the proxy, or the server itself)."""
    store = MemoryDeviceStore()
    join(create_enrollment_code(database_url, server.url), store)
    assert store.enrollment is not None
    store.enrollment = dataclasses.replace(store.enrollment, server_url=send_to)
    return store


def _record(store: MemoryDeviceStore, count: int) -> tuple[MemoryOutboxStore, dict[str, bytes]]:
    """Seal `count` small interviews into a fresh outbox; return it and what was recorded."""
    assert store.enrollment is not None
    outbox, recorded = MemoryOutboxStore(), {}
    for index in range(count):
        interview_id = str(uuid.uuid4())
        document = SealedInterview(interview_id, "adult", "1", answers={"q1": index})
        plaintext = document.with_device(store.enrollment.device_id).to_json()
        outbox.seal_and_add(store.enrollment, interview_id, plaintext)
        recorded[interview_id] = plaintext
    return outbox, recorded


def _drain(outbox: Outbox, on_progress: Any = None) -> tuple[int, int]:
    """Send until the outbox is empty (bounded); return (requests, failed requests)."""
    requests = failures = 0
    for _ in range(MAX_RUNS):
        report = outbox.send_pending(deadline=60, on_progress=on_progress)
        requests, failures = requests + report.requests, failures + report.failures
        if report.complete:
            return requests, failures
    pytest.fail(f"the outbox did not drain in {MAX_RUNS} runs")


def exactly_once_problems(
    database_url: str, private_key: X25519PrivateKey, recorded: dict[str, bytes]
) -> list[str]:
    """Everything wrong with what the server holds: duplicates, missing, unexpected, or altered rows."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Submission.__table__)).mappings().all()
    finally:
        engine.dispose()
    problems: list[str] = []
    counts = Counter(row["interview_id"] for row in rows)
    problems += [f"duplicate: {item} x{n}" for item, n in sorted(counts.items()) if n > 1]
    problems += [f"missing: {item}" for item in sorted(set(recorded) - set(counts))]
    problems += [f"unexpected: {item}" for item in sorted(set(counts) - set(recorded))]
    for row in rows:
        if row["interview_id"] not in recorded:
            continue
        opened = open_submission(
            bytes(row["envelope"]),
            private_key=private_key,
            device_id=row["device_id"],
            interview_id=row["interview_id"],
            protocol_id=row["protocol_id"],
            protocol_version=row["protocol_version"],
        )
        if opened != recorded[row["interview_id"]]:
            problems.append(f"altered: {row['interview_id']}")
    return problems


def _duplicates_seen(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            statement = select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "duplicate")  # type: ignore[arg-type]
            return int(connection.execute(statement).scalar_one())
    finally:
        engine.dispose()


def _proxy_run(
    tmp_path: Path, public_key_file: Path, count: int, *, deduplicate: bool
) -> tuple[str, dict[str, bytes], FaultProxy, int]:
    database_url = f"sqlite:///{tmp_path / 'referral.db'}"
    server = ServerProcess(
        _settings(database_url, public_key_file, deduplicate=deduplicate), log_path=tmp_path / "server.log"
    )
    faults = Faults(reset_request=0.10, drop_response=0.15, delay=0.05)
    with server.running(), FaultProxy(server.port, faults, seed=20260401) as proxy:
        store = _enrolled_device(server, database_url, proxy.url)
        outbox_store, recorded = _record(store, count)
        outbox = Outbox(outbox_store, store, batch_size=10, backoff=FAST_RETRIES, rng=random.Random(7))
        requests, failures = _drain(outbox)
        assert outbox_store.counts().sent == count and not outbox_store.parked
    assert failures > 0 and requests > count // 10
    print(
        f"proxy run (dedup={deduplicate}): {requests} requests, {failures} failed, faults {dict(proxy.stats)}"
    )
    return database_url, recorded, proxy, failures


@pytest.mark.timeout(600)
def test_ft001_exactly_once_through_a_faulty_network(
    tmp_path: Path, public_key_file: Path, organisation_key: X25519PrivateKey, campaign_full: bool
) -> None:
    database_url, recorded, proxy, _failures = _proxy_run(
        tmp_path, public_key_file, _size(campaign_full), deduplicate=True
    )
    assert proxy.stats["reset_before_request"] > 0 and proxy.stats["response_dropped"] > 0, proxy.stats
    assert exactly_once_problems(database_url, organisation_key, recorded) == []
    duplicates = _duplicates_seen(database_url)
    print(f"server deduplicated {duplicates} resent interview(s)")
    assert duplicates > 0  # dropped answers were resent and deduplicated


@pytest.mark.timeout(600)
def test_ft003_negative_control_without_deduplication(
    tmp_path: Path, public_key_file: Path, organisation_key: X25519PrivateKey, campaign_full: bool
) -> None:
    database_url, recorded, proxy, _failures = _proxy_run(
        tmp_path, public_key_file, _size(campaign_full), deduplicate=False
    )
    assert proxy.stats["response_dropped"] > 0, proxy.stats
    problems = exactly_once_problems(database_url, organisation_key, recorded)
    duplicates = [problem for problem in problems if problem.startswith("duplicate:")]
    assert duplicates, "dropped responses were resent, so a server without deduplication must hold duplicates"
    assert all(problem.startswith("duplicate:") for problem in problems)
    print(f"negative control: {len(duplicates)} duplicated interview(s) found")


class _Killer(threading.Thread):
    """SIGKILLs the server soon after each batch it sees committed, then restarts it; bounded."""

    def __init__(self, server: ServerProcess, kills: int, seed: int) -> None:
        super().__init__(daemon=True)
        self.server, self.kills, self.rng = server, kills, random.Random(seed)
        self.progressed, self.finished = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []

    def on_progress(self, progress: SyncProgress) -> None:
        if progress.done:
            self.progressed.set()

    def run(self) -> None:
        try:
            for _ in range(self.kills):
                self.progressed.clear()
                if not self.progressed.wait(timeout=60) or self.finished.is_set():
                    return
                threading.Event().wait(self.rng.uniform(0.0, 0.03))  # land inside the next batch
                self.server.kill()
                threading.Event().wait(0.2)
                self.server.start()
        except BaseException as error:  # reported by the test, not lost in the thread
            self.errors.append(error)


@pytest.mark.timeout(600)
def test_ft002_exactly_once_with_the_server_killed_mid_batch(
    tmp_path: Path, public_key_file: Path, organisation_key: X25519PrivateKey, campaign_full: bool
) -> None:
    count, kills = (5000, 20) if campaign_full else (1000, 3)
    database_url = f"sqlite:///{tmp_path / 'referral.db'}"
    server = ServerProcess(_settings(database_url, public_key_file), log_path=tmp_path / "server.log")
    server.start()
    try:
        store = _enrolled_device(server, database_url, server.url)
        outbox_store, recorded = _record(store, count)
        outbox = Outbox(outbox_store, store, batch_size=10, backoff=FAST_RETRIES, rng=random.Random(11))
        killer = _Killer(server, kills, seed=5)
        killer.start()
        _requests, failures = _drain(outbox, on_progress=killer.on_progress)
        killer.finished.set()
        killer.progressed.set()
        killer.join(timeout=60)
        assert killer.errors == []
        if server.process is None or server.process.poll() is not None:
            server.start()
    finally:
        server.stop()
    print(f"kill run: {server.kills} kills, {_requests} requests, {failures} failed")
    assert server.kills == kills and failures > 0, (server.kills, failures)
    assert exactly_once_problems(database_url, organisation_key, recorded) == []
