"""Fuzzing: whatever a protocol file, an expression or an answer holds, only project errors come out.

FZ001: the loader turns any bytes (random, mutated YAML, or well-formed YAML of the wrong shape) into a
       CheckResult; load_protocol raises nothing but ProtocolError.
FZ002: the expression parser raises nothing but ExpressionSyntaxError, and a parsed expression evaluates
       to a value (never an exception) whatever its questions' answers are, huge numbers included.
FZ003: a whole interview on a shipped protocol, with valid and hostile answers, "back" and wrong ids,
       raises nothing but WaypointError and always yields an outcome that round-trips through JSON.
FZ004: a protocol whose conditions are random expressions either fails lint with a ProtocolError or
       runs to an outcome with random answers, raising nothing but WaypointError.

Bounded by default (a few hundred cases each, under a minute); `pytest --campaign=full` runs the long
campaign (tens of thousands of cases). Each test prints how many cases it ran.
"""

from __future__ import annotations

import copy
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol_helpers import CONSENT, answer_values

from screening_protocols import (
    DECLINED,
    AnswerError,
    AskQuestion,
    EmergencyStop,
    Finished,
    Interview,
    Protocol,
    ProtocolError,
    QuestionKind,
    answer,
    back,
    check,
    decline,
    get_protocol,
    list_protocols,
    load_protocol,
    next_step,
    outcome,
    start,
)
from screening_protocols import expressions as ex
from waypoint.core.errors import WaypointError

MINIMAL_TEXT = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
MINIMAL_DATA = yaml.safe_load(MINIMAL_TEXT)
PROTOCOL_IDS = [p.id for p in list_protocols()]

# Fragments that reach the YAML reader's edge cases: anchors, aliases, tags, flow and block structure,
# documents, directives, odd scalars, control and non-ASCII characters.
YAML_FRAGMENTS = [
    "&a ", "*a", "!!float ", "!!bool ", "!!python/object:os.system ", "!x ", "? ", ": ", "- ", "[", "]",
    "{", "}", ",", "\n", "\n  ", "\n    - ", "#", "'", '"', "|\n  ", ">\n  ", "---\n", "...\n", "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n", "<<: ", "=", "~", "null", "yes", "no", "on", ".nan", "-.inf", "0x1F", "0o17",
    "1_000", "190:20:30", "2024-13-45", "2001-12-14t21:59:43.10-05:00", "9" * 30, "1e999", "\t", "\x00",
    "\x85", "\u2028", "\ufeff", "é", "${", "}", "id", "kind", "options", "value", "unknown: true",
    "when: ", "relevant: ", "selected(", "count-selected(", "(((", ")))",
]  # fmt: skip

EXPRESSION_TOKENS = [
    "${paid}", "${age}", "${danger}", "${nope}", "${", "}", ".", "(", ")", ",", "=", "!=", "<", "<=", ">",
    ">=", "+", "-", "*", "div", "mod", "and", "or", "not", "selected", "count-selected", "true", "false",
    "'yes'", "'no'", "'unsure'", "'declined'", '"x"', "'", "0", "1", "1.5", ".5", "9" * 25, "1e5", "nan",
    "inf", " ", "\n", "€", "$", "unknown",
]  # fmt: skip

ANY_VALUE: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**30, max_value=10**400)
    | st.floats()
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

HOSTILE_ANSWERS: st.SearchStrategy[Any] = (
    ANY_VALUE
    | st.sampled_from(["", " ", "yes ", "YES", "-1", "1e999", "nan", "inf", "9" * 5000, "2024-02-30", "\x00"])
    | st.integers(min_value=-(10**4000), max_value=10**4000)
    | st.lists(st.sampled_from(["a", "b", "declined", "unsure", "yes", ""]), max_size=5)
)

CASES: dict[str, int] = {}
# The bounded run is bounded by its number of cases (seconds); the full campaign takes minutes per test.
FULL_CAMPAIGN_TIMEOUT = pytest.mark.timeout(1800)


def _campaign(name: str, test: Callable[[], None], *, ci: int, full: int, campaign_full: bool) -> None:
    """Run the @given `test` for the bounded or the full number of examples, and report the count."""
    CASES[name] = 0
    settings(
        max_examples=full if campaign_full else ci,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )(test)()
    print(f"{name}: {CASES[name]} cases")
    assert CASES[name] > 0


def _count(name: str) -> None:
    CASES[name] += 1


