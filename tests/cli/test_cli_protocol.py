"""`waypoint protocol list|show|run|lint` from outside: JSON shapes, outcomes, and lint messages.

PR001: `protocol list --json` is a JSON array of the library's protocols with their documented keys
       and types; the text listing names the same protocols.
PR002: `protocol show ID --json` is the whole protocol as JSON: sections of questions with ids and
       documented kinds, consent, rules; its answerable questions are the count `list` gives.
PR003: `protocol run ID --answers F --json` prints exactly the documented keys (docs/protocols.md,
       "Reading an outcome") with documented values, and every `because` names, in words, a question
       that was asked and the answer given.
PR004: trigger questions all declined never give `no_indicators_found`: "prefer not to answer" is
       unknown, never "no" (the same answers with a "yes" instead raise an indicator).
PR005: `protocol lint` prints every problem of a broken file at once, each as
       `file:line: CODE message — how to fix` with the line of the problem, and exits 1; warnings
       alone exit 0; the library itself is clean.
PR006: a reader tells what blocks: a warning's line says `(warning)` after its code, an error's does
       not, and the summary on stderr says that lines marked (warning) do not fail the check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cli_support import COMPLETE_ANSWERS, assert_clean_failure, ok, waypoint, write_json

from screening_protocols.errors import ErrorCode, Severity
from tests.tooling import PROJECT_ROOT

LIBRARY = PROJECT_ROOT / "screening_protocols" / "library"
LEVELS = {
    "immediate_danger",
    "strong_indicators",
    "possible_indicators",
    "insufficient_information",
    "no_indicators_found",
}
KINDS = {"yes_no", "single_choice", "multiple_choice", "number", "date", "text", "info"}
LINT_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+): (?P<code>PR\d{3}) (?P<warning>\(warning\) )?"
    r"(?P<message>.+?) — (?P<fix>.+)$"
)
WARNING_CODES = {code.name for code in ErrorCode if code.value.severity is Severity.WARNING}


@pytest.fixture(scope="module")
def listing() -> list[dict[str, Any]]:
    ran = ok(waypoint("protocol", "list", "--json"))
    document = json.loads(ran.out)
    assert isinstance(document, list)
    return document


@pytest.fixture(scope="module")
def shown(listing: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        entry["id"]: json.loads(ok(waypoint("protocol", "show", entry["id"], "--json")).out)
        for entry in listing
    }


def test_pr001_list_json(listing: list[dict[str, Any]]) -> None:
    assert {entry["id"] for entry in listing} == set(COMPLETE_ANSWERS)
    for entry in listing:
        assert isinstance(entry["version"], str) and entry["version"]
        assert isinstance(entry["title"], str) and entry["title"]
        assert entry["audience"] in {"consular", "border", "labour", "general"}
        assert isinstance(entry["questions"], int) and entry["questions"] > 0
        assert isinstance(entry["validation_status"], str) and entry["validation_status"]
        for language, summary in entry["translations"].items():
            assert re.fullmatch(r"[a-z]{2}", language)
            assert isinstance(summary["total"], int) and isinstance(summary["missing"], int)
            assert all(isinstance(count, int) for count in summary["counts"].values())
    text = ok(waypoint("protocol", "list")).out
    assert {line.split()[0] for line in text.splitlines()} == set(COMPLETE_ANSWERS)


def test_pr002_show_json(listing: list[dict[str, Any]], shown: dict[str, dict[str, Any]]) -> None:
    for entry in listing:
        protocol = shown[entry["id"]]
        assert protocol["id"] == entry["id"] and protocol["version"] == entry["version"]
        assert protocol["consent"]["kind"] in {"consent", "assent"} and protocol["consent"]["items"]
        questions = [q for section in protocol["sections"] for q in section["questions"]]
        assert all(isinstance(q["id"], str) and q["kind"] in KINDS for q in questions)
        assert len({q["id"] for q in questions}) == len(questions)
        assert sum(q["kind"] != "info" for q in questions) == entry["questions"]
        assert isinstance(protocol["indicators"], list) and protocol["indicators"]


@pytest.mark.parametrize("protocol", sorted(COMPLETE_ANSWERS))
def test_pr003_run_json(protocol: str, tmp_path: Path) -> None:
    answers = write_json(tmp_path / "answers.json", COMPLETE_ANSWERS[protocol])
    ran = ok(waypoint("protocol", "run", protocol, "--answers", answers, "--json"))
    result = json.loads(ran.out)
    assert set(result) == {"protocol_id", "protocol_version", "outcome", "headline", "notice", "indicators",
                           "child_rule", "emergency", "reasons", "unknown", "referral_needs", "asked",
                           "follow_up"}  # fmt: skip
    assert result["protocol_id"] == protocol and isinstance(result["protocol_version"], str)
    assert result["outcome"] in LEVELS and result["headline"] and result["notice"]
    assert isinstance(result["child_rule"]["applies"], bool) and result["child_rule"]["reason"]
    assert result["emergency"] == [] and all(r["code"] and r["text"] for r in result["reasons"])
    assert result["asked"] == list(COMPLETE_ANSWERS[protocol])
    assert result["indicators"], "these answers raise indicators"
    for finding in result["indicators"]:
        assert set(finding) == {"id", "label", "element", "dimension", "ilo", "forms", "strength", "triggers",
                                "because"}  # fmt: skip
        assert isinstance(finding["id"], str) and finding["label"]
        assert finding["element"] in {"act", "means", "purpose"}
        assert finding["strength"] in {"strong", "medium", "weak"}
        assert finding["dimension"] is None or isinstance(finding["dimension"], str)
        assert finding["because"] and {b["question"] for b in finding["because"]} <= set(result["asked"])
        assert all(b["text"] and b["answer"] for b in finding["because"])
    assert all(isinstance(qid, str) for qid in result["unknown"])
    assert all(isinstance(need, str) for need in result["referral_needs"])
    assert ran.err == ""  # every answer was used


def test_pr004_declined_triggers_are_unknown_never_no(
    shown: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    for protocol_id, protocol in shown.items():
        questions = [q for section in protocol["sections"] for q in section["questions"]]
        declined = {q["id"]: ("declined" if q["kind"] != "info" else None) for q in questions}
        declined["in_danger"] = "no"
        ran = ok(
            waypoint(
                "protocol",
                "run",
                protocol_id,
                "--answers",
                write_json(tmp_path / "d.json", declined),
                "--json",
            )
        )
        result = json.loads(ran.out)
        assert result["outcome"] == "insufficient_information", (protocol_id, result)
        assert result["unknown"], protocol_id

    border = {
        "in_danger": "no",
        "age": 30,
        "age_observed": "appears_adult",
        "journey_arranged": "self",
        "destination_work": "declined",
        "documents_holder": "declined",
        "earnings": "declined",
        "made_to_work": "declined",
        "harmed": "declined",
        "someone_in_control": "declined",
        "vague_job_account": "declined",
        "easily_exploited": "declined",
    }
    declined_run = json.loads(
        ok(
            waypoint(
                "protocol",
                "run",
                "border-rapid",
                "--answers",
                write_json(tmp_path / "b.json", border),
                "--json",
            )
        ).out
    )
    assert declined_run["outcome"] == "insufficient_information"
    assert set(declined_run["unknown"]) >= {"documents_holder", "earnings", "harmed", "made_to_work"}
    one_yes = write_json(tmp_path / "y.json", {**border, "made_to_work": "yes"})
    raised = json.loads(ok(waypoint("protocol", "run", "border-rapid", "--answers", one_yes, "--json")).out)
    assert raised["outcome"] == "possible_indicators"  # the control: the run does read that question


def _line_of(text: str, fragment: str) -> int:
    (number,) = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return number


def _lint_lines(out: str) -> list[re.Match[str]]:
    matches = [LINT_LINE.match(line) for line in out.splitlines()]
    assert all(matches), f"lines not shaped `file:line: CODE message — how to fix`:\n{out}"
    found = [match for match in matches if match]
    for match in found:  # PR006: the severity is on the line
        assert bool(match["warning"]) == (match["code"] in WARNING_CODES), match.group(0)
    return found


def test_pr005_lint_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    source = (LIBRARY / "border-rapid.yaml").read_text(encoding="utf-8")
    broken = (
        source.replace("kind: yes_no", "kind: yes_or_no", 1)
        .replace("text: Who keeps the money you earn?", "text: Are you a victim? Who keeps the money?", 1)
        .replace("when: ${made_to_work} = 'yes'\n", "when: ${made_to_wrk} = 'yes'\n", 1)
    )
    path = tmp_path / "broken.yaml"  # its id stays border-rapid: the file name does not match
    path.write_text(broken, encoding="utf-8")
    ran = waypoint("protocol", "lint", path)
    assert ran.code == 1, str(ran)
    assert "Traceback" not in ran.output
    found = {(m["code"], int(m["line"])) for m in _lint_lines(ran.out)}
    assert {m["file"] for m in _lint_lines(ran.out)} == {str(path)}
    expected = {
        ("PR020", _line_of(broken, "id: border-rapid")),
        ("PR002", _line_of(broken, "kind: yes_or_no")),
        ("PR009", _line_of(broken, "Are you a victim?")),
        ("PR004", _line_of(broken, "${made_to_wrk}")),
    }
    assert expected <= found, ran.out
    for match in _lint_lines(ran.out):
        assert len(match["message"]) > 10 and len(match["fix"]) > 10


def test_pr005_lint_yaml_syntax_error_and_several_files(tmp_path: Path) -> None:
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("id: syntax\nversion: '1'\ntitle: [unclosed\n", encoding="utf-8")
    clean = tmp_path / "border-rapid.yaml"
    clean.write_text((LIBRARY / "border-rapid.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    ran = waypoint("protocol", "lint", syntax, clean)
    assert ran.code == 1 and "Traceback" not in ran.output, str(ran)
    (problem,) = [match for match in _lint_lines(ran.out) if match["file"] == str(syntax)]
    assert problem["code"] == "PR001" and 1 <= int(problem["line"]) <= 4
    assert "2 file(s)" in ran.err


def test_pr005_warnings_alone_exit_0(tmp_path: Path) -> None:
    source = (LIBRARY / "border-rapid.yaml").read_text(encoding="utf-8")
    anchor = "      - id: made_to_work\n"
    extra = (
        "      - id: anything_else\n"
        "        kind: text\n"
        "        required: false\n"
        "        text: Is there anything else you would like to tell me?\n"
    )
    source = source.replace("max_questions: 8", "max_questions: 9").replace(anchor, extra + anchor, 1)
    path = tmp_path / "border-rapid.yaml"
    path.write_text(source, encoding="utf-8")
    ran = waypoint("protocol", "lint", path)
    assert ran.code == 0, str(ran)
    codes = {m["code"] for m in _lint_lines(ran.out)}
    assert "PR010" in codes, ran.out
    assert all(m["warning"] for m in _lint_lines(ran.out)), ran.out
    assert "lines marked (warning) are advice and do not fail the check" in ran.err
    library = ok(waypoint("protocol", "lint"))  # the shipped library: no error (warnings may appear)
    assert "0 error(s)" in library.err


def test_pr005_lint_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    assert_clean_failure(waypoint("protocol", "lint", tmp_path / "absent.yaml"), code=2)
