"""Answering returns the next step (issue 17): one walk per answer, for every caller.

AC001: `answer_next` and `decline_next` return the new Interview and the same step `next_step` gives
       for it (the very object: computed once), on every shipped protocol, over seeded fills.
AC002: `answer` and `decline` still return only the Interview, equal to `answer_next(...).interview`;
       a bad value raises the same AnswerError through both and changes nothing.
AC003: the step equals the one a state read back from JSON gives (no cached walk), at every answer.
AC004: the command line's dry run (`plan_answers`) walks each answer once: `next_step` never walks
       again for a state `answer_next` produced.
AC005: the walk of an interview that knows nothing yet is computed once per protocol; interviews
       started from it never share values or kept sums, and the first step stays the same.
"""

from __future__ import annotations

import random

import pytest
from test_protocol_answer_log import pick, wide

from screening_protocols import (
    DECLINED,
    Answered,
    AnswerError,
    AskQuestion,
    Interview,
    Protocol,
    answer,
    answer_next,
    decline,
    decline_next,
    get_protocol,
    list_protocols,
    next_step,
    start,
)
from screening_protocols import engine as engine_module
from screening_protocols.engine import resolved_values
from screening_protocols.expressions import UNKNOWN


def _fill(protocol: Protocol, seed: int) -> list[tuple[Interview, Answered]]:
    """A seeded fill through answer_next/decline_next: (state before, what answering returned).

    Checks at each answer, before the next one reuses the walk, that `next_step` reads back the
    very step answering returned.
    """
    rng = random.Random(seed)
    interview = start(protocol)
    step = next_step(protocol, interview)
    done: list[tuple[Interview, Answered]] = []
    for _ in range(len(protocol.questions) + 1):
        if not isinstance(step, AskQuestion):
            break
        question = step.question
        value = pick(question, rng)
        try:
            if value == DECLINED:
                answered = decline_next(protocol, interview, question.id)
            else:
                answered = answer_next(protocol, interview, question.id, value)  # type: ignore[arg-type]
        except AnswerError:
            answered = decline_next(protocol, interview, question.id)
        assert isinstance(answered, Answered)
        assert next_step(protocol, answered.interview) is answered.step
        done.append((interview, answered))
        interview, step = answered
    return done


@pytest.mark.parametrize("protocol_id", [summary.id for summary in list_protocols()])
def test_ac001_answer_next_returns_the_step_next_step_gives(protocol_id: str) -> None:
    protocol = get_protocol(protocol_id)
    for seed in range(3):
        assert _fill(protocol, seed)  # checks each step as it goes


def test_ac001_wide_protocol() -> None:
    protocol = wide(300)
    assert len(_fill(protocol, 7)) > 200


def test_ac002_answer_and_decline_still_return_the_interview() -> None:
    protocol = get_protocol("border-rapid")
    interview = start(protocol)
    step = next_step(protocol, interview)
    assert isinstance(step, AskQuestion)
    qid = step.question.id
    plain = answer(protocol, interview, qid, "no")
    assert isinstance(plain, Interview)
    assert plain == answer_next(protocol, interview, qid, "no").interview
    assert decline(protocol, interview, qid) == decline_next(protocol, interview, qid).interview
    with pytest.raises(AnswerError) as through_answer:
        answer(protocol, interview, qid, "maybe")
    with pytest.raises(AnswerError) as through_next:
        answer_next(protocol, interview, qid, "maybe")
    assert through_answer.value.message() == through_next.value.message()
    assert next_step(protocol, interview) == step  # nothing changed


@pytest.mark.parametrize("protocol_id", ["border-rapid", "labour-inspection"])
def test_ac003_step_equals_a_cold_walk(protocol_id: str) -> None:
    protocol = get_protocol(protocol_id)
    for _, answered in _fill(protocol, 11):
        cold = Interview.from_dict(answered.interview.to_dict())
        assert next_step(protocol, cold) == answered.step


def test_ac004_plan_answers_walks_once_per_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from waypoint.cli.interview import plan_answers

    protocol = wide(60)
    next_step(protocol, start(protocol))  # the protocol's first walk, computed once and copied after
    answers = {f"q{i}": "yes" for i in range(60)}
    walks = _count_walks(monkeypatch)
    plan = plan_answers(protocol, answers)
    assert len(plan.steps) == 60
    assert len(walks) == 60  # one walk per answer; the first question comes from the first walk's copy


def test_ac005_first_walk_once_per_protocol_never_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    protocol = wide(30)
    first = next_step(protocol, start(protocol))
    walks = _count_walks(monkeypatch)
    yes, no = start(protocol), start(protocol)
    assert next_step(protocol, yes) == first and not walks  # a copy of the protocol's first walk
    for _ in range(12):
        yes = answer(protocol, yes, _current_id(protocol, yes), "yes")
        no = answer(protocol, no, _current_id(protocol, no), "no")
    assert len(walks) == 24
    monkeypatch.undo()
    assert resolved_values(protocol, yes)["yeses"] is UNKNOWN  # q20 onward not answered yet
    cold_yes, cold_no = (Interview.from_dict(i.to_dict()) for i in (yes, no))
    assert resolved_values(protocol, yes) == resolved_values(protocol, cold_yes)
    assert resolved_values(protocol, no) == resolved_values(protocol, cold_no)
    assert resolved_values(protocol, yes)["q10"] == "yes" and resolved_values(protocol, no)["q10"] == "no"
    fresh, walked = start(protocol), start(protocol, {"not_declared": 1})  # a fact: walked from scratch
    assert next_step(protocol, fresh) == first == next_step(protocol, walked)
    assert dict(resolved_values(protocol, fresh)) == dict(resolved_values(protocol, walked))


def _current_id(protocol: Protocol, interview: Interview) -> str:
    step = next_step(protocol, interview)
    assert isinstance(step, AskQuestion)
    return step.question.id


def _count_walks(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    """From now on, one item per walk of the engine (`_continue`)."""
    walks: list[None] = []
    real_walk = engine_module._continue

    def counting(*args: object) -> None:
        walks.append(None)
        real_walk(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_module, "_continue", counting)
    return walks
