"""Lint: every rule has a broken fixture that fails with the expected `file:line: CODE message — fix`.

LN001: each broken fixture yields exactly the expected problems (codes, lines, catalogue messages).
LN002: every ErrorCode has a broken fixture.
LN003: the shipped library and the minimal fixture lint clean (no error, no warning).
LN004: `waypoint protocol lint` prints every problem of every file in one pass and exits 1 on any error.
LN005: warnings alone do not fail the run.
LN006: ProtocolError from load_protocol carries every error, not only the first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from screening_protocols import ErrorCode, ProtocolError, drafts, load_protocol, plain_yaml
from screening_protocols.errors import Severity
from screening_protocols.lint import lint_paths
from waypoint.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "broken"
SCHEMA_FIX = "compare the field with docs/protocols.md"

# fixture -> [(line, code, params)]: the message is always formatted from the catalogue.
EXPECTED: dict[str, list[tuple[int, ErrorCode, dict[str, object]]]] = {
    "pr001": [(34, ErrorCode.PR001, {"reason": "<the YAML parser's own words>"})],  # filled in below
    "pr002": [
        (
            34,
            ErrorCode.PR002,
            {
                "where": "sections/0/questions/2/kind",
                "reason": "'yes_or_no' is not one of "
                "['yes_no', 'single_choice', 'multiple_choice', 'number', 'date', 'text', 'info']",
            },
        ),
        (
            36,
            ErrorCode.PR002,
            {
                "where": "sections/0/questions/2/colour",
                "reason": "unknown field(s) ('colour' was unexpected)",
            },
        ),
    ],
    "pr003": [(33, ErrorCode.PR003, {"id": "danger", "other_line": 24})],
    "pr004": [
        (33, ErrorCode.PR018, {"qid": "paid"}),
        (40, ErrorCode.PR004, {"ref": "payd"}),
    ],
    "pr005": [(40, ErrorCode.PR005, {"expression": "${paid} == 'no'", "reason": "unexpected '='"})],
    "pr006": [(27, ErrorCode.PR006, {"field": "relevant", "qid": "danger", "ref": "paid"})],
    "pr007": [
        (
            41,
            ErrorCode.PR007,
            {"value": "intent", "kind": "Palermo element", "allowed": "act, means, purpose"},
        ),
        (
            43,
            ErrorCode.PR007,
            {
                "value": "coercion",
                "kind": "ILO/EC dimension",
                "allowed": "deceptive_recruitment, coercive_recruitment, recruitment_abuse_of_vulnerability, "
                "exploitative_conditions, coercion_at_destination, abuse_of_vulnerability_at_destination",
            },
        ),
        (
            44,
            ErrorCode.PR007,
            {
                "value": "overwork",
                "kind": "ILO forced-labour indicator",
                "allowed": "abuse_of_vulnerability, deception, restriction_of_movement, isolation, "
                "physical_and_sexual_violence, intimidation_and_threats, retention_of_identity_documents, "
                "withholding_of_wages, debt_bondage, abusive_working_and_living_conditions, "
                "excessive_overtime",
            },
        ),
    ],
    "pr008": [(35, ErrorCode.PR008, {"fact": "age", "other": "age", "other_line": 28})],
    "pr009": [
        (35, ErrorCode.PR009, {"word": "trafficking"}),
        (35, ErrorCode.PR009, {"word": "victim"}),
    ],
    "pr010": [(37, ErrorCode.PR010, {"qid": "note"})],
    "pr011": [(40, ErrorCode.PR011, {"value": "never", "qid": "paid", "allowed": "yes, no, unsure"})],
    "pr012": [(40, ErrorCode.PR012, {"qid": "paid", "value": "declined"})],
    "pr013": [(40, ErrorCode.PR013, {"function": "selected", "qid": "age", "kind": "number"})],
    "pr014": [(7, ErrorCode.PR014, {"count": 3, "limit": 2})],
    "pr015": [(9, ErrorCode.PR015, {"kind": "consent", "topic": "retention"})],
    "pr016": [
        (
            28,
            ErrorCode.PR016,
            {
                "reason": "Question 'age' establishes 'age' but is not an unconditional number question",
                "fact": "age",
            },
        )
    ],
    "pr017": [(33, ErrorCode.PR017, {"qid": "paid", "kind": "single_choice", "count": 1})],
    "pr018": [(37, ErrorCode.PR018, {"qid": "hobby"})],
    "pr019": [(52, ErrorCode.PR019, {"rule": "now", "qid": "late"})],
    "pr020": [(1, ErrorCode.PR020, {"id": "pr-twenty", "stem": "pr020"})],
    "pr021": [(3, ErrorCode.PR021, {"reason": "byte 0xe9 is not UTF-8 text"})],
    "pr022": [(3, ErrorCode.PR022, {"feature": "The anchor &title"})],
    "pr023": [
        (
            31,
            ErrorCode.PR023,
            {
                "what": "The number 100000000000…",
                "limit": "20 characters",
                "advice": "write numbers with at most 20 characters",
            },
        )
    ],
    "pr025": [(39, ErrorCode.PR025, {"id": "pay_score", "cycle": "pay_score -> total -> pay_score"})],
    "pr024": [
        (
            37,
            ErrorCode.PR024,
            {
                "qid": "paid_in_full",
                "other": "paid",
                "other_line": 33,
                "mapping": "purpose: withholding_of_wages",
            },
        )
    ],
}


def _yaml_reason(path: Path) -> str:
    """What the YAML parser in use (libyaml or pure Python) says about a broken file."""
    try:
        plain_yaml.read(path.read_bytes())
    except yaml.YAMLError as error:
        return str(getattr(error, "problem", error))
    raise AssertionError(f"{path} parses")


EXPECTED["pr001"][0][2]["reason"] = _yaml_reason(BROKEN / "pr001.yaml")
EXPECTED["pr031"] = [(33, ErrorCode.PR031, {"qid": "paid"})]
EXPECTED["pr030"] = [  # an imported draft: one warning per missing piece, errors none
    *sorted(
        [(4, ErrorCode.PR030, {"missing": missing, "todo": todo}) for _, missing, todo in drafts.PIECES]
        + [(4, ErrorCode.PR030, {"missing": "is not reviewed", "todo": drafts.REVIEW})],
        key=lambda item: str(item[2]["missing"]),
    ),
    (9, ErrorCode.PR030, {"missing": drafts.CHILD_RULE[0], "todo": drafts.CHILD_RULE[1]}),
]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_ln001_broken_fixture_fails_with_the_expected_messages(name: str) -> None:
    path = BROKEN / f"{name}.yaml"
    report = lint_paths([path])
    expected = [f"{path}:{line}: {code.format(**params)}" for line, code, params in EXPECTED[name]]
    assert report.lines() == expected
    assert all(re.match(r"^.+:\d+: PR\d{3} .+ — .+$", line) for line in report.lines())


def test_ln002_every_error_code_has_a_broken_fixture() -> None:
    fixtures = {path.stem for path in BROKEN.glob("*.yaml")}
    assert fixtures == set(EXPECTED)
    assert {code.name.lower() for code in ErrorCode} <= fixtures
    for code in ErrorCode:  # the fixture named after a code really exercises that code
        assert code in {expected_code for _, expected_code, _ in EXPECTED[code.name.lower()]}


def test_ln003_library_and_minimal_fixture_lint_clean() -> None:
    report = lint_paths([])
    assert len(report.files) >= 4
    assert report.lines() == []
    assert lint_paths([FIXTURES / "minimal.yaml"]).lines() == []


def test_ln004_cli_prints_every_problem_in_one_pass_and_exits_1() -> None:
    paths = [str(BROKEN / "pr003.yaml"), str(BROKEN / "pr007.yaml"), str(BROKEN / "pr018.yaml")]
    result = CliRunner().invoke(main, ["protocol", "lint", *paths])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[1].split()[0] for line in lines] == ["PR003", "PR007", "PR007", "PR007", "PR018"]
    assert lines[0] == f"{paths[0]}:33: " + ErrorCode.PR003.format(id="danger", other_line=24)
    assert "3 file(s): 4 error(s), 1 warning(s)" in result.stderr


def test_ln004_cli_lint_on_the_library_exits_0() -> None:
    result = CliRunner().invoke(main, ["protocol", "lint"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


@pytest.mark.parametrize("name", ["pr010", "pr018", "pr019"])
def test_ln005_warnings_alone_do_not_fail(name: str) -> None:
    assert all(code.value.severity is Severity.WARNING for _, code, _ in EXPECTED[name])
    result = CliRunner().invoke(main, ["protocol", "lint", str(BROKEN / f"{name}.yaml")])
    assert result.exit_code == 0
    assert result.stdout.strip()


def test_ln006_protocol_error_carries_every_error() -> None:
    with pytest.raises(ProtocolError) as caught:
        load_protocol(BROKEN / "pr007.yaml")
    assert [p.code for p in caught.value.problems] == [ErrorCode.PR007] * 3
    assert "pr007.yaml" in str(caught.value) and "waypoint protocol lint" in str(caught.value)
    assert caught.value.details().count("PR007") == 3


def test_ln006_load_protocol_accepts_bytes_and_ignores_warnings() -> None:
    protocol = load_protocol((BROKEN / "pr018.yaml").read_bytes(), name="pr018.yaml")
    assert protocol.by_id["hobby"].text == "Do you like music?"
