"""The process the kill test SIGKILLs: it records answers through `ScreeningService` as fast as it can.

It writes one line to its acknowledgement pipe after each call returns (so only after the commit):

    READY                     unlocked, ready to record
    BEGIN <id>                an interview was started and saved
    ACK <id> <qid> <json>     an answer was saved
    FINISH <id>               the interview was completed

On start it resumes the in-progress interview a previous run left, at the question it was on.
Each line is written with one `os.write` of less than PIPE_BUF bytes, so a kill never tears a line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from multiprocessing.connection import Connection

from vault_support import FAST_KDF, SECRET, protocols_for_tests

from app.screening import Screening, ScreeningService
from app.vault import Vault
from screening_protocols import AskQuestion

PROTOCOL_ID = "vault-test"
VALUES: dict[str, Callable[[int], object]] = {
    "in_danger": lambda n: "no",
    "age": lambda n: n % 90 + 10,
    "works": lambda n: "yes",
    "work_place": lambda n: f"place {n}",
    "papers": lambda n: ("me", "employer", "dont_know")[n % 3],
}


def _say(fd: int, line: str) -> None:
    os.write(fd, (line + "\n").encode())


def _resume_draft(vault: Vault, service: ScreeningService) -> Screening | None:
    drafts = [s.id for s in vault.list_interviews() if s.state == "in_progress"]
    return service.resume(drafts[-1]) if drafts else None


def run(data_dir: str, ack: Connection, start_counter: int) -> None:
    """Record answers until killed (never returns on its own)."""
    ack_fd = ack.fileno()
    vault = Vault.open(data_dir, kdf_policy=FAST_KDF)
    if vault.has_secret:
        vault.unlock(SECRET)
    else:
        vault.create(SECRET)
    service = ScreeningService(vault, protocols=protocols_for_tests)
    screening = _resume_draft(vault, service)
    _say(ack_fd, "READY")
    counter = start_counter
    while True:
        if screening is None:
            screening = service.begin(PROTOCOL_ID, respondent_language="fr")
            _say(ack_fd, f"BEGIN {screening.interview_id}")
        step = screening.step
        if isinstance(step, AskQuestion):
            value = VALUES[step.question.id](counter)
            screening.answer(value)  # type: ignore[arg-type]
            _say(ack_fd, f"ACK {screening.interview_id} {step.question.id} {json.dumps(value)}")
            counter += 1
        else:
            screening.finish(notes=f"notes {counter}")
            _say(ack_fd, f"FINISH {screening.interview_id}")
            screening = None
