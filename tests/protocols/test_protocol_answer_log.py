"""The engine's state: an answer costs the same at question 800 as at question 8.

EN100: consecutive states share one answer log (nothing is copied per answer), and each state still
       sees exactly its own answers.
EN101: after `back`, answering again starts a new line of history; the states before keep theirs.
EN102: answering the same state twice gives two independent interviews.
EN103: `answer` computes the next step once: `next_step` on the Interview it returns reads it back.
EN104: an older state whose walk was reused by a later answer walks again and gives its own step.
EN105: `changes_since` is small and JSON-safe, and `with_changes` rebuilds the same interview, also
       across `back` and `resume`; a change that does not fit is an InterviewStateError.
EN106: the shipped protocols give the same steps and outcomes through the log as from a state read
       back from JSON at every answer.
EN107: the Interview an answer returns (built without `__init__`) has exactly the fields, equality
       and JSON form of one built the ordinary way.
"""

from __future__ import annotations

import json
import random

import pytest

from screening_protocols import (
    DECLINED,
    AnswerError,
    AskQuestion,
    EmergencyStop,
    Interview,
    InterviewStateError,
    Protocol,
    Question,
    QuestionKind,
    answer,
    back,
    decline,
    get_protocol,
    list_protocols,
    next_step,
    outcome,
    resume,
    start,
)
from screening_protocols import engine as engine_module


def pick(question: Question, rng: random.Random) -> object:
    """A plausible answer of the right kind (or "declined")."""
    if rng.random() < 0.15 and question.kind is not QuestionKind.INFO:
        return DECLINED
    kind = question.kind
    if kind is QuestionKind.YES_NO:
        return rng.choice(["yes", "no", "unsure"])
    if kind is QuestionKind.SINGLE_CHOICE:
        return rng.choice(question.options).value
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return [rng.choice(question.options).value]
    if kind is QuestionKind.NUMBER:
        low = int(question.minimum or 0)
        return min(low + rng.randrange(0, 40), int(question.maximum or 10**6))
    if kind is QuestionKind.DATE:
        return "2020-01-31"
    if kind is QuestionKind.TEXT:
        return "town"
    return None


def give(protocol: Protocol, interview: Interview, question: Question, rng: random.Random) -> Interview:
    value = pick(question, rng)
    try:
        if value == DECLINED:
            return decline(protocol, interview, question.id)
        return answer(protocol, interview, question.id, value)  # type: ignore[arg-type]
    except AnswerError:
        return decline(protocol, interview, question.id)


def wide(size: int = 300) -> Protocol:
    from protocol_helpers import CONSENT

    from screening_protocols import load_protocol

    lines = ["sections:", "  - id: s", "    title: S", "    questions:"]
    for i in range(size):
        lines += [f"      - id: q{i}", "        kind: yes_no", f"        text: Question {i}?"]
        if i % 3 == 2:
            lines.append(f"        relevant: ${{q{i - 1}}} != 'no'")
    lines += ["calculates:", "  - id: yeses", "    calculation: " + " + ".join(
        f"if(${{q{i}}} = 'yes', 1, 0)" for i in range(0, size, 10))]  # fmt: skip
    text = (
        'id: wide\nversion: "1"\ntitle: Wide\naudience: general\nvalidation_status: Test.\n'
        "decision:\n  age_fact: null\n" + CONSENT + "\n".join(lines) + "\n"
    )
    return load_protocol(text.encode(), name="wide.yaml")


def answer_all(
    protocol: Protocol, interview: Interview, pick: str = "yes", limit: int = 1000
) -> list[Interview]:
    states = [interview]
    for _ in range(limit):
        step = next_step(protocol, states[-1])
        if not isinstance(step, AskQuestion):
            break
        states.append(answer(protocol, states[-1], step.question.id, pick))
    return states


def ask_id(protocol: Protocol, interview: Interview) -> str:
    step = next_step(protocol, interview)
    assert isinstance(step, AskQuestion)
    return step.question.id


def test_en100_states_share_one_log() -> None:
    protocol = wide()
    states = answer_all(protocol, start(protocol))
    logs = {id(state.log[0]) for state in states[1:] if state.log is not None}
    assert len(logs) == 1 and len(states) > 250
    for count, state in enumerate(states):
        assert len(state.answers) == len(state.asked) == count
    assert list(states[10].asked) == list(states[-1].asked[:10])
    assert "q12" in states[-1].answers and "q12" not in states[5].answers
    with pytest.raises(KeyError):
        states[5].answers["q12"]


