"""The outcome of an interview: one decision-support level, and everything that explains it.

Built-in decision rules (docs/protocols.md, "Decision rules"), most serious first:

1. `immediate_danger`     an emergency rule holds.
2. `strong_indicators`    every Palermo element the person needs has an indicator (adult: Act, Means,
                          Purpose; child: Act and Purpose, no Means), or the ILO/EC dimension rule holds,
                          or (when the protocol sets it) enough distinct ILO forced-labour indicators.
3. `possible_indicators`  any indicator that triggers (any-yes style), or for the graded style one strong
                          or medium indicator, or two weak ones.
4. `insufficient_information`  no indicator, and a key question is unknown (declined, unsure, not reached).
5. `no_indicators_found`  no indicator and every key question answered.

The child rule applies when the age is under the protocol's adult age, unknown, or disputed.
Rules read answers in three-valued logic, so "prefer not to answer" is unknown and never "no".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from screening_protocols.catalogue import (
    DESTINATION_CONTROL_DIMENSIONS,
    EXPLOITATION_DIMENSION,
    RECRUITMENT_DIMENSIONS,
    REFERRAL_NEEDS,
    OutcomeLevel,
    PalermoElement,
    Strength,
)
from screening_protocols.engine import Finished, carried_facts, next_step, resolved_values
from screening_protocols.expressions import EMPTY, UNKNOWN, Expression, Value
from screening_protocols.interview import AnswerValue, Interview
from screening_protocols.model import Indicator, Protocol

__all__ = ["IndicatorFinding", "Outcome", "dimension_positive", "outcome"]


@dataclass(frozen=True)
class IndicatorFinding:
    """An indicator whose condition holds, and the answers (question ids) that raised it."""

    id: str
    element: PalermoElement
    dimension: str | None
    strength: Strength
    because: tuple[str, ...]
    ilo: tuple[str, ...] = ()
    label: str = ""
    triggers: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "id": self.id,
            "element": self.element.value,
            "dimension": self.dimension,
            "strength": self.strength.value,
            "because": list(self.because),
            "ilo": list(self.ilo),
            "triggers": self.triggers,
        }


@dataclass(frozen=True)
class Outcome:
    """Decision support for one interview, never a verdict: the level and why.

    `indicators` found (with `because`), `unknown` key questions (declined, unsure or not reached),
    `referral_needs`, the questions `asked` in order, the `facts` used, whether the `child_rule`
    applied, the Palermo `elements` covered, positive ILO/EC `dimensions`, and `reasons` (codes)
    for the level.
    """

    protocol_id: str
    protocol_version: str
    level: OutcomeLevel
    indicators: tuple[IndicatorFinding, ...]
    unknown: tuple[str, ...]
    referral_needs: tuple[str, ...]
    asked: tuple[str, ...]
    facts: Mapping[str, AnswerValue] = field(default_factory=lambda: MappingProxyType({}))
    child_rule: bool = False
    elements: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    dimensions: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    emergency: tuple[str, ...] = ()
    referral_because: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    finished: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the `outcome` of the sealed interview)."""
        return {
            "protocol_id": self.protocol_id,
            "protocol_version": self.protocol_version,
            "outcome": self.level.value,
            "indicators": [finding.to_dict() for finding in self.indicators],
            "unknown": list(self.unknown),
            "referral_needs": list(self.referral_needs),
            "referral_because": {k: list(v) for k, v in self.referral_because.items()},
            "asked": list(self.asked),
            "facts": {k: list(v) if isinstance(v, tuple) else v for k, v in self.facts.items()},
            "child_rule": self.child_rule,
            "elements": {k: list(v) for k, v in self.elements.items()},
            "dimensions": list(self.dimensions),
            "reasons": list(self.reasons),
            "emergency": list(self.emergency),
            "finished": self.finished,
        }


