"""Nothing a respondent or officer said is readable on the device: the canary scan.

VC001: interviews carrying unique canary strings in answers (free text), notes, checks and consent are
       recorded through `ScreeningService`: drafts, completed ones, then (after enrollment) sealed ones.
       Before and after sealing, no canary appears in the raw bytes of the database, its -wal, -shm and
       -journal files, the whole data folder, the log file every logger wrote to (at DEBUG, including
       SQLAlchemy's statement parameters), or any file written to the temp folder during the test;
       nor in the message of an error raised about a canary-carrying answer.
VC002: the negative control: the same run with field encryption switched off (a test-only switch)
       finds every canary, which proves the scan can see a leak; after sealing, even there, the sealed
       interviews' canaries are gone (secure delete + WAL checkpoint), the drafts' remain.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from vault_support import SECRET, Organisation, all_bytes_under, protocols_for_tests

from app.screening import ScreeningService
from app.vault import Vault
from screening_protocols import AnswerError
from tests.tooling import files_under

MAX_TEMP_FILE = 64 * 1024 * 1024


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Every logger, at DEBUG, into one file for the duration of the test."""
    path = tmp_path / "logs" / "waypoint.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)
    handler.close()


def _temp_bytes_since(started: float) -> bytes:
    """Files in the system temp folder written since the test started (others cannot hold a canary)."""
    chunks = []
    for path in files_under(Path(tempfile.gettempdir())):
        try:  # other processes create and delete files here meanwhile
            stat = path.stat()
            if stat.st_mtime >= started - 1 and stat.st_size <= MAX_TEMP_FILE:
                chunks.append(path.read_bytes())
        except OSError:
            continue
    return b"\n".join(chunks)


class Canaries:
    """Unique strings planted in one scenario, by where they were planted."""

    def __init__(self) -> None:
        self.by_interview: dict[str, list[str]] = {}

    def new(self, interview_key: str) -> str:
        canary = f"CANARY{uuid.uuid4().hex}"
        self.by_interview.setdefault(interview_key, []).append(canary)
        return canary

    def of(self, keys: list[str]) -> list[str]:
        return [c for key in keys for c in self.by_interview[key]]


def _record(vault: Vault, canaries: Canaries, key: str, *, finish: bool) -> str:
    """One interview with canaries in a free-text answer, the checks, the consent and the notes."""
    service = ScreeningService(vault, protocols=protocols_for_tests)
    screening = service.begin(
        "vault-test",
        respondent_language="fr",
        checks={"alone": True, "remark": canaries.new(key)},
        consent={"agreed": True, "restrictions": canaries.new(key)},
    )
    screening.answer("no")
    screening.answer(27)
    screening.answer("yes")
    with pytest.raises(AnswerError) as raised:
        screening.answer("x" * 300 + f"CANARY{uuid.uuid4().hex}")  # too long: refused, never echoed
    assert "CANARY" not in str(raised.value) and "CANARY" not in raised.value.message()
    screening.answer(f"works at {canaries.new(key)}")
    if finish:
        screening.answer("employer")
        screening.finish(notes=f"officer notes {canaries.new(key)}")
    return screening.interview_id


def _scan(data_dir: Path, log_file: Path, started: float) -> dict[str, bytes]:
    database = data_dir / "vault.sqlite3"
    companions = [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    for handler in logging.getLogger().handlers:
        handler.flush()
    return {
        "database": all_bytes_under(database),
        "companions": all_bytes_under(*[p for p in companions if p.exists()]),
        "data dir": all_bytes_under(data_dir),
        "logs": all_bytes_under(log_file),
        "temp": _temp_bytes_since(started),
    }


def _found(scan: dict[str, bytes], canary: str) -> list[str]:
    return [where for where, blob in scan.items() if canary.encode() in blob]


def _scenario(
    open_vault: Callable[..., Vault], data_dir: Path, *, plaintext: bool
) -> tuple[Canaries, list[str], list[str]]:
    canaries = Canaries()
    vault = open_vault(data_dir, insecure_plaintext_fields_for_tests=plaintext)
    vault.create(SECRET)
    drafts = [_record(vault, canaries, f"draft{i}", finish=False) for i in range(3)]
    completed = [_record(vault, canaries, f"done{i}", finish=True) for i in range(3)]
    assert {s.state for s in vault.list_interviews()} == {"in_progress", "completed"}
    assert drafts and completed
    return canaries, [f"draft{i}" for i in range(3)], [f"done{i}" for i in range(3)]


def _seal(
    open_vault: Callable[..., Vault], organisation: Organisation, data_dir: Path, **options: object
) -> None:
    vault = open_vault(data_dir, **options)
    vault.unlock(SECRET)  # an existing vault is enrolled from the officer's session (issue 11, finding 2)
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    vault.seal_completed()
    assert {s.state for s in vault.list_interviews()} == {"in_progress", "sealed"}


def test_vc001_no_canary_anywhere(
    tmp_path: Path, open_vault: Callable[..., Vault], organisation: Organisation, log_file: Path
) -> None:
    started = time.time()
    data_dir = tmp_path / "data"
    canaries, drafts, completed = _scenario(open_vault, data_dir, plaintext=False)
    assert logging.getLogger("sqlalchemy.engine").isEnabledFor(logging.DEBUG)
    scan = _scan(data_dir, log_file, started)
    assert scan["logs"], "the log file is empty: the scan would not see a logged leak"
    for canary in canaries.of(drafts + completed):
        assert _found(scan, canary) == [], canary
    _seal(open_vault, organisation, data_dir)
    scan = _scan(data_dir, log_file, started)
    for canary in canaries.of(drafts + completed):
        assert _found(scan, canary) == [], canary


def test_vc002_negative_control_without_encryption(
    tmp_path: Path, open_vault: Callable[..., Vault], organisation: Organisation, log_file: Path
) -> None:
    started = time.time()
    data_dir = tmp_path / "plain"
    canaries, drafts, completed = _scenario(open_vault, data_dir, plaintext=True)
    scan = _scan(data_dir, log_file, started)
    for canary in canaries.of(drafts + completed):
        assert "data dir" in _found(scan, canary), canary
    _seal(open_vault, organisation, data_dir, insecure_plaintext_fields_for_tests=True)
    scan = _scan(data_dir, log_file, started)
    for canary in canaries.of(drafts):
        assert "database" in _found(scan, canary) or "companions" in _found(scan, canary), canary
    for canary in canaries.of(completed):
        assert {"database", "companions", "data dir"}.isdisjoint(_found(scan, canary)), canary
