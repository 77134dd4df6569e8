"""The engine: pure functions over an immutable interview state.

EN001: questions are asked in file order, skipping those whose relevance is false; a question whose
       relevance is unknown (it depends on a declined answer) is not asked.
EN002: a fact given at the start is never asked; facts appear in the outcome and carry forward.
EN003: "prefer not to answer" is accepted on every answerable question and recorded as unknown.
EN004: answers are validated per kind; a bad value raises AnswerError naming the question and what is
       allowed, and never quoting the value.
EN005: back undoes the last answer; answering anything but the current question is refused.
EN006: an immediate-danger rule stops questioning at once.
EN007: Interview is frozen, and to_dict()/from_dict() round-trip through JSON.
EN008: information screens are acknowledged with None and never scored.
EN009: a constraint that fails names the question; one that is unknown does not block the answer.
EN010: position counts from 1 and the estimate never falls below it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest

from screening_protocols import (
    DECLINED,
    AnswerError,
    AskQuestion,
    EmergencyStop,
    Finished,
    Interview,
    InterviewStateError,
    Protocol,
    answer,
    back,
    carried_facts,
    decline,
    get_protocol,
    next_step,
    outcome,
    start,
)

BODY = """\
sections:
  - id: main
    title: Main
    questions:
      - id: danger
        kind: yes_no
        text: Are you in danger now?
      - id: age
        kind: number
        fact: age
        min: 0
        max: 120
        text: How old are you?
      - id: note
        kind: info
        text: You can stop at any time.
      - id: works
        kind: yes_no
        text: Do you work?
      - id: paid
        kind: yes_no
        relevant: ${works} = 'yes'
        text: Are you paid?
      - id: sectors
        kind: multiple_choice
        relevant: ${works} = 'yes'
        text: Where do you work?
        options:
          - {value: farm, label: Farm}
          - {value: home, label: Home}
          - {value: none, label: None of these, exclusive: true}
      - id: started
        kind: date
        required: false
        text: When did you start?
      - id: hours
        kind: number
        constraint: . <= 24 and . >= ${age} div 100
        constraint_message: Hours must fit in a day.
        text: Hours per day?
      - id: where
        kind: text
        key: true
        max_length: 20
        text: Which town?
indicators:
  - id: unpaid
    label: Unpaid
    when: ${paid} = 'no'
    element: purpose
    strength: medium
  - id: long_days
    label: Long days
    when: ${hours} > 12
    element: purpose
    strength: weak
emergency:
  - id: now
    when: ${danger} = 'yes'
    guidance: Call for help.
