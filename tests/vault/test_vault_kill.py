"""Nothing acknowledged is lost when the app is killed.

VK100: a process recording answers through `ScreeningService` is SIGKILLed at a random moment (after a
       random number, 2 to 6, of acknowledged answers, then 0-50 ms more), 50 times (200 with
       --campaign=full). After each kill: `PRAGMA integrity_check` is ok; every acknowledged answer is
       stored (in the draft, or in the completed document); every acknowledged finish is completed; and
       the interrupted draft resumes at the question after its last saved answer.

The worker is a `multiprocessing` process started through a fork server that has already imported the
vault, the engine and sync: each restart skips ~2 s of imports, which keeps 50 kills within the suite's
time budget, and the workers are forked from a clean single-threaded server, not from this test
process. Each runs the real vault and screening code on its own SQLite connections.
Acknowledgements travel through a pipe, written only after each call (and so its commit) returned.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import vault_kill_worker
from vault_support import FAST_KDF, SECRET, protocols_for_tests

from app.screening import ScreeningService, replayed
from app.vault import Vault
from screening_protocols import AskQuestion


@dataclass
class Acknowledged:
    answers: dict[str, dict[str, object]] = field(default_factory=dict)  # interview id -> qid -> value
    finished: set[str] = field(default_factory=set)
    lines: int = 0  # acknowledgement lines (ACK and FINISH) read so far


def _read_available(fd: int, pending: bytearray, acknowledged: Acknowledged, timeout: float) -> bool:
    """Read what the worker wrote; True once it said READY at least once in this chunk."""
    ready = False
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        pending.extend(chunk)
        *complete, rest = pending.split(b"\n")
        pending[:] = rest
        for raw in complete:
            kind, *parts = raw.decode().split(" ", 3)
            acknowledged.lines += 1
            if kind == "READY":
                ready = True
            elif kind == "BEGIN":
                acknowledged.answers.setdefault(parts[0], {})
            elif kind == "ACK":
                acknowledged.answers.setdefault(parts[0], {})[parts[1]] = json.loads(parts[2])
                acknowledged.lines += 1
            elif kind == "FINISH":
                acknowledged.finished.add(parts[0])
                acknowledged.lines += 1
        if ready:
            return True
    return ready


def _read_until_acknowledged(
    fd: int, pending: bytearray, acknowledged: Acknowledged, count: int, timeout: float
) -> None:
    """Read until `count` more answers or finishes are acknowledged (a count, not a time: a loaded
    machine makes the worker slower, never the campaign weaker), or `timeout` seconds pass."""
    target = acknowledged.lines + count
    deadline = time.monotonic() + timeout
    while acknowledged.lines < target and (remaining := deadline - time.monotonic()) > 0:
        _read_available(fd, pending, acknowledged, timeout=min(remaining, 0.05))


def _answers_in_progress(vault: Vault, interview_id: str) -> dict[str, object]:
    """The answers of an in-progress interview as a resume sees them: snapshot, then change rows."""
    stored = vault.interviews.load(interview_id)
    interview, _ = replayed(stored.engine_state, stored.changes)
    return {qid: interview.to_dict()["answers"][qid] for qid in interview.asked}


def _check(data_dir: Path, acknowledged: Acknowledged, only: set[str]) -> None:
    vault = Vault.open(data_dir, kdf_policy=FAST_KDF)
    try:
        assert vault.integrity_check() == "ok"
        vault.unlock(SECRET)
        states = {s.id: s.state for s in vault.list_interviews()}
        for interview_id in only:
            saved = acknowledged.answers[interview_id]
            state = states.get(interview_id)
            if interview_id in acknowledged.finished:
                assert state == "completed", (interview_id, state)
            if state == "completed":
                stored = vault.interviews.load_completed(interview_id).answers
            else:
                assert state == "in_progress", (interview_id, state)
                stored = _answers_in_progress(vault, interview_id)
            assert {qid: stored.get(qid) for qid in saved} == saved, interview_id
            assert len(stored) - len(saved) <= 1  # at most one committed answer whose ack was cut off
            if state == "in_progress":
                step = ScreeningService(vault, protocols=protocols_for_tests).resume(interview_id).step
                asked = list(_answers_in_progress(vault, interview_id))
                if isinstance(step, AskQuestion):
                    assert step.question.id not in asked  # resumes at the next unanswered question
    finally:
        vault.close()


def test_vk100_kill_campaign(tmp_path: Path, campaign_full: bool) -> None:
    kills = 200 if campaign_full else 50
    rng = random.Random(20260401)
    data_dir = tmp_path / "data"
    context = multiprocessing.get_context("forkserver")
    # Installed packages only: Python 3.11's fork server ignores the test folder on sys.path.
    context.set_forkserver_preload(["app.screening", "app.vault", "screening_protocols", "sync.envelope"])
    acknowledged = Acknowledged()
    touched_before: set[str] = set()
    for run in range(kills):
        reader, writer = context.Pipe(duplex=False)
        worker: Callable[..., None] = vault_kill_worker.run
        process = context.Process(target=worker, args=(str(data_dir), writer, run * 1000), daemon=True)
        process.start()
        writer.close()
        read_fd = reader.fileno()
        pending = bytearray()
        seen_before = {k: len(v) for k, v in acknowledged.answers.items()}
        assert _read_available(read_fd, pending, acknowledged, timeout=60), f"run {run}: worker never ready"
        _read_until_acknowledged(read_fd, pending, acknowledged, rng.randint(2, 6), timeout=60)
        _read_available(read_fd, pending, acknowledged, timeout=rng.uniform(0, 0.05))
        process.kill()  # SIGKILL: no cleanup, no flush, no atexit
        process.join(10)
        assert process.exitcode == -9, process.exitcode
        _read_available(read_fd, pending, acknowledged, timeout=0.05)  # lines written before the kill
        reader.close()
        touched = {k for k, v in acknowledged.answers.items() if len(v) != seen_before.get(k, -1)}
        _check(data_dir, acknowledged, touched | touched_before)
        touched_before = touched
    _check(data_dir, acknowledged, set(acknowledged.answers))
    answered = sum(len(v) for v in acknowledged.answers.values())
    assert answered >= kills * 2, f"only {answered} answers acknowledged in {kills} runs"
    assert len(acknowledged.finished) > 5
    print(f"kill campaign: {kills} kills, {answered} answers, {len(acknowledged.finished)} finishes acked")
