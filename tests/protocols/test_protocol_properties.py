"""Property tests over random answer sequences on every shipped protocol.

PP001: the engine never crashes: any answer sequence (with "back" mixed in) reaches Finished or an
       EmergencyStop, and the outcome and the state round-trip through JSON.
PP002: no question is ever asked twice, and no question whose fact is known is asked.
PP003: changing one answer from "yes" to "declined" never makes the outcome more severe: the level's
       concern never rises, no indicator appears, and "insufficient information" never becomes
       "no indicators found".
PP004: a run where every trigger question is declined ends as "insufficient_information", never as
       "no_indicators_found".
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol_helpers import answer_values

from screening_protocols import (
    DECLINED,
    AnswerError,
    AskQuestion,
    EmergencyStop,
    Finished,
    Interview,
    OutcomeLevel,
    Protocol,
    answer,
    back,
    decline,
    get_protocol,
    list_protocols,
    next_step,
    outcome,
    start,
)

PROTOCOL_IDS = [p.id for p in list_protocols()]
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _give(protocol: Protocol, interview: Interview, qid: str, value: object) -> Interview:
    if value == DECLINED:
        return decline(protocol, interview, qid)
    return answer(protocol, interview, qid, value)  # type: ignore[arg-type]


def _random_run(
    protocol: Protocol, data: st.DataObject, *, allow_back: bool
) -> tuple[Interview, list[tuple[str, object]]]:
    """Walk the protocol with drawn answers; return the final interview and the answers in order."""
    interview = start(protocol)
    given_answers: list[tuple[str, object]] = []
    for _ in range(4 * len(protocol.questions) + 10):  # bounded: back moves can revisit questions
        step = next_step(protocol, interview)
        if not isinstance(step, AskQuestion):
            assert isinstance(step, Finished | EmergencyStop)
            break
        question = step.question
        assert question.id not in interview.asked, "PP002: asked twice"
        assert not (question.fact and question.fact in interview.facts), "PP002: fact already known"
        assert 1 <= step.position <= step.estimated_total
        if allow_back and interview.asked and data.draw(st.integers(0, 9), label="back?") == 0:
            interview = back(protocol, interview)
            given_answers.pop()
            continue
        value = data.draw(answer_values(question), label=question.id)
        try:
            interview = _give(protocol, interview, question.id, value)
        except AnswerError:  # a value can fail a cross-question constraint: the officer declines instead
            value = DECLINED
            interview = decline(protocol, interview, question.id)
        given_answers.append((question.id, value))
    else:
        pytest.fail("PP001: the run did not end")
    assert len(set(interview.asked)) == len(interview.asked), "PP002: asked twice"
    return interview, given_answers


@pytest.mark.parametrize("protocol_id", PROTOCOL_IDS)
@SETTINGS
@given(data=st.data())
def test_pp001_pp002_random_runs_end_cleanly(protocol_id: str, data: st.DataObject) -> None:
    protocol = get_protocol(protocol_id)
    interview, _ = _random_run(protocol, data, allow_back=True)
    result = outcome(protocol, interview)
    assert isinstance(result.level, OutcomeLevel)
    json.dumps(result.to_dict())
    restored = Interview.from_dict(json.loads(json.dumps(interview.to_dict())))
    assert restored == interview
    assert outcome(protocol, restored) == result
    assert next_step(protocol, restored) == next_step(protocol, interview)


def _replay(protocol: Protocol, recorded: dict[str, object], target: str) -> Interview:
    interview = start(protocol)
    for _ in range(len(protocol.questions) + 1):
        step = next_step(protocol, interview)
        if not isinstance(step, AskQuestion):
            return interview
        qid = step.question.id
        value = DECLINED if qid == target or qid not in recorded else recorded[qid]
        if step.question.kind.answerable is False:
            value = None
        interview = _give(protocol, interview, qid, value)
    pytest.fail("replay did not end")


@pytest.mark.parametrize("protocol_id", PROTOCOL_IDS)
@SETTINGS
@given(data=st.data())
def test_pp003_declining_a_yes_never_makes_the_outcome_more_severe(
    protocol_id: str, data: st.DataObject
) -> None:
    protocol = get_protocol(protocol_id)
    interview, given_answers = _random_run(protocol, data, allow_back=False)
    yeses = [qid for qid, value in given_answers if value == "yes"]
    if not yeses:
        return
    target = data.draw(st.sampled_from(yeses), label="yes to decline")
    before = outcome(protocol, interview)
    after = outcome(protocol, _replay(protocol, dict(given_answers), target))
    assert after.level.concern <= before.level.concern, (target, before.level, after.level)
    assert {f.id for f in after.indicators} <= {f.id for f in before.indicators}
    if before.level is OutcomeLevel.INSUFFICIENT_INFORMATION:
        assert after.level is not OutcomeLevel.NO_INDICATORS_FOUND
    assert set(after.referral_needs) - {"child_protection"} <= set(before.referral_needs)


@pytest.mark.parametrize("protocol_id", PROTOCOL_IDS)
@SETTINGS
@given(data=st.data())
def test_pp004_all_triggers_declined_is_insufficient_information(
    protocol_id: str, data: st.DataObject
) -> None:
    protocol = get_protocol(protocol_id)
    triggers = protocol.trigger_question_ids
    assert triggers, "a shipped protocol has trigger questions"
    interview = start(protocol)
    while isinstance(step := next_step(protocol, interview), AskQuestion):
        question = step.question
        value = DECLINED if question.id in triggers else data.draw(answer_values(question), label=question.id)
        interview = _give(protocol, interview, question.id, value)
    result = outcome(protocol, interview)
    assert result.level is OutcomeLevel.INSUFFICIENT_INFORMATION, result.reasons
    assert set(result.unknown) & triggers