def _load_only_protocol_errors(data: bytes) -> Protocol | None:
    result = check(data, name="fuzz.yaml")
    for found in result.problems:
        assert found.message().startswith(f"fuzz.yaml:{found.line}: {found.code.name} ")
    try:
        return load_protocol(data, name="fuzz.yaml")
    except ProtocolError as error:
        assert error.problems and result.protocol is None
        return None


@st.composite
def mutated_yaml(draw: st.DrawFn) -> bytes:
    """The minimal fixture with a few fragments inserted and spans deleted."""
    text = MINIMAL_TEXT
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            fragment = draw(st.sampled_from(YAML_FRAGMENTS) | st.text(max_size=6))
            text = text[:position] + fragment + text[position:]
        else:
            text = text[:position] + text[position + draw(st.integers(1, 40)) :]
    encoded = text.encode("utf-8", "surrogatepass")
    return encoded if draw(st.integers(0, 9)) else encoded + draw(st.binary(min_size=1, max_size=4))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


MINIMAL_PATHS = _paths(MINIMAL_DATA)[1:]


@st.composite
def misshapen_yaml(draw: st.DrawFn) -> bytes:
    """Well-formed YAML of the minimal protocol with values replaced, removed or added at random places."""
    data = copy.deepcopy(MINIMAL_DATA)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(MINIMAL_PATHS))
        parent = data
        try:
            for step in path[:-1]:
                parent = parent[step]
            action = draw(st.integers(0, 2))
            if action == 0:
                parent[path[-1]] = draw(ANY_VALUE)
            elif action == 1 and isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.sampled_from(["id", "value", "unknown", "when", "kind", "x"]))] = draw(
                    ANY_VALUE
                )
        except (KeyError, IndexError, TypeError):  # an earlier edit replaced this branch
            continue
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


@FULL_CAMPAIGN_TIMEOUT
def test_fz001_loader_raises_only_protocol_errors(campaign_full: bool) -> None:
    @given(st.one_of(st.binary(max_size=400), mutated_yaml(), misshapen_yaml()))
    def run(data: bytes) -> None:
        _count("FZ001 loader")
        _load_only_protocol_errors(data)

    _campaign("FZ001 loader", run, ci=300, full=20_000, campaign_full=campaign_full)


def _resolver(values: dict[str, Any]) -> Callable[[str], Any]:
    return lambda name: values.get(name, ex.UNKNOWN)


RESOLVED_VALUES = st.one_of(
    st.just(ex.UNKNOWN),
    st.just(ex.EMPTY),
    st.booleans(),
    st.integers(min_value=-(10**4000), max_value=10**4000),
    st.floats(),
    st.text(max_size=10),
    st.lists(st.text(max_size=5), max_size=3).map(tuple),
)


@FULL_CAMPAIGN_TIMEOUT
def test_fz002_expression_parser_raises_only_syntax_errors(campaign_full: bool) -> None:
    @given(
        st.one_of(
            st.lists(st.sampled_from(EXPRESSION_TOKENS), max_size=40).map("".join), st.text(max_size=60)
        ),
        st.dictionaries(st.sampled_from(["paid", "age", "danger", "nope", "."]), RESOLVED_VALUES),
    )
    def run(source: str, values: dict[str, Any]) -> None:
        _count("FZ002 expressions")
        try:
            parsed = ex.parse(source)
        except ex.ExpressionSyntaxError as error:
            assert str(error)
            return
        assert ex.depth(parsed.tree) <= ex.MAX_DEPTH
        result = parsed.evaluate(_resolver(values))
        assert result is ex.UNKNOWN or isinstance(result, str | int | float | bool | tuple)
        assert parsed.holds(_resolver(values)) in (True, False, ex.UNKNOWN)

    _campaign("FZ002 expressions", run, ci=500, full=50_000, campaign_full=campaign_full)


def _hostile_run(protocol: Protocol, data: st.DataObject) -> None:
    """Drive one interview with valid and hostile moves; every refusal must be a WaypointError."""
    interview = start(protocol)
    for _ in range(6 * len(protocol.questions) + 10):  # bounded: refused moves and "back" repeat questions
        step = next_step(protocol, interview)
        if not isinstance(step, AskQuestion):
            assert isinstance(step, Finished | EmergencyStop)
            break
        question = step.question
        move = data.draw(st.integers(0, 9), label="move")
        try:
            if move <= 4:
                interview = _give(protocol, interview, question.id, data.draw(answer_values(question)))
            elif move <= 6:
                interview = _give(
                    protocol, interview, question.id, data.draw(HOSTILE_ANSWERS, label="hostile")
                )
            elif move == 7:
                interview = back(protocol, interview)
            else:
                qid = data.draw(st.sampled_from([q.id for q in protocol.questions] + ["", "x" * 300]))
                interview = _give(protocol, interview, qid, data.draw(answer_values(question)))
        except WaypointError as error:
            assert error.message()
    result = outcome(protocol, interview)
    json.dumps(result.to_dict())
    assert Interview.from_dict(json.loads(json.dumps(interview.to_dict()))) == interview


