"""`waypoint desk export --format htcds`: what arrived, as HTCDS 2.0 rows (see tests/interop for values).

DH001: the desk opens every submission and writes one row per interview (CSV, XLSX or JSON, by the
       --out suffix), 0600, with pseudonymous ids and no free text; what cannot be opened is reported by
       id and the command exits 1; the default format still writes one JSON file per interview.
       The sender is verified as for every desk export (`open_from`): an unsigned interview is not a
       row (`unsigned`), and --accept-unverified is refused for HTCDS.
DH002: a bad suffix is refused before anything is opened; --htcds-settings allows names.
"""

from __future__ import annotations

import csv
import io
import json
import stat
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_fakes import MemoryDeviceStore, MemoryOutboxStore
from sync_servers import InProcessTransport

from screening_protocols import get_protocol
from screening_protocols.runner import run_answers
from sync import Outbox, join
from sync.desk import generate_organisation_keys, load_private_key
from sync.desk.codes import authorize_code
from sync.desk.keys import KeyFiles
from sync.sealed import SealedInterview
from sync.server import ServerSettings, create_app, create_enrollment_code
from sync.stores import Enrollment
from waypoint.cli import main

PASSPHRASE = "a long desk passphrase for htcds"
CANARY = "Zephyrine"
ANSWERS = {"in_danger": "no", "age": 29, "age_observed": "appears_adult", "journey_arranged": "other_debt",
           "destination_work": "other_work", "documents_holder": "employer", "earnings": "someone_else",
           "made_to_work": "no", "harmed": "no", "someone_in_control": "yes", "vague_job_account": "no",
           "easily_exploited": "no"}  # fmt: skip


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    return generate_organisation_keys(tmp_path_factory.mktemp("desk"), PASSPHRASE)


def _document(interview_id: str, enrollment: Enrollment) -> bytes:
    outcome = run_answers(get_protocol("border-rapid"), ANSWERS).outcome.to_dict()
    document = SealedInterview(
        interview_id,
        "adult",  # what the test outbox seals under
        "1",
        answers={**ANSWERS, "name": CANARY},
        respondent_language="ar",
        outcome=outcome,
        notes=f"{CANARY} asked for a lawyer",
        consent={"agreed": True, "research_use": True},
    )
    return document.with_device(enrollment.device_id).to_json()


def _server_with_interviews(tmp_path: Path, keys: KeyFiles, count: int) -> str:
    database_url = f"sqlite:///{tmp_path / 'referral.db'}"
    transport = InProcessTransport(
        create_app(ServerSettings(database_url=database_url, public_key_file=keys.public_key))
    )
    device = MemoryDeviceStore()
    code = authorize_code(create_enrollment_code(database_url, "https://testserver"), _private_key(keys))
    enrollment = join(code, device, transport=transport)
    outbox = MemoryOutboxStore()
    outbox.device = device  # type: ignore[attr-defined]  # signs what it seals
    for _ in range(count):
        interview_id = str(uuid.uuid4())
        outbox.seal_and_add(enrollment, interview_id, _document(interview_id, enrollment))
    outbox.seal_and_add(enrollment, "not-an-interview", b"\xff")
    assert Outbox(outbox, device, transport).send_pending(deadline=10).complete
    unsigned = MemoryOutboxStore()  # sealed as an older version did: no device signature
    unsigned.seal_and_add(enrollment, "unsigned-interview", _document("unsigned-interview", enrollment))
    assert Outbox(unsigned, device, transport).send_pending(deadline=10).complete
    return database_url


_PRIVATE_KEYS: dict[Path, X25519PrivateKey] = {}


def _private_key(keys: KeyFiles) -> X25519PrivateKey:
    """The organisation key, opened once (Argon2id is slow on purpose)."""
    if keys.private_key not in _PRIVATE_KEYS:
        _PRIVATE_KEYS[keys.private_key] = load_private_key(keys.private_key, PASSPHRASE)
    return _PRIVATE_KEYS[keys.private_key]


def _export(database_url: str, keys: KeyFiles, out: Path, *extra: str) -> tuple[int, str, str]:
    arguments = ["desk", "export", "--database-url", database_url, "--key", str(keys.private_key)]
    result = CliRunner().invoke(
        main, [*arguments, "--out", str(out), *extra], env={"WAYPOINT_KEY_PASSPHRASE": PASSPHRASE}
    )
    return result.exit_code, result.stdout, result.stderr


def test_dh001_desk_writes_htcds(keys: KeyFiles, tmp_path: Path) -> None:
    database_url = _server_with_interviews(tmp_path, keys, 3)
    out = tmp_path / "out" / "cases.csv"
    code, stdout, stderr = _export(database_url, keys, out, "--format", "htcds")
    assert code == 1 and "exported 3 interview(s) as HTCDS 2.0" in stdout
    assert "not exported: not-an-interview" in stderr and "not_an_interview" in stderr
    assert "not exported: unsigned-interview" in stderr and "unsigned" in stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 3 and len({row["prs_IdentityNumber"] for row in rows}) == 3
    for row in rows:
        assert row["vic_TraffickingStatus"] == "PossibleVictimOfTrafficking"
        assert set(row["vic_MethodsOfControl"].split(";")) >= {"WithholdsDocuments", "DebtBondage"}
        assert row["con_Consent"] == "true" and row["prs_PrimaryLanguage"] == "ar"
    assert CANARY not in out.read_text(encoding="utf-8")
    for suffix in (".xlsx", ".json"):
        code, stdout, _ = _export(database_url, keys, tmp_path / f"cases{suffix}", "--format", "htcds")
        assert code == 1 and "exported 3 interview(s)" in stdout
    again = tmp_path / "again.csv"
    _export(database_url, keys, again, "--format", "htcds")
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")  # pseudonyms are stable
    folder = tmp_path / "interviews"
    code, stdout, _ = _export(database_url, keys, folder)
    assert code == 1 and len(list(folder.glob("*.json"))) == 3
    refused = tmp_path / "refused.csv"
    code, stdout, stderr = _export(database_url, keys, refused, "--format", "htcds", "--accept-unverified")
    assert code == 2 and "HTCDS exports only verified interviews" in stderr and not refused.exists()


def test_dh002_bad_suffix_and_settings(keys: KeyFiles, tmp_path: Path) -> None:
    database_url = _server_with_interviews(tmp_path, keys, 1)
    code, stdout, stderr = _export(database_url, keys, tmp_path / "cases.txt", "--format", "htcds")
    assert code == 1 and "must end in .csv, .xlsx, .json" in stdout + stderr
    assert not (tmp_path / "cases.txt").exists()
    settings = tmp_path / "htcds.json"
    settings.write_text('{"identifiers": "allowed", "decision_making_org": "NGO"}', encoding="utf-8")
    out = tmp_path / "named.json"
    code, stdout, _ = _export(database_url, keys, out, "--format", "htcds", "--htcds-settings", str(settings))
    assert "(allowed ids)" in stdout
    record = json.loads(out.read_text(encoding="utf-8"))["records"][0]
    assert record["vic_TraffickingStatusDecisionMakingOrg"] == "NGO"
    assert record["prs_FirstName"] == ""  # the protocol has no given_name fact: nothing to fill
    assert CANARY not in out.read_text(encoding="utf-8")
