"""Outcome: one decision-support level, with everything that explains it.

OC001: the ILO/EC dimension rule: 2 strong; 1 strong + 1 medium or weak; 3 medium; 2 medium + 1 weak.
OC002: adult = Act + Means + Purpose; child (under 18, age unknown or disputed) = Act + Purpose.
OC003: the ILO/EC rule: a recruitment dimension, exploitation, and (adults) coercion or abuse of
       vulnerability at destination.
OC004: `because` lists a smallest set of answered questions that raises the indicator.
OC005: `unknown` lists key questions declined, unsure or not reached, never those that do not apply.
OC006: referral needs come from the rules, the emergency rules and the child rule, each with its reasons.
OC007: the outcome is decision support labelled a protection record, never a verdict.
OC008: the graded style needs one strong or medium indicator, or two weak ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from screening_protocols import (
    DECLINED,
    AskQuestion,
    Interview,
    OutcomeLevel,
    Protocol,
    Strength,
    answer,
    decline,
    get_protocol,
    next_step,
    outcome,
    render_outcome,
    start,
)
from screening_protocols.outcome import dimension_positive

S, M, W = Strength.STRONG, Strength.MEDIUM, Strength.WEAK


@pytest.mark.parametrize(
    ("strengths", "positive"),
    [
        ([S, S], True),
        ([S, M], True),
        ([S, W], True),
        ([M, M, M], True),
        ([M, M, W], True),
        ([S], False),
        ([M, M], False),
        ([M, W, W], False),
        ([W, W, W, W], False),
        ([], False),
    ],
)
def test_oc001_dimension_rule(strengths: list[Strength], positive: bool) -> None:
    assert dimension_positive(Counter(strengths)) is positive


BODY = """\
sections:
  - id: main
    title: Main
    questions:
      - id: age
        kind: number
        fact: age
        text: How old are you?
      - id: disputed
        kind: yes_no
        audience: officer
        fact: age_disputed
        relevant: ${age} >= 18
        text: "Officer: could the person be under 18?"
      - id: moved
        kind: yes_no
        text: Did someone arrange your travel?
      - id: deceived
        kind: yes_no
        text: Is the job different from what was promised?
      - id: lied_pay
        kind: yes_no
        text: Was the pay different from what was promised?
      - id: forced
        kind: yes_no
        text: Were you made to work?
      - id: unpaid
        kind: yes_no
        text: Are you unpaid?
      - id: locked
        kind: yes_no
        text: Are you locked in?
      - id: papers
        kind: yes_no
        text: Does someone else keep your papers?
      - id: sick
        kind: yes_no
        text: Do you need a doctor?
indicators:
  - {id: act, label: Moved, when: "${moved} = 'yes'", element: act, strength: weak}
  - {id: deception, label: Deceived, when: "${deceived} = 'yes' or ${lied_pay} = 'yes'", element: means,
     strength: strong, dimension: deceptive_recruitment, ilo: [deception]}
  - {id: pay_lie, label: Pay lie, when: "${lied_pay} = 'yes'", element: means, strength: medium,
     dimension: deceptive_recruitment}
  - {id: forced, label: Forced, when: "${forced} = 'yes'", element: purpose, strength: strong,
     dimension: exploitative_conditions}
  - {id: unpaid, label: Unpaid, when: "${unpaid} = 'yes'", element: purpose, strength: medium,
     dimension: exploitative_conditions, ilo: [withholding_of_wages]}
  - {id: locked, label: Locked, when: "${locked} = 'yes'", element: means, strength: strong,
     dimension: coercion_at_destination, ilo: [restriction_of_movement]}
  - {id: papers, label: Papers, when: "${papers} = 'yes'", element: means, strength: medium,
     dimension: coercion_at_destination, ilo: [retention_of_identity_documents]}
referrals:
  - {need: medical, when: "${sick} = 'yes'"}
  - {need: legal, when: "${unpaid} = 'yes' or ${forced} = 'yes'"}