def dimension_positive(strengths: Counter[Strength]) -> bool:
    """The ILO/EC rule for one dimension.

    Positive with 2 strong; 1 strong + 1 medium or weak; 3 medium; or 2 medium + 1 weak.
    """
    strong, medium, weak = strengths[Strength.STRONG], strengths[Strength.MEDIUM], strengths[Strength.WEAK]
    return strong >= 2 or (strong >= 1 and medium + weak >= 1) or medium >= 3 or (medium >= 2 and weak >= 1)


def outcome(protocol: Protocol, interview: Interview) -> Outcome:
    """The outcome of `interview` so far (complete or not): level, indicators and their explanation."""
    values = resolved_values(protocol, interview)

    def resolve(name: str) -> Value:
        return values.get(name, UNKNOWN)

    step = next_step(protocol, interview)
    findings = tuple(
        _finding(indicator, values)
        for indicator in protocol.indicators
        if indicator.when.holds(resolve) is True
    )
    unknown = tuple(
        q.id for q in protocol.questions if q.id in protocol.key_question_ids and resolve(q.id) is UNKNOWN
    )
    child, child_reasons, child_because = _child_rule(protocol, resolve)

    elements: dict[str, tuple[str, ...]] = {}
    for element in PalermoElement:
        ids = tuple(f.id for f in findings if f.element is element)
        if ids:
            elements[element.value] = ids
    needed = {PalermoElement.ACT, PalermoElement.PURPOSE} | (set() if child else {PalermoElement.MEANS})
    by_dimension: dict[str, Counter[Strength]] = {}
    for finding in findings:
        if finding.dimension:
            by_dimension.setdefault(finding.dimension, Counter())[finding.strength] += 1
    positive = tuple(d for d, counts in by_dimension.items() if dimension_positive(counts))

    decision = protocol.decision
    reasons: list[str] = list(child_reasons)
    emergencies = tuple(rule.id for rule in protocol.emergencies if rule.when.holds(resolve) is True)
    strong_reasons = []
    if decision.palermo_elements and all(e.value in elements for e in needed):
        strong_reasons.append("palermo_elements_child" if child else "palermo_elements")
    if decision.ilo_ec_dimensions and _ilo_ec_rule(set(positive), child):
        strong_reasons.append("ilo_ec_dimensions")
    distinct_ilo = {ilo for f in findings for ilo in f.ilo}
    if decision.ilo_indicators_at_least and len(distinct_ilo) >= decision.ilo_indicators_at_least:
        strong_reasons.append("ilo_indicator_count")
    triggering = [f for f in findings if f.triggers]
    if emergencies:
        level = OutcomeLevel.IMMEDIATE_DANGER
        reasons += [f"emergency:{rule_id}" for rule_id in emergencies]
    elif strong_reasons:
        level = OutcomeLevel.STRONG_INDICATORS
        reasons += strong_reasons
    elif _possible(triggering, decision.trigger_style):
        level = OutcomeLevel.POSSIBLE_INDICATORS
        reasons.append("any_indicator" if decision.trigger_style == "any_yes" else "graded_indicators")
    elif unknown:
        level = OutcomeLevel.INSUFFICIENT_INFORMATION
        reasons.append("key_questions_unknown")
    else:
        level = OutcomeLevel.NO_INDICATORS_FOUND
        reasons.append("key_questions_answered")
    if findings and not triggering:
        reasons.append("context_only")
    elif triggering and level.concern == 0:
        reasons.append("weak_indicators_below_threshold")

    needs, because = _referrals(protocol, resolve, values, emergencies, child, child_because)
    return Outcome(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        level=level,
        indicators=findings,
        unknown=unknown,
        referral_needs=needs,
        asked=interview.asked,
        facts=MappingProxyType(carried_facts(protocol, interview)),
        child_rule=child,
        elements=MappingProxyType(elements),
        dimensions=positive,
        reasons=tuple(reasons),
        emergency=emergencies,
        referral_because=MappingProxyType(because),
        finished=isinstance(step, Finished),
    )