def test_en101_back_then_answer_forks_the_history() -> None:
    protocol = wide(30)
    states = answer_all(protocol, start(protocol), limit=6)
    earlier = back(protocol, states[-1])
    assert earlier == states[-2]
    changed = answer(protocol, earlier, states[-1].asked[-1], "no")
    assert changed.answers[states[-1].asked[-1]] == "no"
    assert states[-1].answers[states[-1].asked[-1]] == "yes"  # the later state is untouched
    assert changed.log is not None and changed.log[0] is not states[-1].log[0]  # type: ignore[index]
    assert list(changed.asked) == list(states[-1].asked)


def test_en102_answering_one_state_twice() -> None:
    protocol = wide(30)
    interview = answer_all(protocol, start(protocol), limit=4)[-1]
    step = next_step(protocol, interview)
    assert isinstance(step, AskQuestion)
    yes = answer(protocol, interview, step.question.id, "yes")
    no = answer(protocol, interview, step.question.id, "no")
    assert yes.answers[step.question.id] == "yes" and no.answers[step.question.id] == "no"
    assert ask_id(protocol, yes) == "q5" and ask_id(protocol, no) == "q6"  # q5 reads q4


def test_en103_answer_computes_the_next_step_once(monkeypatch: pytest.MonkeyPatch) -> None:
    protocol = wide(30)
    interview = start(protocol)
    first = next_step(protocol, interview)
    assert isinstance(first, AskQuestion)
    walks = []
    real = engine_module._continue

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        walks.append(args[4])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine_module, "_continue", counted)
    answered = answer(protocol, interview, first.question.id, "yes")
    step = next_step(protocol, answered)
    assert next_step(protocol, answered) is step
    assert walks == [1]  # one walk, continued after the answered question, for answer and next_step


def test_en104_an_older_state_still_gives_its_own_step() -> None:
    protocol = wide(30)
    states = answer_all(protocol, start(protocol), limit=8)
    for count, state in enumerate(states[:-1]):
        step = next_step(protocol, state)
        assert isinstance(step, AskQuestion)
        assert step.question.id == states[count + 1].asked[-1]
        fresh = Interview.from_dict(state.to_dict())
        assert next_step(protocol, fresh) == step


def test_en105_changes_since_and_with_changes() -> None:
    protocol = get_protocol("border-rapid")
    states = [start(protocol)]
    rng = random.Random(5)
    for _ in range(40):
        step = next_step(protocol, states[-1])
        if isinstance(step, EmergencyStop):
            states.append(resume(protocol, states[-1]))
            continue
        if not isinstance(step, AskQuestion):
            break
        if len(states[-1].asked) > 2 and rng.random() < 0.2:
            states.append(back(protocol, states[-1]))
            continue
        states.append(give(protocol, states[-1], step.question, rng))
    saved = states[0]
    rebuilt = saved
    for state in states[1:]:
        change = json.loads(json.dumps(state.changes_since(saved)))
        assert len(change["answers"]) <= len(state.asked)
        rebuilt = rebuilt.with_changes(change)
        assert rebuilt == state
        saved = state
    assert states[-1].changes_since(states[-2])["keep"] >= len(states[-1].asked) - 1
    with pytest.raises(InterviewStateError):
        states[0].with_changes(
            {"format": "waypoint-interview-change/1", "keep": 5, "answers": [], "resumed": []}
        )
    with pytest.raises(InterviewStateError):
        states[0].with_changes({"format": "other"})


@pytest.mark.parametrize("protocol", list_protocols(), ids=lambda p: p.id)
def test_en106_log_and_json_states_agree(protocol: Protocol) -> None:
    for seed in range(3):
        rng = random.Random(seed)
        interview = start(protocol)
        for _ in range(80):
            step = next_step(protocol, interview)
            cold = Interview.from_dict(interview.to_dict())
            assert next_step(protocol, cold) == step
            assert outcome(protocol, cold) == outcome(protocol, interview)
            if isinstance(step, EmergencyStop):
                interview = resume(protocol, interview)
                continue
            if not isinstance(step, AskQuestion):
                break
            if interview.asked and rng.random() < 0.1:
                interview = back(protocol, interview)
                continue
            interview = give(protocol, interview, step.question, rng)


def test_en107_an_answered_interview_is_an_ordinary_interview() -> None:
    protocol = wide(30)
    interview = answer_all(protocol, start(protocol), limit=5)[-1]
    ordinary = Interview(
        interview.protocol_id,
        interview.protocol_version,
        interview.facts,
        dict(interview.answers),
        tuple(interview.asked),
        resumed=interview.resumed,
    )
    assert set(vars(interview)) == set(vars(ordinary))
    assert interview == ordinary and ordinary == interview
    same_views = Interview(
        interview.protocol_id,
        interview.protocol_version,
        interview.facts,
        interview.answers,
        interview.asked,
        resumed=interview.resumed,
    )
    assert repr(interview) == repr(same_views)
    assert interview.to_dict() == ordinary.to_dict()
    with pytest.raises(AttributeError):
        interview.protocol_id = "other"  # type: ignore[misc]