"""
HEADER = (
    "decision:\n  age_disputed_fact: age_disputed\n  palermo_elements: {palermo}\n  trigger_style: {style}\n"
)
ORDER = ["age", "disputed", "moved", "deceived", "lied_pay", "forced", "unpaid", "locked", "papers", "sick"]


@pytest.fixture
def build(make_protocol: Callable[..., Protocol]) -> Callable[..., Protocol]:
    def _build(*, palermo: bool = True, style: str = "any_yes") -> Protocol:
        return make_protocol(BODY, header=HEADER.format(palermo=str(palermo).lower(), style=style))

    return _build


def fill(protocol: Protocol, **values: object) -> Interview:
    """Answer every question asked: the given value, else "no"."""
    interview = start(protocol)
    while isinstance(step := next_step(protocol, interview), AskQuestion):
        qid = step.question.id
        value = values.get(qid, "no")
        if value == DECLINED:
            interview = decline(protocol, interview, qid)
        else:
            interview = answer(protocol, interview, qid, value)  # type: ignore[arg-type]
    return interview


def test_oc002_adult_needs_means(build: Callable[..., Protocol]) -> None:
    protocol = build()
    adult = outcome(protocol, fill(protocol, age=30, moved="yes", forced="yes"))
    assert adult.level is OutcomeLevel.POSSIBLE_INDICATORS and not adult.child_rule
    with_means = outcome(protocol, fill(protocol, age=30, moved="yes", forced="yes", locked="yes"))
    assert with_means.level is OutcomeLevel.STRONG_INDICATORS
    assert "palermo_elements" in with_means.reasons
    assert dict(with_means.elements) == {"act": ("act",), "means": ("locked",), "purpose": ("forced",)}


@pytest.mark.parametrize(
    ("age", "disputed", "reason"),
    [(16, None, "child_rule:under_adult_age"), (DECLINED, None, "child_rule:age_unknown"),
     (25, "yes", "child_rule:age_disputed"), (25, "unsure", "child_rule:age_dispute_unknown"),
     (25, DECLINED, "child_rule:age_dispute_unknown")],
)  # fmt: skip
def test_oc002_child_needs_no_means(
    build: Callable[..., Protocol], age: object, disputed: object, reason: str
) -> None:
    protocol = build()
    values = {"age": age, "moved": "yes", "forced": "yes"} | ({"disputed": disputed} if disputed else {})
    result = outcome(protocol, fill(protocol, **values))
    assert result.child_rule and reason in result.reasons
    assert result.level is OutcomeLevel.STRONG_INDICATORS
    assert "child_protection" in result.referral_needs
    assert "palermo_elements_child" in result.reasons


def test_oc003_ilo_ec_rule(build: Callable[..., Protocol]) -> None:
    protocol = build(palermo=False)
    values = {"age": 30, "deceived": "yes", "lied_pay": "yes", "forced": "yes", "unpaid": "yes"}
    no_control = outcome(protocol, fill(protocol, **values))
    assert set(no_control.dimensions) == {"deceptive_recruitment", "exploitative_conditions"}
    assert no_control.level is OutcomeLevel.POSSIBLE_INDICATORS  # adults also need control at destination
    with_control = outcome(protocol, fill(protocol, **values, locked="yes", papers="yes"))
    assert "coercion_at_destination" in with_control.dimensions
    assert (
        with_control.level is OutcomeLevel.STRONG_INDICATORS and "ilo_ec_dimensions" in with_control.reasons
    )
    child = outcome(protocol, fill(protocol, **{**values, "age": 15}))
    assert child.level is OutcomeLevel.STRONG_INDICATORS and "ilo_ec_dimensions" in child.reasons


def test_oc004_because_is_a_smallest_explanation(build: Callable[..., Protocol]) -> None:
    protocol = build()
    result = outcome(protocol, fill(protocol, age=30, deceived="no", lied_pay="yes"))
    because = {f.id: f.because for f in result.indicators}
    assert because["deception"] == ("lied_pay",)  # 'deceived' was answered "no": it raised nothing
    both = outcome(protocol, fill(protocol, age=30, deceived="yes", lied_pay="yes"))
    assert len({f.id: f.because for f in both.indicators}["deception"]) == 1


def test_oc005_unknown_lists_key_questions_only(build: Callable[..., Protocol]) -> None:
    protocol = build()
    result = outcome(protocol, fill(protocol, age=30, moved=DECLINED, forced="unsure", sick=DECLINED))
    assert result.unknown == ("moved", "forced")  # 'sick' feeds only a referral: not a key question
    assert "disputed" not in outcome(protocol, fill(protocol, age=12)).unknown  # does not apply under 18
    partial = start(protocol)
    assert set(outcome(protocol, partial).unknown) == set(protocol.key_question_ids)  # nothing reached yet


def test_oc006_referral_needs_with_reasons(build: Callable[..., Protocol]) -> None:
    protocol = build()
    result = outcome(protocol, fill(protocol, age=30, sick="yes", unpaid="yes"))
    assert result.referral_needs == ("medical", "legal")
    assert dict(result.referral_because) == {"medical": ("sick",), "legal": ("unpaid",)}


def test_oc007_protection_record_never_a_verdict() -> None:
    protocol = get_protocol("border-rapid")
    interview = fill(
        protocol,
        age=30,
        age_observed="appears_adult",
        journey_arranged="other_no_debt",
        destination_work="other_work",
        documents_holder="employer",
        earnings="me",
        made_to_work="yes",
    )
    result = outcome(protocol, interview)
    words = render_outcome(protocol, result, "en")
    assert "refer for formal identification" in words.headline.text
    assert "Protection record" in words.notice.text and "not evidence" in words.notice.text
    for text in (words.headline.text, words.notice.text, *(label.text for _, label in words.indicators)):
        assert "victim" not in text.lower()
    data = result.to_dict()
    assert data["outcome"] == "strong_indicators" and data["finished"] is True
    assert data["facts"] == {"age": 30, "age_observed": "appears_adult", "documents_holder": "employer"}
    french = render_outcome(protocol, result, "fr")
    assert french.headline.lang == "fr" and not french.headline.fallback


@pytest.mark.parametrize(
    ("values", "level"),
    [
        ({"moved": "yes"}, OutcomeLevel.NO_INDICATORS_FOUND),
        ({"unpaid": "yes"}, OutcomeLevel.POSSIBLE_INDICATORS),
    ],
)
def test_oc008_graded_style(
    build: Callable[..., Protocol], values: dict[str, str], level: OutcomeLevel
) -> None:
    protocol = build(style="graded")
    assert outcome(protocol, fill(protocol, age=30, **values)).level is level


def test_oc008_graded_weak_pair(make_protocol: Callable[..., Protocol]) -> None:
    body = BODY.replace("element: act, strength: weak", "element: means, strength: weak").replace(
        "strength: medium,\n     dimension: exploitative_conditions",
        "strength: weak,\n     dimension: exploitative_conditions",
    )
    protocol = make_protocol(body, header="decision:\n  trigger_style: graded\n")
    one = outcome(protocol, fill(protocol, age=30, moved="yes"))
    assert one.level is OutcomeLevel.NO_INDICATORS_FOUND and "weak_indicators_below_threshold" in one.reasons
    two = outcome(protocol, fill(protocol, age=30, moved="yes", unpaid="yes"))
    assert two.level is OutcomeLevel.POSSIBLE_INDICATORS
