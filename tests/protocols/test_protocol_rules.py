"""The decision rules table of docs/protocols.md, one test per rule, and the coverage table.

RU001: forced-labour indicators count on their own: 3 distinct ILO indicators including one that shows a
       menace of penalty are strong indicators; 3 without any menace are not.
RU002: a strong sign of organ removal is at least strong indicators; a medium one is not.
RU003: a child in any form of exploitation (a worst form of child labour) is at least strong indicators;
       the same answers from an adult are not.
RU004: the child rule: stated age under 18, or the officer thinks the person may be under 18, or age
       unknown and the officer cannot tell (or has not said) — never a person recorded as clearly adult.
RU005: a specific threat to safety is immediate danger; the officer can continue once the person is safe
       (answers kept, level stays immediate danger), and a saved interview keeps that choice.
RU006: a gate marked `ask_when_unknown` asks its dependants when it is declined.
RU007: insufficient information only when half or more of the key questions that apply are unknown.
RU008: an age is a whole number of years.
RU009: every adult protocol records every Palermo purpose and the other forms; consular-screen and
       labour-inspection record every ILO forced-labour indicator (the coverage table).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from protocol_helpers import CONSENT

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
    check,
    decline,
    get_protocol,
    next_step,
    outcome,
    resume,
    start,
)
from screening_protocols.catalogue import ILO_INDICATORS
from screening_protocols.coverage import coverage

BODY = """\
decision:
  age_fact: age
  age_observed_fact: age_observed
sections:
  - id: main
    title: Main
    questions:
      - {id: danger, kind: yes_no, text: Are you afraid of someone?}
      - {id: age, kind: number, fact: age, min: 0, max: 120, text: How old are you?}
      - id: age_observed
        kind: single_choice
        audience: officer
        fact: age_observed
        relevant: ${age} >= 18
        ask_when_unknown: true
        text: How old does the person appear?
        options:
          - {value: appears_adult, label: Clearly an adult}
          - {value: may_be_minor, label: May be under 18}
          - {value: cannot_tell, label: I cannot tell}
      - {id: works, kind: yes_no, text: Do you work?}
      - {id: unpaid, kind: yes_no, relevant: "${works} = 'yes'", ask_when_unknown: true, text: Unpaid?}
      - {id: hours, kind: yes_no, text: Long hours?}
      - {id: isolated, kind: yes_no, text: Cut off?}
      - id: organ
        kind: single_choice
        text: Operation?
        options: [{value: pressed, label: Pressed}, {value: asked, label: Asked}, {value: none, label: None}]
      - {id: hazard, kind: yes_no, text: Heavy loads?}
indicators:
  - {id: fear, label: Fear, when: "${danger} = 'yes'", element: means, strength: strong}
  - {id: unpaid, label: Unpaid, when: "${unpaid} = 'yes'", element: purpose, strength: medium,
     ilo: [withholding_of_wages]}
  - {id: hours, label: Hours, when: "${hours} = 'yes'", element: purpose, strength: medium,
     ilo: [excessive_overtime]}
  - {id: abusive, label: Abusive, when: "${hours} = 'yes' and ${unpaid} = 'yes'", element: purpose,
     strength: weak, ilo: [abusive_working_and_living_conditions]}
  - {id: isolated, label: Isolated, when: "${isolated} = 'yes'", element: means, strength: medium,
     ilo: [isolation]}
  - {id: organ_pressed, label: Pressed, when: "${organ} = 'pressed'", element: purpose, strength: strong,
     forms: [organ_removal]}
  - {id: organ_asked, label: Asked, when: "${organ} = 'asked'", element: purpose, strength: medium,
     forms: [organ_removal]}
  - {id: hazard, label: Hazard, when: "${hazard} = 'yes'", element: purpose, strength: strong,
     forms: [worst_forms_child_labour]}
emergency:
  - {id: now, when: "${danger} = 'yes'", guidance: Get help now.}
