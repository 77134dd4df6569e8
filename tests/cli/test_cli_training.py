"""`waypoint training list|lint|score` (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from screening_protocols.practice import get_case
from waypoint.cli import main


def test_list_json_names_every_case() -> None:
    ran = CliRunner().invoke(main, ["training", "list", "--json"])
    assert ran.exit_code == 0
    rows = json.loads(ran.output)
    assert len(rows) >= 21 and {"id", "protocol", "expected_outcome", "languages"} <= set(rows[0])
    assert "ar" in rows[0]["languages"]
    text = CliRunner().invoke(main, ["training", "list"])
    assert "border-rapid-01" in text.output


def test_lint_passes_on_shipped_cases_and_fails_on_a_broken_one(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["training", "lint"]).exit_code == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\nprotocol: border-rapid\n", encoding="utf-8")
    ran = CliRunner().invoke(main, ["training", "lint", str(tmp_path)])
    assert ran.exit_code == 1 and "broken.yaml:" in ran.output and "TR002" in ran.output


def test_score_json_is_the_feedback(tmp_path: Path) -> None:
    case = get_case("consular-screen-01")
    answers = {**case.replies, "free_to_leave": "yes"}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"answers": answers, "checks": {"alone": "yes", "interpreter": "none"}}))
    ran = CliRunner().invoke(main, ["training", "score", case.id, "--answers", str(path), "--json"])
    assert ran.exit_code == 0, ran.output
    feedback = json.loads(ran.output)
    assert "not_free_to_leave" in [i["id"] for i in feedback["indicators_missed"]]
    assert feedback["answers_differing"] == ["free_to_leave"]
    assert [s["id"] for s in feedback["safety_skipped"]] == ["offer_break"]
    human = CliRunner().invoke(main, ["training", "score", case.id, "--answers", str(path)])
    assert "Indicators missed:" in human.output and "Score:" in human.output


def test_score_refuses_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text("[1, 2]")
    ran = CliRunner().invoke(main, ["training", "score", "border-rapid-01", "--answers", str(path)])
    assert ran.exit_code == 1 and "(WP-TRAIN-003)" in ran.output
    path.write_text("{not json")
    ran = CliRunner().invoke(main, ["training", "score", "border-rapid-01", "--answers", str(path)])
    assert ran.exit_code == 1 and "not valid JSON" in ran.output
    ran = CliRunner().invoke(main, ["training", "score", "nope", "--answers", str(path)])
    assert ran.exit_code == 1 and "(WP-TRAIN-002)" in ran.output
