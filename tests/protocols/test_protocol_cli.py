"""`waypoint protocol list | show | lint | run | catalogs | translations`.

CL001: `list --json` lists every library protocol with its validation status and translation status.
CL002: `show ID --json` prints the whole protocol, questions with ids and types; an unknown id exits 1.
CL003: `run ID --answers FILE --json` prints the outcome an officer reads in seconds: headline, notice,
       indicators with label, element, ILO, strength and `because` as question text + answer, the
       child rule in words, emergency guidance, reasons in words, protocol version.
CL004: a bad value exits 1 naming the question and what is allowed; a bad file exits 1.
CL005: answers the engine never asks are reported, not silently used.
CL006: the text report is a protection record, in the language asked for, with a visible fallback.
CL008: after an emergency stop the answers that follow continue the screen (answers kept); without
       them stderr says the rest was not asked because of the stop, not because of skip logic.
CL009: `show ID --json` reports the effective `key` (marked, or read by a rule); `show ID --coverage`
       prints the coverage table.
CL010: the child rule: an adult protocol points to child-screen with the facts that fit carried forward.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from screening_protocols import list_protocols
from waypoint.cli import main

BORDER_ANSWERS = {"in_danger": "no", "age": 29, "age_observed": "appears_adult",
                  "journey_arranged": "other_no_debt", "destination_work": "domestic",
                  "documents_holder": "employer", "earnings": "declined", "made_to_work": "yes",
                  "harmed": "no", "someone_in_control": "no", "vague_job_account": "no",
                  "easily_exploited": "no"}  # fmt: skip


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
    assert border["questions"] <= 8 + 4 and "not validated" in border["validation_status"].lower()
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
    assert set(data) == {"protocol_id", "protocol_version", "outcome", "headline", "notice", "indicators",
                         "child_rule", "emergency", "reasons", "unknown", "referral_needs", "asked",
                         "follow_up"}  # fmt: skip
    assert data["protocol_version"] == "2.0.0" and data["outcome"] == "strong_indicators"
    assert data["headline"].startswith("Strong indicators") and "Protection record" in data["notice"]
    keys = {"id", "label", "element", "dimension", "ilo", "forms", "strength", "triggers", "because"}
    assert all(set(i) == keys for i in data["indicators"])
    papers = next(i for i in data["indicators"] if i["id"] == "documents_held_by_employer_or_arranger")
    assert papers["label"].startswith("Identity papers kept") and papers["ilo"] == [
        "retention_of_identity_documents"
    ]
    text = "Who keeps your passport or identity card now?"
    assert papers["because"] == [
        {"question": "documents_holder", "text": text, "answer": "The person I work for"}
    ]
    assert data["child_rule"]["applies"] is False and "adult" in data["child_rule"]["reason"]
    assert data["emergency"] == [] and data["follow_up"] is None
    assert all(r["text"] and r["code"] for r in data["reasons"])
    assert data["unknown"] == ["earnings"]
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
    assert choice.exit_code == 1 and "one of me, parent_guardian, employer, arranger" in choice.output
    fraction = invoke(
        "run", "border-rapid", "--answers", answers_file(tmp_path, {**BORDER_ANSWERS, "age": 45.5})
    )
    assert fraction.exit_code == 1 and "age" in fraction.output
    not_object = invoke("run", "border-rapid", "--answers", answers_file(tmp_path, ["yes"]))
    assert not_object.exit_code == 1 and "one JSON object" in not_object.output
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    broken = invoke("run", "border-rapid", "--answers", str(tmp_path / "broken.json"))
    assert broken.exit_code == 1 and "not valid JSON" in broken.output


def test_cl005_unused_answers_are_reported(tmp_path: Path) -> None:
    answers = {**BORDER_ANSWERS, "age": 15, "typo_question": "yes"}  # under 18: age_observed is never asked
    result = invoke("run", "border-rapid", "--answers", answers_file(tmp_path, answers), "--json")
    assert result.exit_code == 0
    assert (
        "skip logic" in result.stderr and "age_observed" in result.stderr and "typo_question" in result.stderr
    )
    assert "age_observed" not in json.loads(result.stdout)["asked"]
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
    assert "Stop the questions" in danger.stdout and "immediate danger" in danger.stderr
    assert "Act and Purpose" not in english.stdout and "Child rule:" in english.stdout


def test_cl008_continue_after_an_emergency(tmp_path: Path) -> None:
    stopped = invoke(
        "run", "border-rapid", "--answers", answers_file(tmp_path, {"in_danger": "yes"}), "--json"
    )
    data = json.loads(stopped.stdout)
    assert data["outcome"] == "immediate_danger" and data["asked"] == ["in_danger"]
    assert (
        data["emergency"][0]["id"] == "danger_now"
        and "safe, private place" in data["emergency"][0]["guidance"]
    )
    assert data["emergency"][0]["continued"] is False
    assert "stopped: immediate danger" in stopped.stderr
    continued = invoke(
        "run",
        "border-rapid",
        "--answers",
        answers_file(tmp_path, {**BORDER_ANSWERS, "in_danger": "yes"}),
        "--json",
    )
    data = json.loads(continued.stdout)
    assert data["outcome"] == "immediate_danger" and data["asked"] == list(BORDER_ANSWERS)
    assert data["emergency"][0]["continued"] is True and data["child_rule"]["applies"] is False
    assert {"threats_now", "documents_held_by_employer_or_arranger"} <= {i["id"] for i in data["indicators"]}
    assert "skip logic" not in continued.stderr and "continued once the person was safe" in continued.stderr


def test_cl009_effective_key_and_coverage() -> None:
    shown = json.loads(invoke("show", "border-rapid", "--json").stdout)
    keys = {q["id"]: q["key"] for section in shown["sections"] for q in section["questions"]}
    assert keys["in_danger"] is True and keys["made_to_work"] is True and keys["age_observed"] is True
    table = invoke("show", "consular-screen", "--coverage")
    assert table.exit_code == 0
    assert "Removal of organs" in table.stdout and "organ_removal_pressure" in table.stdout
    rows = json.loads(invoke("show", "labour-inspection", "--coverage", "--json").stdout)
    assert all(row["indicators"] for row in rows)


def test_cl010_child_rule_points_to_the_child_screen(tmp_path: Path) -> None:
    answers = {**BORDER_ANSWERS, "age": 16}
    answers.pop("age_observed")
    data = json.loads(
        invoke("run", "border-rapid", "--answers", answers_file(tmp_path, answers), "--json").stdout
    )
    assert data["child_rule"]["applies"] is True and "no force or deceit" in data["child_rule"]["reason"]
    assert data["follow_up"] == {"protocol": "child-screen", "facts": {"age": 16}}


def test_cl007_translations_report() -> None:
    result = invoke("translations", "border-rapid", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)["border-rapid"]
    assert {"fr", "es", "ar"} <= set(report)
