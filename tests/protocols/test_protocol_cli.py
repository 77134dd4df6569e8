"""`waypoint protocol list | show | lint | run | catalogs | translations`.

CL001: `list --json` lists every library protocol with its validation status and translation status.
CL002: `show ID --json` prints the whole protocol, questions with ids and types; an unknown id exits 1.
CL003: `run ID --answers FILE --json` prints exactly {outcome, indicators, unknown, referral_needs, asked}.
CL004: a bad value exits 1 naming the question and what is allowed; a bad file exits 1.
CL005: answers the engine never asks are reported, not silently used.
CL006: the text report is a protection record, in the language asked for, with a visible fallback.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from screening_protocols import list_protocols
from waypoint.cli import main

BORDER_ANSWERS = {"in_danger": "no", "age": 29, "age_disputed": "no", "arranged_by_other": "yes",
                  "documents_holder": "employer", "owes_money": "declined", "free_to_leave": "no",
                  "made_to_work": "yes"}  # fmt: skip


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["protocol", *args])


def answers_file(tmp_path: Path, answers: object) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def test_cl001_list_json() -> None:
    result = invoke("list", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [p["id"] for p in listed] == sorted(p.id for p in list_protocols())
    border = next(p for p in listed if p["id"] == "border-rapid")
    assert border["questions"] <= 8 and "not validated" in border["validation_status"].lower()
    assert border["translations"]["fr"]["counts"] == {"machine-draft": border["translations"]["fr"]["total"]}
    assert "border-rapid" in invoke("list").stdout


def test_cl002_show_json() -> None:
    result = invoke("show", "consular-screen", "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    questions = [q for section in shown["sections"] for q in section["questions"]]
    assert 20 <= sum(q["kind"] != "info" for q in questions) <= 30
    assert all({"id", "kind", "text", "guidance", "relevant", "fact"} <= set(q) for q in questions)
    assert {item["topic"] for item in shown["consent"]["items"]} >= {"purpose", "retention", "right_to_stop"}
    assert shown["translations"]["ar"]["missing"] == 0
    assert shown["emergency"][0]["id"] == "danger_now"
    missing = invoke("show", "no-such-protocol", "--json")
    assert missing.exit_code == 1 and "border-rapid" in missing.output
    assert "documents_holder" in invoke("show", "border-rapid", "--lang", "fr").stdout


def test_cl003_run_json_shape(tmp_path: Path) -> None:
    result = invoke("run", "border-rapid", "--answers", answers_file(tmp_path, BORDER_ANSWERS), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"outcome", "indicators", "unknown", "referral_needs", "asked"}
    assert data["outcome"] == "strong_indicators"
    assert all(set(i) == {"id", "element", "dimension", "strength", "because"} for i in data["indicators"])
    assert {"id": "not_free_to_leave", "element": "means", "dimension": "coercion_at_destination",
            "strength": "strong", "because": ["free_to_leave"]} in data["indicators"]  # fmt: skip
    assert data["unknown"] == ["owes_money"]
    assert data["asked"] == list(BORDER_ANSWERS)


def test_cl004_bad_value_names_question_and_allowed(tmp_path: Path) -> None:
    result = invoke(
        "run", "border-rapid", "--answers", answers_file(tmp_path, {**BORDER_ANSWERS, "age": "old"})
    )
    assert result.exit_code == 1
    assert (
        "age" in result.output and "a number from 0 to 120" in result.output and "declined" in result.output
    )
    choice = invoke(
        "run",
        "border-rapid",
        "--answers",
        answers_file(tmp_path, {**BORDER_ANSWERS, "documents_holder": "boss"}),
    )
    assert choice.exit_code == 1 and "one of me, employer, arranger" in choice.output
    not_object = invoke("run", "border-rapid", "--answers", answers_file(tmp_path, ["yes"]))
    assert not_object.exit_code == 1 and "one JSON object" in not_object.output
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    broken = invoke("run", "border-rapid", "--answers", str(tmp_path / "broken.json"))
    assert broken.exit_code == 1 and "not valid JSON" in broken.output


def test_cl005_unused_answers_are_reported(tmp_path: Path) -> None:
    answers = {**BORDER_ANSWERS, "age": 15, "typo_question": "yes"}  # under 18: age_disputed is never asked
    result = invoke("run", "border-rapid", "--answers", answers_file(tmp_path, answers), "--json")
    assert result.exit_code == 0
    assert "age_disputed" in result.stderr and "typo_question" in result.stderr
    assert "age_disputed" not in json.loads(result.stdout)["asked"]
    partial = invoke(
        "run", "border-rapid", "--answers", answers_file(tmp_path, {"in_danger": "no"}), "--json"
    )
    assert "stopped at age" in partial.stderr
    assert json.loads(partial.stdout)["outcome"] == "insufficient_information"


def test_cl006_text_report(tmp_path: Path) -> None:
    english = invoke("run", "border-rapid", "--answers", answers_file(tmp_path, BORDER_ANSWERS))
    assert english.exit_code == 0
    assert "Protection record" in english.stdout and "refer for formal identification" in english.stdout
    assert "victim" not in english.stdout.lower()
    french = invoke(
        "run", "border-rapid", "--answers", answers_file(tmp_path, BORDER_ANSWERS), "--lang", "fr"
    )
    assert "Dossier de protection" in french.stdout
    danger = invoke("run", "border-rapid", "--answers", answers_file(tmp_path, {"in_danger": "yes"}))
    assert "Stop the screening" in danger.stdout and "immediate danger" in danger.stderr


def test_cl007_translations_report() -> None:
    result = invoke("translations", "border-rapid", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)["border-rapid"]
    assert {"fr", "es", "ar"} <= set(report)