def _give(protocol: Protocol, interview: Interview, qid: str, value: Any) -> Interview:
    if value == DECLINED:
        return decline(protocol, interview, qid)
    return answer(protocol, interview, qid, value)


@FULL_CAMPAIGN_TIMEOUT
@pytest.mark.parametrize("protocol_id", PROTOCOL_IDS)
def test_fz003_whole_interview_raises_only_project_errors(protocol_id: str, campaign_full: bool) -> None:
    protocol = get_protocol(protocol_id)

    @given(st.data())
    def run(data: st.DataObject) -> None:
        _count(f"FZ003 interview {protocol_id}")
        _hostile_run(protocol, data)

    _campaign(f"FZ003 interview {protocol_id}", run, ci=60, full=5_000, campaign_full=campaign_full)


FUZZ_BODY = """\
sections:
  - id: main
    title: Main
    questions:
      - {{id: danger, kind: yes_no, text: Are you in danger now?}}
      - {{id: age, kind: number, fact: age, text: How old are you?}}
      - id: paid
        kind: multiple_choice
        text: How are you paid?
        relevant: {relevant}
        options:
          - {{value: cash, label: Cash}}
          - {{value: bank, label: Bank}}
          - {{value: none, label: Not at all, exclusive: true}}
      - {{id: hours, kind: number, text: Hours a day?, constraint: {constraint}}}
indicators:
  - {{id: one, label: One, when: {when}, element: purpose, strength: medium}}
referrals:
  - {{need: shelter, when: {when}}}
emergency:
  - {{id: now, when: {emergency}, guidance: Call for help.}}
"""
HEADER = 'id: fuzz\nversion: "1"\ntitle: Fuzz screen\naudience: general\nvalidation_status: Test only.\n'
FUZZ_EXPRESSION_TOKENS = [t for t in EXPRESSION_TOKENS if t not in ("\n", "'", "${")] + [
    "${hours}",
    "'cash'",
    "'none'",
    "count-selected(${paid})",
    "selected(${paid}, 'bank')",
]


@FULL_CAMPAIGN_TIMEOUT
def test_fz004_random_conditions_lint_or_run(campaign_full: bool) -> None:
    expression = st.lists(st.sampled_from(FUZZ_EXPRESSION_TOKENS), min_size=1, max_size=12).map(" ".join)

    @given(expression, expression, expression, expression, st.data())
    def run(relevant: str, constraint: str, when: str, emergency: str, data: st.DataObject) -> None:
        _count("FZ004 random conditions")
        fields = {"relevant": relevant, "constraint": constraint, "when": when, "emergency": emergency}
        body = FUZZ_BODY.format(**{key: json.dumps(value) for key, value in fields.items()})
        text = HEADER + CONSENT + textwrap.dedent(body)
        protocol = _load_only_protocol_errors(text.encode("utf-8"))
        if protocol is not None:
            _hostile_run(protocol, data)

    _campaign("FZ004 random conditions", run, ci=200, full=20_000, campaign_full=campaign_full)


def test_fz005_huge_numbers_in_a_valid_protocol_run_to_an_outcome() -> None:
    """The run-time half of FZ004 made certain: arithmetic on the largest answers never raises."""
    fields = {
        "relevant": "${age} * ${age} > 1",
        "constraint": ". mod 7 >= 0",
        "when": "${hours} > 1",
        "emergency": "false()",
    }
    body = FUZZ_BODY.format(**{key: json.dumps(value) for key, value in fields.items()})
    protocol = load_protocol((HEADER + CONSENT + textwrap.dedent(body)).encode(), name="fuzz.yaml")
    interview = start(protocol)
    answers = {"danger": "no", "paid": ["cash"]}
    while isinstance(step := next_step(protocol, interview), AskQuestion):
        qid = step.question.id
        if step.question.kind is QuestionKind.NUMBER:
            with pytest.raises(AnswerError):  # beyond the float range: refused, never an OverflowError
                answer(protocol, interview, qid, -(10**400))
            interview = answer(protocol, interview, qid, 10**300)
        else:
            interview = answer(protocol, interview, qid, answers[qid])
    assert interview.answers["hours"] == 10**300
    assert isinstance(step, Finished)
    assert [f.id for f in outcome(protocol, interview).indicators] == ["one"]
