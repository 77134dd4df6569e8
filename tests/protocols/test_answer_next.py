"""Answering returns the next step (issue 17): one walk per answer, for every caller.

AC001: `answer_next` and `decline_next` return the new Interview and the same step `next_step` gives
       for it (the very object: computed once), on every shipped protocol, over seeded fills.
AC002: `answer` and `decline` still return only the Interview, equal to `answer_next(...).interview`;
       a bad value raises the same AnswerError through both and changes nothing.
AC003: the step equals the one a state read back from JSON gives (no cached walk), at every answer.
AC004: the command line's dry run (`plan_answers`) walks each answer once: `next_step` never walks
       again for a state `answer_next` produced.
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
    answers = {f"q{i}": "yes" for i in range(60)}
    walks = 0
    real_step = engine_module._step

    def counting(*args: object) -> object:
        nonlocal walks
        walks += 1
        return real_step(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_module, "_step", counting)
    plan = plan_answers(protocol, answers)
    assert len(plan.steps) == 60
    assert walks == 60 + 1  # one step per answer, and the first question
