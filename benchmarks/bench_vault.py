"""The vault's autosave with and without field encryption, on a vault holding 100,000 interviews.

    python -m benchmarks vault [--interviews=100000] [--writes=2000]

What is timed is `InterviewRecords.save_state`, the snapshot write (every `COMPACT_AFTER` answers and
on pause; each answer appends one change row, `python -m benchmarks answer_log`): encode the engine state,
pad, encrypt (or not), UPDATE, COMMIT with `synchronous=FULL`. Both arms run on the same database,
the same rows and the same code; only the field codec differs (the test-only unencrypted codec is
the baseline). Writes alternate between the arms so machine noise hits both alike.

Also: the real unlock time (production Argon2id, calibrated on this machine), the cost of sealing one
field on its own, and listing 100,000 interviews. Targets: ratio <= 1.5, p99 < 10 ms. Reported, never
asserted.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from app.vault import KdfParams, KdfPolicy, Vault
from app.vault.clock import format_time
from app.vault.fields import FieldCipher, pad
from app.vault.key_file import KeyFile
from app.vault.records import InterviewRecords
from app.vault.spaces import InterviewMeta

PASSPHRASE = "benchmark harbour violin 42 amber"  # noqa: S105 - a throwaway vault in a temp folder
STATE_ANSWERS = {f"q{n}": ("yes", "no", "unsure", "declined")[n % 4] for n in range(12)}


def _option(argv: list[str], name: str, default: int) -> int:
    for arg in argv:
        if arg.startswith(f"--{name}="):
            return int(arg.split("=", 1)[1])
    return default


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _state(step: int) -> dict[str, Any]:
    answers = dict(list(STATE_ANSWERS.items())[: 1 + step % 12])
    return {"format": "waypoint-interview-state/1", "answers": answers, "asked": list(answers), "facts": {}}


def _populate(vault: Vault, count: int) -> list[str]:
    """Insert `count` realistic encrypted in-progress rows in one transaction; return their ids."""
    session = vault._session  # benchmark-only shortcut to the session's keys, for a fast bulk insert
    assert session is not None
    cipher, keys = FieldCipher(session.data_key), session.keys
    context = pad(
        b'{"respondent_language":"fr","officer_language":"en","checks":{},"consent":{"agreed":true}}'
    )
    now = format_time(time.time())
    meta = InterviewMeta("border-rapid", "1.0.0", "in_progress", now, now)
    ids, rows = [], []
    for index in range(count):
        interview_id = str(uuid.uuid4())
        state = pad(repr(_state(index)).encode())
        rows.append(
            (
                interview_id,
                keys.owner_tag(interview_id),
                keys.seal_meta(interview_id, meta),
                cipher.seal("interview", interview_id, "engine_state", state),
                cipher.seal("interview", interview_id, "context", context),
            )
        )
        ids.append(interview_id)
    connection = sqlite3.connect(vault.database_path)
    with connection:
        connection.executemany(
            "INSERT INTO interview (id, owner_tag, meta, engine_state, context) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return ids


def _drafts(records: InterviewRecords, count: int) -> list[str]:
    """In-progress interviews made through the normal path, for the timed autosaves to update."""
    return [
        records.create(
            protocol_id="border-rapid", protocol_version="1.0.0", engine_state=_state(0), context={}
        )
        for _ in range(count)
    ]


def main(argv: list[str]) -> None:
    count = _option(argv, "interviews", 100_000)
    writes = _option(argv, "writes", 2_000)
    with tempfile.TemporaryDirectory(prefix="waypoint-bench-vault-") as folder:
        data_dir = Path(folder) / "data"
        vault = Vault.open(data_dir)
        started = time.perf_counter()
        vault.create(PASSPHRASE)
        create_seconds = time.perf_counter() - started

        started = time.perf_counter()
        _populate(vault, count)
        print(
            f"populated {count:,} encrypted interviews in {time.perf_counter() - started:.1f} s", flush=True
        )

        began = time.perf_counter()
        listed = len(vault.list_interviews())
        list_seconds = time.perf_counter() - began
        records = vault.interviews
        plain_vault = Vault.open(data_dir, insecure_plaintext_fields_for_tests=True)
        plain_vault.unlock(PASSPHRASE)
        plain_records = plain_vault.interviews
        encrypted_ids = _drafts(records, 200)
        plain_ids = _drafts(plain_records, 200)

        rng = random.Random(4)
        encrypted: list[float] = []
        plain: list[float] = []
        for step in range(writes):
            for target, ids, samples in (
                (records, encrypted_ids, encrypted),
                (plain_records, plain_ids, plain),
            ):
                interview_id = rng.choice(ids)
                state = _state(step)
                began = time.perf_counter()
                target.save_state(interview_id, state)
                samples.append(time.perf_counter() - began)

        unlocks = []
        for _ in range(5):
            vault.lock()
            began = time.perf_counter()
            vault.unlock(PASSPHRASE)
            unlocks.append(time.perf_counter() - began)

        cipher = FieldCipher(bytes(32))
        field = pad(repr(_state(11)).encode())
        began = time.perf_counter()
        for _ in range(10_000):
            cipher.seal("interview", "id", "engine_state", field)
        seal_us = (time.perf_counter() - began) / 10_000 * 1e6

        params = KdfPolicy()
        record = KeyFile(data_dir).read()
        assert record is not None
        stored = KdfParams.from_json(record.kdf_params)
        plain_vault.close()
        vault.close()

    ms = 1000.0
    p50_e, p99_e = statistics.median(encrypted) * ms, _percentile(encrypted, 0.99) * ms
    p50_p, p99_p = statistics.median(plain) * ms, _percentile(plain, 0.99) * ms
    print(f"autosave, {writes} writes each, {count:,} interviews stored (synchronous=FULL):")
    print(f"  encrypted   p50 {p50_e:6.3f} ms   p99 {p99_e:6.3f} ms")
    print(f"  unencrypted p50 {p50_p:6.3f} ms   p99 {p99_p:6.3f} ms")
    print(f"  ratio       p50 {p50_e / p50_p:6.3f}x     p99 {p99_e / p99_p:6.3f}x")
    print("  targets     ratio <= 1.5x, encrypted p99 < 10 ms")
    print(f"  sealing one {len(field)} B field alone: {seal_us:.1f} us")
    print(
        f"unlock: Argon2id m={stored.memory_kib} KiB, t={stored.iterations}, p={stored.lanes}"
        f" (floor m={params.min_memory_kib} KiB, t={params.min_iterations}), calibrated at creation"
    )
    print(f"  median of 5: {statistics.median(unlocks):.3f} s")
    print(f"  create, including calibration: {create_seconds:.3f} s")
    print(f"list_interviews, unlocked, first after unlock, {listed:,} rows: {list_seconds:.3f} s")
