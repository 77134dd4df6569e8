"""A kill between answers loses at most the answer being saved, with the change log and compaction.

AC020: a process answering a long interview through `ScreeningService` (one change row per answer, a
       snapshot every `COMPACT_AFTER`) is SIGKILLed after a random 20-150 acknowledged answers plus
       0-50 ms, 12 times. After each kill the file passes `PRAGMA integrity_check`, and the interview
       resumes with every acknowledged answer, in order, and at most one more (saved, its
       acknowledgement cut off). Kills land on both sides of compactions.

Same pattern as tests/vault/test_vault_kill.py, whose pipe readers it uses: a fork-server worker,
acknowledgements written only after each call (and so its commit) returned, every wait bounded by a
count and a timeout.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
from multiprocessing.connection import Connection
from pathlib import Path

from test_vault_answer_log import wide_protocols
from test_vault_kill import Acknowledged, _read_available, _read_until_acknowledged
from vault_kill_worker import _resume_draft
from vault_support import FAST_KDF, SECRET

from app.screening import COMPACT_AFTER, ScreeningService
from app.vault import Vault
from screening_protocols import AskQuestion

KILLS = 12


def run_worker(data_dir: str, ack: Connection, counter: int) -> None:
    """Answer the draft (or a new interview) until killed; `ACK <id> <qid> <json>` after each save."""
    fd = ack.fileno()
    vault = Vault.open(data_dir, kdf_policy=FAST_KDF)
    if vault.has_secret:
        vault.unlock(SECRET)
    else:
        vault.create(SECRET)
    service = ScreeningService(vault, protocols=wide_protocols)
    screening = _resume_draft(vault, service)
    os.write(fd, b"READY\n")
    while True:
        if screening is None:
            screening = service.begin("wide", respondent_language="fr")
        step = screening.step
        if not isinstance(step, AskQuestion):
            screening.finish()
            screening = None
            continue
        question = step.question
        value = "no" if question.id == "q0" else ("yes", "no", "unsure")[counter % 3]
        if question.kind.value == "text":
            value = f"text {counter}"
        screening.answer(value)
        os.write(fd, f"ACK {screening.interview_id} {question.id} {json.dumps(value)}\n".encode())
        counter += 1


def _check(data_dir: Path, acknowledged: Acknowledged) -> None:
    """Every acknowledged answer of the draft is there, in order, and at most one more.

    Then the draft's stored answers become its acknowledged ones: an answer saved whose
    acknowledgement the kill cut off is resumed by the next run, which acknowledges only its own.
    """
    vault = Vault.open(data_dir, kdf_policy=FAST_KDF)
    try:
        assert vault.integrity_check() == "ok"
        vault.unlock(SECRET)
        drafts = [s.id for s in vault.list_interviews() if s.state == "in_progress"]
        assert len(drafts) <= 1
        for interview_id in drafts:
            interview = ScreeningService(vault, protocols=wide_protocols).resume(interview_id).interview
            stored = [(qid, interview.to_dict()["answers"][qid]) for qid in interview.asked]
            acked = list(acknowledged.answers.get(interview_id, {}).items())
            assert stored[: len(acked)] == acked, interview_id
            assert len(stored) - len(acked) <= 1
            acknowledged.answers[interview_id] = dict(stored)
    finally:
        vault.close()


def test_ac020_kill_between_answers_loses_at_most_the_last(tmp_path: Path) -> None:
    rng = random.Random(20261203)
    data_dir = tmp_path / "data"
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["app.screening", "app.vault", "screening_protocols", "sync.envelope"])
    acknowledged = Acknowledged()
    lengths = []
    for run in range(KILLS):
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=run_worker, args=(str(data_dir), writer, run * 1000), daemon=True)
        process.start()
        writer.close()
        fd, pending = reader.fileno(), bytearray()
        assert _read_available(fd, pending, acknowledged, timeout=60), f"run {run}: worker never ready"
        before = acknowledged.lines
        count = rng.randint(20, 150)
        _read_until_acknowledged(fd, pending, acknowledged, 2 * count, timeout=120)  # an ACK counts 2 lines
        assert acknowledged.lines - before >= 2 * count, f"run {run}: too slow"
        _read_available(fd, pending, acknowledged, timeout=rng.uniform(0, 0.05))
        process.kill()  # SIGKILL: no cleanup, no flush
        process.join(10)
        assert process.exitcode == -9, process.exitcode
        _read_available(fd, pending, acknowledged, timeout=0.05)  # lines written before the kill
        reader.close()
        _check(data_dir, acknowledged)
        lengths.append(max(len(answers) for answers in acknowledged.answers.values()))
    assert max(lengths) > COMPACT_AFTER  # the kills came after compactions too
    assert sum(len(answers) for answers in acknowledged.answers.values()) >= KILLS * 20