"""


@pytest.fixture
def protocol(make_protocol: Callable[..., Protocol]) -> Protocol:
    return make_protocol(BODY)


def ask(protocol: Protocol, interview: Interview) -> str:
    step = next_step(protocol, interview)
    assert isinstance(step, AskQuestion), step
    return step.question.id


def run(protocol: Protocol, interview: Interview, *values: object) -> Interview:
    for value in values:
        qid = ask(protocol, interview)
        interview = (
            decline(protocol, interview, qid)
            if value == DECLINED
            else answer(protocol, interview, qid, value)
        )  # type: ignore[arg-type]
    return interview


def test_en001_relevance_true_false_and_unknown(protocol: Protocol) -> None:
    interview = run(protocol, start(protocol), "no", 30, None, "yes")
    assert ask(protocol, interview) == "paid"
    skipped = run(protocol, start(protocol), "no", 30, None, "no")
    assert ask(protocol, skipped) == "started"
    unknown = run(protocol, start(protocol), "no", 30, None, DECLINED)
    assert ask(protocol, unknown) == "started"
    result = outcome(protocol, run(protocol, unknown, None, 5, "Lyon"))
    assert "paid" in result.unknown  # not asked because its relevance was unknown: still unknown
    assert "paid" not in outcome(protocol, run(protocol, skipped, None, 5, "Lyon")).unknown


def test_en002_facts_are_never_asked_and_carry_forward(protocol: Protocol) -> None:
    interview = start(protocol, facts={"age": 16, "nationality": "XX"})
    interview = run(protocol, interview, "no")
    assert ask(protocol, interview) == "note"
    assert "age" not in interview.asked
    result = outcome(protocol, run(protocol, interview, None, "no", None, 8, "Lyon"))
    assert result.facts["age"] == 16 and result.child_rule
    assert carried_facts(protocol, interview) == {"age": 16, "nationality": "XX"}
    border = get_protocol("border-rapid")
    done = run(border, start(border), "no", 30, "appears_adult", "self", "no_job", "me", "me", "no", "no")
    consular = get_protocol("consular-screen")
    follow_up = start(consular, facts=carried_facts(border, done))
    asked_next = run(consular, follow_up, "no", "yes")
    assert ask(consular, asked_next) == "understands_well"  # age and age_observed carried, not asked


def test_en002_a_fact_that_does_not_fit_is_refused(protocol: Protocol) -> None:
    with pytest.raises(AnswerError) as caught:
        start(protocol, facts={"age": 300})
    assert caught.value.params["qid"] == "age" and "300" not in str(caught.value)


@pytest.mark.parametrize(
    "qid_values", [("danger", []), ("age", ["no"]), ("sectors", ["no", 30, None, "yes", "yes"])]
)
def test_en003_every_answerable_question_accepts_declined(
    protocol: Protocol, qid_values: tuple[str, list[object]]
) -> None:
    qid, before = qid_values
    interview = run(protocol, start(protocol), *before)
    assert ask(protocol, interview) == qid
    declined = decline(protocol, interview, qid)
    assert declined.answers[qid] == DECLINED


@pytest.mark.parametrize(
    ("prefix", "qid", "bad"),
    [
        ([], "danger", "maybe"),
        ([], "danger", 1),
        (["no"], "age", "thirty"),
        (["no"], "age", 121),
        (["no"], "age", True),
        (["no"], "age", float("nan")),
        (["no", 30, None, "yes", "yes"], "sectors", "farm"),
        (["no", 30, None, "yes", "yes"], "sectors", ["farm", "boat"]),
        (["no", 30, None, "yes", "yes"], "sectors", ["farm", "none"]),
        (["no", 30, None, "no"], "started", "31/12/2020"),
        (["no", 30, None, "no"], "started", "2020-02-30"),
        (["no", 30, None, "no", None], "hours", 25),
        (["no", 30, None, "no", None, 8], "where", "x" * 21),
        (["no", 30, None, "no", None, 8], "where", "   "),
        (["no", 30, None, "no", None, 8], "where", None),
    ],
)
def test_en004_bad_values_name_the_question_and_what_is_allowed(
    protocol: Protocol, prefix: list[object], qid: str, bad: object
) -> None:
    interview = run(protocol, start(protocol), *prefix)
    with pytest.raises(AnswerError) as caught:
        answer(protocol, interview, qid, bad)  # type: ignore[arg-type]
    assert caught.value.params["qid"] == qid
    assert qid in str(caught.value)
    if isinstance(bad, str) and len(bad) > 3 and bad != "farm":  # an allowed option is named, a value never
        assert bad not in str(caught.value)


def test_en004_good_values_are_normalised(protocol: Protocol) -> None:
    danger = run(protocol, start(protocol), True)
    assert danger.answers["danger"] == "yes" and isinstance(next_step(protocol, danger), EmergencyStop)
    dated = run(protocol, start(protocol), "no", 30, None, "no", "2020-02-03")
    assert dated.answers["started"] == "2020-02-03"
    calm = run(protocol, start(protocol), False, 30, None, "yes", "no", ["home", "farm"], None, 8, " Lyon ")
    assert calm.answers["sectors"] == ("farm", "home")
    assert calm.answers["started"] is None  # optional question skipped
    assert calm.answers["where"] == "Lyon"
    assert isinstance(next_step(protocol, calm), Finished)


def test_en005_back_and_current_question_only(protocol: Protocol) -> None:
    interview = run(protocol, start(protocol), "no", 30)
    with pytest.raises(AnswerError) as caught:
        answer(protocol, interview, "paid", "yes")
    assert caught.value.params == {"qid": "paid", "current": "note"}
    previous = back(protocol, interview)
    assert ask(protocol, previous) == "age" and "age" not in previous.answers
    with pytest.raises(AnswerError):
        back(protocol, back(protocol, previous))
    with pytest.raises(AnswerError):
        answer(protocol, interview, "no_such_question", "yes")


def test_en006_emergency_stops_questioning(protocol: Protocol) -> None:
    interview = run(protocol, start(protocol), "yes")
    step = next_step(protocol, interview)
    assert isinstance(step, EmergencyStop)
    assert step.because == ("danger",) and step.guidance == ("Call for help.",)
    with pytest.raises(AnswerError):
        answer(protocol, interview, "age", 30)
    assert ask(protocol, back(protocol, interview)) == "danger"
    assert outcome(protocol, interview).level.value == "immediate_danger"


def test_en007_interview_is_frozen_and_round_trips(protocol: Protocol) -> None:
    interview = run(
        protocol, start(protocol, facts={"nationality": "XX"}), "no", 30, None, "yes", "unsure", ["farm"]
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        interview.asked = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        interview.answers["danger"] = "yes"  # type: ignore[index]
    data = json.loads(json.dumps(interview.to_dict()))
    assert data["answers"]["sectors"] == ["farm"]
    restored = Interview.from_dict(data)
    assert restored == interview
    assert next_step(protocol, restored) == next_step(protocol, interview)
    for broken in (
        {},
        {**data, "format": "other"},
        {**data, "asked": ["danger"]},
        {**data, "answers": {"x": {}}},
    ):
        with pytest.raises(InterviewStateError):
            Interview.from_dict(broken)


def test_en008_information_screens_take_no_answer(protocol: Protocol) -> None:
    interview = run(protocol, start(protocol), "no", 30)
    assert ask(protocol, interview) == "note"
    with pytest.raises(AnswerError):
        decline(protocol, interview, "note")
    with pytest.raises(AnswerError):
        answer(protocol, interview, "note", "yes")
    acknowledged = answer(protocol, interview, "note", None)
    assert "note" not in protocol.key_question_ids and acknowledged.asked[-1] == "note"


def test_en009_constraints(protocol: Protocol) -> None:
    interview = run(protocol, start(protocol), "no", 30, None, "no", None)
    with pytest.raises(AnswerError) as caught:
        answer(protocol, interview, "hours", 25)
    assert "outside what the question allows" in str(caught.value)
    unknown_age = run(protocol, start(protocol), "no", DECLINED, None, "no", None)
    assert answer(protocol, unknown_age, "hours", 3).answers["hours"] == 3  # ${age} unknown: not blocked


def test_en010_position_and_estimate(protocol: Protocol) -> None:
    interview = start(protocol)
    positions = []
    while isinstance(step := next_step(protocol, interview), AskQuestion):
        assert step.position == len(interview.asked) + 1 <= step.estimated_total
        positions.append(step.position)
        value = {"danger": "no", "age": 30, "works": "no", "where": "Lyon", "hours": 8}.get(step.question.id)
        interview = answer(protocol, interview, step.question.id, value)
    assert positions == list(range(1, len(positions) + 1))


def test_en011_a_different_protocols_interview_is_refused(protocol: Protocol) -> None:
    border = get_protocol("border-rapid")
    with pytest.raises(AnswerError):
        next_step(border, start(protocol))


def test_en012_a_cached_walk_is_only_reused_with_its_own_protocol(
    make_protocol: Callable[..., Protocol],
) -> None:
    first = make_protocol(BODY)
    interview = run(first, start(first), "no", 30, None)
    assert ask(first, interview) == "works"
    reordered = make_protocol(
        BODY.replace("relevant: ${works} = 'yes'\n        text: Are you paid?", "text: Are you paid?")
    )
    assert ask(reordered, run(reordered, start(reordered), "no", 30, None, "no")) == "paid"
    assert ask(reordered, Interview.from_dict(run(first, interview, "no").to_dict())) == "paid"
    assert ask(reordered, run(first, interview, "no")) == "paid"  # same id, other protocol: walk recomputed
