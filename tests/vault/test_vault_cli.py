"""`waypoint interview record` and `waypoint interview list` (the real KDF: about a second per call).

CL001: record creates the vault with WAYPOINT_PIN, stores a complete interview through the screening
       service and prints its id; missing questions are declined and answers to questions skip logic
       never asks are not stored, both listed on stderr (exit 0); the stored answers are exactly what
       the engine accepted.
CL002: a value that does not fit names the question and the allowed values and writes nothing; so does
       a question id the protocol does not have at all (a typo), and a file without
       "respondent_language" says exactly what to add.
CL003: no WAYPOINT_PIN, a wrong one, or a weak one on creation: a clear error, exit 1.
CL004: list shows metadata only, needs WAYPOINT_PIN (without it: a clear error naming the variable,
       exit 1, nothing listed), and reads the default data folder; a folder without a vault is refused
       (exit 1, "no Waypoint data") and not created.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from vault_support import SECRET

from app.vault import Vault
from app.vault.database import DATABASE_FILENAME
from waypoint.cli import main
from waypoint.core.data_folder import VAULT_FILENAME

ANSWERS = {
    "in_danger": "no",
    "age": 31,
    "journey_arranged": "other_debt",
    "made_to_work": True,
    "harmed": "declined",
}


def _answers_file(tmp_path: Path, **document: object) -> Path:
    path = tmp_path / "answers.json"
    content = {"answers": ANSWERS, "notes": "met at gate 4", "respondent_language": "fr", **document}
    path.write_text(json.dumps(content))
    return path


def _record(data_dir: Path, answers: Path, pin: str | None = SECRET) -> Result:
    env = {"WAYPOINT_PIN": pin} if pin is not None else {"WAYPOINT_PIN": ""}
    args = ["interview", "record", "--data-dir", str(data_dir), "--protocol", "border-rapid", "--answers"]
    return CliRunner().invoke(main, [*args, str(answers)], env=env)


def test_cl001_record(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = _record(data_dir, _answers_file(tmp_path))
    assert result.exit_code == 0, result.output
    interview_id = result.stdout.strip()
    stderr = result.stderr
    assert (
        "declined (not in the file): age_observed, destination_work, documents_holder, earnings, "
        "someone_in_control, vague_job_account, easily_exploited" in stderr
    )
    assert "not stored" not in stderr
    vault = Vault.open(data_dir)
    try:
        vault.unlock(SECRET)
        document = vault.interviews.load_completed(interview_id)
    finally:
        vault.close()
    assert document.answers == {
        "in_danger": "no",
        "age": 31,
        "age_observed": "declined",
        "journey_arranged": "other_debt",
        "destination_work": "declined",
        "documents_holder": "declined",
        "earnings": "declined",
        "made_to_work": "yes",
        "harmed": "declined",
        "someone_in_control": "declined",
        "vague_job_account": "declined",
        "easily_exploited": "declined",
    }
    assert document.notes == "met at gate 4" and document.respondent_language == "fr"
    assert oct(data_dir.stat().st_mode & 0o777) == "0o700"
    # The vault exists now: unlocked, not created. A minor is never asked how old they appear:
    # that answer is skipped with a note, not refused.
    minor = _answers_file(tmp_path, answers={**ANSWERS, "age": 16, "age_observed": "appears_adult"})
    second = _record(data_dir, minor)
    assert second.exit_code == 0, second.output
    assert "not stored (never asked): age_observed" in second.stderr


def test_cl002_bad_value_writes_nothing(tmp_path: Path) -> None:
    answers = _answers_file(tmp_path, answers={**ANSWERS, "made_to_work": "perhaps"})
    result = _record(tmp_path / "data", answers)
    assert result.exit_code == 1
    assert "made_to_work" in result.output and "yes, no, unsure, declined" in result.output
    assert not (tmp_path / "data").exists()
    language = _answers_file(tmp_path, respondent_language="french")
    assert "ISO 639-1" in _record(tmp_path / "data", language).output
    assert not (tmp_path / "data").exists()
    typo = _record(tmp_path / "data", _answers_file(tmp_path, answers={**ANSWERS, "owes_mony": "yes"}))
    assert typo.exit_code == 1 and "owes_mony" in typo.output and "border-rapid" in typo.output
    assert "waypoint protocol show border-rapid" in typo.output
    assert not (tmp_path / "data").exists()
    no_language = tmp_path / "no-language.json"
    no_language.write_text(json.dumps({"answers": ANSWERS, "notes": "met at gate 4"}))
    missing = _record(tmp_path / "data", no_language)
    assert missing.exit_code == 1
    assert 'Add "respondent_language" next to "answers"' in missing.output
    assert '"respondent_language": "fr"' in missing.output and "met at gate" not in missing.output
    assert not (tmp_path / "data").exists()


def test_cl003_secret_errors(tmp_path: Path) -> None:
    answers = _answers_file(tmp_path)
    missing = _record(tmp_path / "data", answers, pin=None)
    assert missing.exit_code == 1 and "WAYPOINT_PIN" in missing.output
    weak = _record(tmp_path / "data", answers, pin="123456")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    assert _record(tmp_path / "data", answers).exit_code == 0
    wrong = _record(tmp_path / "data", answers, pin="a different long passphrase")
    assert wrong.exit_code == 1 and "does not open the vault" in wrong.output
    assert "a different long passphrase" not in wrong.output


def test_cl004_list_needs_the_secret(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert DATABASE_FILENAME == VAULT_FILENAME  # the CLI looks for the file the vault writes
    runner = CliRunner(env={"WAYPOINT_PIN": SECRET})
    absent = runner.invoke(main, ["interview", "list", "--data-dir", str(data_dir), "--json"])
    assert absent.exit_code == 1 and "There is no Waypoint data in" in absent.output, absent.output
    assert "--data-dir" in absent.output
    assert not data_dir.exists()  # listing creates nothing
    recorded = _record(data_dir, _answers_file(tmp_path)).stdout.strip()
    locked = CliRunner().invoke(
        main, ["interview", "list", "--data-dir", str(data_dir)], env={"WAYPOINT_PIN": ""}
    )
    assert locked.exit_code == 1 and "WAYPOINT_PIN" in locked.output and recorded not in locked.output
    listed = runner.invoke(main, ["interview", "list", "--json"], env={"WAYPOINT_DATA_DIR": str(data_dir)})
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert set(row) == {
        "id",
        "protocol_id",
        "protocol_version",
        "state",
        "started_at",
        "updated_at",
        "completed_at",
        "sealed_at",
        "sent_at",
        "purged_at",
    }
    assert (row["id"], row["protocol_id"], row["state"]) == (recorded, "border-rapid", "completed")
    table = runner.invoke(main, ["interview", "list", "--data-dir", str(data_dir)])
    assert recorded in table.output and "completed" in table.output and "met at gate" not in table.output