def _possible(triggering: list[IndicatorFinding], style: str) -> bool:
    if style == "any_yes":
        return bool(triggering)
    weak = sum(1 for f in triggering if f.strength is Strength.WEAK)
    return weak >= 2 or any(f.strength is not Strength.WEAK for f in triggering)


def _ilo_ec_rule(positive: set[str], child: bool) -> bool:
    recruitment = bool(positive & RECRUITMENT_DIMENSIONS)
    exploitation = EXPLOITATION_DIMENSION in positive
    control = bool(positive & DESTINATION_CONTROL_DIMENSIONS)
    return recruitment and exploitation and (child or control)


def _finding(indicator: Indicator, values: Mapping[str, Value]) -> IndicatorFinding:
    return IndicatorFinding(
        id=indicator.id,
        element=indicator.element,
        dimension=indicator.dimension,
        strength=indicator.strength,
        because=explain(indicator.when, values),
        ilo=indicator.ilo,
        label=indicator.label,
        triggers=indicator.triggers,
    )


def explain(condition: Expression, values: Mapping[str, Value]) -> tuple[str, ...]:
    """A smallest set of answered questions that on its own makes `condition` hold.

    Each reference is forgotten in turn (set to UNKNOWN); if the condition still holds, it was not
    needed. Three-valued logic makes this greedy pass sound: forgetting never turns true into false
    for a reason other than the forgotten answer.
    """
    known = [ref for ref in sorted(condition.references) if values.get(ref, UNKNOWN) not in (UNKNOWN, EMPTY)]
    kept = list(known)
    for ref in known:
        trial = [k for k in kept if k != ref]
        if condition.holds(_only(values, set(trial))) is True:
            kept = trial
    order = {ref: i for i, ref in enumerate(condition.references)}
    return tuple(sorted(kept, key=lambda ref: order.get(ref, 0)))


def _only(values: Mapping[str, Value], allowed: set[str]) -> Callable[[str], Value]:
    def resolve(name: str) -> Value:
        return values.get(name, UNKNOWN) if name in allowed else UNKNOWN

    return resolve


def _child_rule(protocol: Protocol, resolve: Any) -> tuple[bool, list[str], tuple[str, ...]]:
    decision = protocol.decision
    if not decision.age_fact or decision.age_fact not in protocol.by_fact:
        return False, [], ()
    age_question = protocol.by_fact[decision.age_fact]
    age = resolve(age_question.id)
    if age is UNKNOWN or age == EMPTY:
        return True, ["child_rule:age_unknown"], (age_question.id,)
    if isinstance(age, int | float) and age < decision.adult_age:
        return True, ["child_rule:under_adult_age"], (age_question.id,)
    disputed_question = protocol.by_fact.get(decision.age_disputed_fact or "")
    if disputed_question is not None:
        disputed = resolve(disputed_question.id)
        if disputed is UNKNOWN:
            return True, ["child_rule:age_dispute_unknown"], (disputed_question.id,)
        if disputed == "yes":
            return True, ["child_rule:age_disputed"], (disputed_question.id,)
    return False, [], ()


def _referrals(
    protocol: Protocol,
    resolve: Any,
    values: Mapping[str, Value],
    emergencies: tuple[str, ...],
    child: bool,
    child_because: tuple[str, ...],
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    because: dict[str, list[str]] = {}
    for rule in protocol.referrals:
        if rule.when.holds(resolve) is True:
            because.setdefault(rule.need, []).extend(explain(rule.when, values))
    for emergency in protocol.emergencies:
        if emergency.id in emergencies:
            for need in emergency.referral_needs:
                because.setdefault(need, []).extend(explain(emergency.when, values))
    if child:
        because.setdefault("child_protection", []).extend(child_because)
    order = list(REFERRAL_NEEDS)
    needs = tuple(sorted(because, key=order.index))
    return needs, {need: tuple(dict.fromkeys(because[need])) for need in needs}
