"""The home screen's listing (`app.home_data.load_home`) on a vault holding N interviews.

    python -m benchmarks home_list [--interviews=200] [--runs=50]

Since schema version 6 an interview's state and times are encrypted, so the listing decrypts each of
the session's rows instead of asking SQLite for the 20 newest. This prints the median and p90 of
`load_home` right after unlock (every row decrypted) and again (the session remembers what it
decrypted), and, as the baseline measured in the same run, one
`SELECT` of every row's id and owner tag (the least any listing must read). Reported, never asserted.

The interviews are made through the public API only (so the same script measures older code too):
a third in progress, a third completed (not enrolled), a third discarded.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from app.home_data import load_home
from app.vault import KdfPolicy, Vault

PASSPHRASE = "benchmark harbour violin 42 amber"  # noqa: S105 - a throwaway vault in a temp folder


def _option(argv: list[str], name: str, default: int) -> int:
    for argument in argv:
        if argument.startswith(f"--{name}="):
            return int(argument.split("=", 1)[1])
    return default


def _populate(vault: Vault, count: int) -> None:
    from sync.sealed import SealedInterview

    state = {"format": "bench", "answers": {"q1": "yes"}, "asked": ["q1"]}
    for index in range(count):
        records = vault.interviews  # each time: keeps the session from locking when idle
        interview_id = records.create(
            protocol_id="border-rapid", protocol_version="1.0.0", engine_state=state, context={}
        )
        if index % 3 == 1:
            document = SealedInterview(
                interview_id=interview_id,
                protocol_id="border-rapid",
                protocol_version="1.0.0",
                answers={"q1": "yes"},
                outcome={"outcome": "possible_indicators"},
            )
            records.complete(interview_id, document)
        elif index % 3 == 2:
            records.discard(interview_id)


def main(argv: list[str]) -> None:
    count = _option(argv, "interviews", 200)
    runs = _option(argv, "runs", 50)
    with tempfile.TemporaryDirectory(prefix="waypoint-bench-home-") as folder:
        vault = Vault.open(Path(folder) / "data", kdf_policy=KdfPolicy.insecure_fast_for_tests())
        vault.create(PASSPHRASE)
        _populate(vault, count)
        cold: list[float] = []
        warm: list[float] = []
        baseline: list[float] = []
        for _ in range(runs):
            vault.lock()
            vault.unlock(PASSPHRASE)
            for samples in (cold, warm):  # the first listing after unlock, then the next one
                began = time.perf_counter()
                home = load_home(vault)
                samples.append(time.perf_counter() - began)
            connection = sqlite3.connect(vault.database_path)
            began = time.perf_counter()
            connection.execute("SELECT id, owner_tag FROM interview").fetchall()
            baseline.append(time.perf_counter() - began)
            connection.close()
        vault.close()
    ms = 1000.0
    shown = f"{len(home.drafts)} drafts, {len(home.finished)} finished"
    print(f"load_home, {count:,} interviews ({shown}), {runs} runs:")
    for name, samples in (("first after unlock", cold), ("again", warm), ("baseline SELECT", baseline)):
        samples.sort()
        median, p90 = statistics.median(samples) * ms, samples[int(len(samples) * 0.9)] * ms
        print(f"  {name:<20} median {median:8.2f} ms   p90 {p90:8.2f} ms")