"""
ADULT = {"danger": "no", "age": 30, "age_observed": "appears_adult", "works": "yes", "unpaid": "no",
         "hours": "no", "isolated": "no", "organ": "none", "hazard": "no"}  # fmt: skip


@pytest.fixture
def protocol(make_protocol: Callable[..., Protocol]) -> Protocol:
    return make_protocol(BODY)


def fill(protocol: Protocol, answers: dict[str, object]) -> Interview:
    interview = start(protocol)
    while isinstance(step := next_step(protocol, interview), AskQuestion):
        value = answers[step.question.id]
        qid = step.question.id
        interview = (
            decline(protocol, interview, qid)
            if value == DECLINED
            else answer(protocol, interview, qid, value)
        )  # type: ignore[arg-type]
    return interview


def level(protocol: Protocol, **changes: object) -> tuple[OutcomeLevel, tuple[str, ...]]:
    result = outcome(protocol, fill(protocol, {**ADULT, **changes}))
    return result.level, result.reasons


def test_ru001_forced_labour_indicators_count_on_their_own(protocol: Protocol) -> None:
    strong, reasons = level(protocol, unpaid="yes", hours="yes", isolated="yes")
    assert strong is OutcomeLevel.STRONG_INDICATORS and "ilo_indicator_count" in reasons
    two, _ = level(protocol, hours="yes", isolated="yes")
    assert two is OutcomeLevel.POSSIBLE_INDICATORS


def test_ru001_menace_is_required(make_protocol: Callable[..., Protocol]) -> None:
    body = BODY.replace("ilo: [withholding_of_wages]", "ilo: [deception]")
    protocol = make_protocol(body)
    result = outcome(protocol, fill(protocol, {**ADULT, "unpaid": "yes", "hours": "yes"}))
    assert len({i for f in result.indicators for i in f.ilo}) == 3
    assert result.level is OutcomeLevel.POSSIBLE_INDICATORS and "ilo_indicator_count" not in result.reasons


def test_ru002_organ_removal(protocol: Protocol) -> None:
    pressed, reasons = level(protocol, organ="pressed")
    assert pressed is OutcomeLevel.STRONG_INDICATORS and "organ_removal_sign" in reasons
    assert level(protocol, organ="asked")[0] is OutcomeLevel.POSSIBLE_INDICATORS


def test_ru003_child_in_a_worst_form(protocol: Protocol) -> None:
    child, reasons = level(protocol, age=13, hazard="yes")
    assert child is OutcomeLevel.STRONG_INDICATORS and "child_worst_form" in reasons
    assert level(protocol, hazard="yes")[0] is OutcomeLevel.POSSIBLE_INDICATORS


@pytest.mark.parametrize(
    ("age", "observed", "child", "reason"),
    [
        (15, None, True, "child_rule:under_adult_age"),
        (30, "appears_adult", False, None),
        (30, "cannot_tell", False, None),
        (19, "may_be_minor", True, "child_rule:age_disputed"),
        (DECLINED, "appears_adult", False, None),
        (DECLINED, "may_be_minor", True, "child_rule:age_unknown_may_be_minor"),
        (DECLINED, "cannot_tell", True, "child_rule:age_unknown"),
        (DECLINED, DECLINED, True, "child_rule:age_unknown"),
    ],
)
def test_ru004_child_rule(
    protocol: Protocol, age: object, observed: object, child: bool, reason: str | None
) -> None:
    result = outcome(protocol, fill(protocol, {**ADULT, "age": age, "age_observed": observed}))
    assert result.child_rule is child
    assert ("child_protection" in result.referral_needs) is child
    if reason:
        assert reason in result.reasons


def test_ru005_emergency_then_continue(protocol: Protocol) -> None:
    stopped = answer(protocol, start(protocol), "danger", "yes")
    step = next_step(protocol, stopped)
    assert isinstance(step, EmergencyStop)
    with pytest.raises(AnswerError):
        answer(protocol, stopped, "age", 30)
    continued = resume(protocol, stopped)
    assert continued.answers == stopped.answers and continued.resumed == ("now",)
    assert resume(protocol, continued) == continued  # nothing to resume: unchanged
    done = continued
    for qid, value in list(ADULT.items())[1:]:
        step = next_step(protocol, done)
        assert isinstance(step, AskQuestion) and step.question.id == qid
        done = answer(protocol, done, qid, value)  # type: ignore[arg-type]
    assert isinstance(next_step(protocol, done), Finished)
    result = outcome(protocol, done)
    assert result.level is OutcomeLevel.IMMEDIATE_DANGER and result.child_rule is False and result.finished
    saved = Interview.from_dict(done.to_dict())
    assert saved == done and saved.resumed == ("now",) and next_step(protocol, saved) == Finished()
    assert "resumed" not in start(protocol).to_dict()  # unchanged format when nothing was resumed


def test_ru006_declined_gate_asks_its_dependants(protocol: Protocol) -> None:
    interview = fill(protocol, {**ADULT, "works": DECLINED, "unpaid": "yes"})
    assert "unpaid" in interview.asked
    skipped = fill(protocol, {**ADULT, "works": "no"})
    assert "unpaid" not in skipped.asked


def test_ru007_insufficient_information_needs_half_unknown(protocol: Protocol) -> None:
    few = {**ADULT, "hours": "unsure", "isolated": DECLINED}
    result = outcome(protocol, fill(protocol, few))
    assert result.level is OutcomeLevel.NO_INDICATORS_FOUND and set(result.unknown) == {"hours", "isolated"}
    many = {k: (DECLINED if k not in ("age", "age_observed") else v) for k, v in ADULT.items()}
    assert outcome(protocol, fill(protocol, many)).level is OutcomeLevel.INSUFFICIENT_INFORMATION


def test_ru008_age_is_a_whole_number(protocol: Protocol) -> None:
    interview = answer(protocol, start(protocol), "danger", "no")
    with pytest.raises(AnswerError):
        answer(protocol, interview, "age", 45.5)
    assert answer(protocol, interview, "age", 45.0).answers["age"] == 45.0


ADULT_PROTOCOLS = ("border-rapid", "consular-screen", "labour-inspection")
ALL_ILO = ("consular-screen", "labour-inspection")


@pytest.mark.parametrize("protocol_id", ADULT_PROTOCOLS)
def test_ru009_coverage(protocol_id: str) -> None:
    rows = coverage(get_protocol(protocol_id))
    forms = [row for row in rows if row.group in ("palermo_purpose", "other_form")]
    assert len(forms) == 7 and all(row.indicators for row in forms), [
        r.code for r in forms if not r.indicators
    ]
    ilo = [row for row in rows if row.group == "ilo"]
    assert {row.code for row in ilo} == set(ILO_INDICATORS)
    if protocol_id in ALL_ILO:
        assert all(row.indicators for row in ilo), [r.code for r in ilo if not r.indicators]
    else:
        covered = {row.code for row in ilo if row.indicators}
        assert {"physical_and_sexual_violence", "withholding_of_wages", "debt_bondage"} <= covered


def test_ru004_lint_checks_the_observation_question() -> None:
    broken = BODY.replace("          - {value: cannot_tell, label: I cannot tell}\n", "")
    text = (
        'id: inline\nversion: "1"\ntitle: Inline\naudience: general\nvalidation_status: Test.\n'
        + CONSENT
        + broken
    )
    result = check(text.encode(), name="inline.yaml")
    (found,) = [p for p in result.problems if p.code.name == "PR016"]
    assert "age_observed_fact" in found.message() and "cannot_tell" in found.message()
