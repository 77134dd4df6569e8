"""Opening and listing sealed interviews at the coordinator's desk (issue 14): time and peak memory.

One referral server process on 127.0.0.1 (SQLite, WAL, synchronous=FULL) holds N interviews sealed and
signed by one device enrolled with an authorised code (stored through `crud.store_batch`, the path
`POST /v1/submissions` takes, to keep the set-up short). Each round starts a fresh
`sync.desk.coordinator.CoordinatorDesk`: it enrolls the coordinator, fetches every envelope page by page
over HTTP, opens and verifies each (`open_from`: HPKE, binding, device signature, vouching), then lists
the cases. Time is the median of the rounds (without tracing); peak memory is measured in one more
round under `tracemalloc` (Python allocations: the opened plaintext the desk holds, and the pages).

    python -m benchmarks desk_open [--items N] [--rounds R]
"""

from __future__ import annotations

import argparse
import base64
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from benchmarks.bench_sync import _Device, _start_server
from sync import join
from sync.desk.codes import authorize_code
from sync.desk.coordinator import CoordinatorDesk
from sync.envelope import seal_submission
from sync.sealed import SealedInterview
from sync.server import create_enrollment_code, crud
from sync.server.db import atomic_step, make_engine
from sync.wire import SubmissionBatch, SubmissionItem

BATCH = 100  # MAX_BATCH_ITEMS
OUTCOME = {
    "outcome": "possible_indicators",
    "indicators": [
        {"id": "documents_held_by_employer_or_arranger", "element": "means", "dimension": "coercion",
         "strength": "medium", "because": ["documents_holder"]},
    ],
    "referral_needs": ["documents_consular"],
    "unknown": [],
    "emergency": [],
    "child_rule": False,
}  # fmt: skip


def seal_and_store(database_url: str, server_url: str, key: X25519PrivateKey, items: int) -> None:
    """Enroll a device with an authorised code, seal `items` signed interviews, store them."""
    device = _Device()
    join(authorize_code(create_enrollment_code(database_url, server_url), key), device)
    assert device.enrollment is not None and device.key is not None
    engine = make_engine(database_url)
    keys = crud.OrganisationKeys()
    try:
        for start in range(0, items, BATCH):
            batch = []
            for seq in range(start, min(start + BATCH, items)):
                interview_id = str(uuid.uuid4())
                document = SealedInterview(
                    interview_id, "border-rapid", "1", answers={"documents_holder": "employer"},
                    completed_at="2026-11-30T10:00:00Z", outcome=OUTCOME,
                ).with_device(device.enrollment.device_id)  # fmt: skip
                envelope = seal_submission(
                    document.to_json(),
                    enrollment=device.enrollment,
                    interview_id=interview_id,
                    protocol_id="border-rapid",
                    protocol_version="1",
                    signing_key=device.key,
                )
                batch.append(
                    SubmissionItem(
                        interview_id=interview_id,
                        seq=seq,
                        protocol_id="border-rapid",
                        protocol_version="1",
                        envelope=base64.b64encode(envelope).decode(),
                    )
                )
            with atomic_step(engine) as connection:
                crud.store_batch(
                    connection=connection,
                    device_id=device.enrollment.device_id,
                    batch=SubmissionBatch(items=batch),
                    now=int(time.time() * 1000),
                    keys=keys,
                )
    finally:
        engine.dispose()


def open_and_list(server_url: str, key: X25519PrivateKey, items: int) -> tuple[float, float, int]:
    """One fresh desk: (seconds to refresh, seconds to list, progress calls)."""
    calls = []
    desk = CoordinatorDesk(server_url, key)
    try:
        started = time.perf_counter()
        added = desk.refresh(lambda done, total: calls.append((done, total)))
        opened = time.perf_counter()
        listed = desk.cases()
        finished = time.perf_counter()
    finally:
        desk.close()
    if added != items or len(listed) != items or desk.failures:
        raise SystemExit(f"opened {added}, listed {len(listed)}, failures {len(desk.failures)} of {items}")
    return opened - started, finished - opened, len(calls)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks desk_open")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args(argv)
    key = X25519PrivateKey.generate()
    with tempfile.TemporaryDirectory() as folder:
        public = Path(folder) / "organisation.public.pem"
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        database_url = f"sqlite:///{Path(folder) / 'server' / 'referral.db'}"
        process, url = _start_server(database_url, public)
        try:
            started = time.perf_counter()
            seal_and_store(database_url, url, key, options.items)
            print(f"sealed and stored {options.items} interviews in {time.perf_counter() - started:.1f} s")
            refreshes, listings = [], []
            for _ in range(options.rounds):
                refresh, listing, calls = open_and_list(url, key, options.items)
                refreshes.append(refresh)
                listings.append(listing)
            tracemalloc.start()
            open_and_list(url, key, options.items)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            process.terminate()
            process.wait(timeout=10)
    refresh, listing = statistics.median(refreshes), statistics.median(listings)
    print(
        f"desk open {options.items}: refresh median {refresh:.2f} s ({options.items / refresh:.0f}/s, "
        f"{calls} progress calls), list median {listing * 1000:.0f} ms, "
        f"peak Python memory {peak / 2**20:.0f} MiB ({options.rounds} rounds)"
    )
