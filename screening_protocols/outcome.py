"""The outcome of an interview: one decision-support level, and everything that explains it.

Built-in decision rules (docs/protocols.md, "Decision rules"), most serious first:

1. `immediate_danger`     an emergency rule holds.
2. `strong_indicators`    every Palermo element the person needs has an indicator (adult: Act, Means,
                          Purpose; child: Act and Purpose, no Means), or the ILO/EC dimension rule holds,
                          or enough distinct ILO forced-labour indicators (the protocol's
                          `ilo_indicators_at_least`, 3 unless it says otherwise) including one that
                          shows a menace of penalty, or a strong sign of organ removal, or a child
                          in any form of exploitation (a worst form of child labour).
3. `possible_indicators`  any indicator that triggers (any-yes style), or for the graded style one strong
                          or medium indicator, or two weak ones.
4. `insufficient_information`  no indicator, and at least half of the key questions that apply are
                          unknown (declined, unsure, "don't know", not reached).
5. `no_indicators_found`  no indicator, and most key questions answered (the unknown ones are listed).

The child rule applies when the stated age is under the protocol's adult age, when the officer records
that the person may be under 18, or when the age is unknown and the officer cannot tell (or has not
said); never to a person the officer records as clearly adult who did not give an age.
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
    MENACE_OF_PENALTY_INDICATORS,
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

__all__ = ["REASON_WORDS", "IndicatorFinding", "Outcome", "dimension_positive", "outcome", "reason_words"]

# Each reason code in words an officer reads in seconds (English; the CLI and docs show them).
REASON_WORDS = {
    "palermo_elements": "An act (recruiting, moving or receiving the person), a means (force, threats, "
    "deceit, debt, control) and a purpose (exploitation) were all found.",
    "palermo_elements_child": "Under 18: being moved or recruited for exploitation is enough — no force "
    "or deceit needs to be shown. Both were found.",
    "ilo_ec_dimensions": "Recruitment, exploitative work and control at destination were all found "
    "(ILO/EC operational indicators).",
    "ilo_indicator_count": "Several distinct signs of forced labour, at least one of them a threat of "
    "punishment or of losing something (ILO forced-labour indicators).",
    "organ_removal_sign": "A strong sign that someone wants to remove one of the person's organs.",
    "child_worst_form": "A child in a worst form of child labour or other exploitation.",
    "any_indicator": "At least one indicator was found; a fuller, private interview should follow.",
    "graded_indicators": "At least one strong or medium indicator (or two weak ones) was found.",
    "key_questions_unknown": "No indicator was found, but half or more of the key questions stayed "
    "unanswered: offer a later interview.",
    "key_questions_answered": "No indicator was found and most key questions were answered (any "
    "unanswered ones are listed).",
    "context_only": "Only context was found (for example someone else arranged the journey); on its own "
    "that is common and not a concern.",
    "weak_indicators_below_threshold": "Weak indicators only, below the level that calls for a referral.",
    "child_rule:under_adult_age": "Under 18 (stated age): the child rule applies.",
    "child_rule:age_disputed": "The officer thinks the person may be under 18: treated as a child.",
    "child_rule:age_unknown": "Age unknown and the officer could not tell: treated as a child.",
    "child_rule:age_unknown_may_be_minor": "Age unknown and the officer thinks the person may be under "
    "18: treated as a child.",
    "child_rule:age_dispute_unknown": "Adult age stated but not confirmed: treated as a child.",
    "emergency": "Immediate danger: follow the emergency guidance first.",
}


def reason_words(code: str) -> str:
    """The plain-words explanation of a reason code (`emergency:<rule>` reads as the emergency)."""
    return REASON_WORDS.get(code.split(":", 1)[0] if code.startswith("emergency:") else code, code)


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
    forms: tuple[str, ...] = ()

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
            **({"forms": list(self.forms)} if self.forms else {}),
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
        _finding(indicator, values, protocol.calculate_sources)
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
    if (
        decision.ilo_indicators_at_least
        and len(distinct_ilo) >= decision.ilo_indicators_at_least
        and distinct_ilo & MENACE_OF_PENALTY_INDICATORS
    ):
        strong_reasons.append("ilo_indicator_count")
    triggering = [f for f in findings if f.triggers]
    if any("organ_removal" in f.forms and f.strength is Strength.STRONG for f in findings):
        strong_reasons.append("organ_removal_sign")
    if child and any(f.forms and f.triggers and f.strength is not Strength.WEAK for f in findings):
        strong_reasons.append("child_worst_form")
    if emergencies:
        level = OutcomeLevel.IMMEDIATE_DANGER
        reasons += [f"emergency:{rule_id}" for rule_id in emergencies]
    elif strong_reasons:
        level = OutcomeLevel.STRONG_INDICATORS
        reasons += strong_reasons
    elif _possible(triggering, decision.trigger_style):
        level = OutcomeLevel.POSSIBLE_INDICATORS
        reasons.append("any_indicator" if decision.trigger_style == "any_yes" else "graded_indicators")
    elif _too_little_known(protocol, values, unknown):
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
        asked=tuple(interview.asked),
        facts=MappingProxyType(carried_facts(protocol, interview)),
        child_rule=child,
        elements=MappingProxyType(elements),
        dimensions=positive,
        reasons=tuple(reasons),
        emergency=emergencies,
        referral_because=MappingProxyType(because),
        finished=isinstance(step, Finished),
    )


def _too_little_known(protocol: Protocol, values: Mapping[str, Value], unknown: tuple[str, ...]) -> bool:
    """At least half of the key questions that apply (not skipped as not applying) are unknown.

    A few questions the person could not answer do not outweigh many answered ones; they are still
    listed in `unknown`, so the officer sees what was not established.
    """
    applicable = [qid for qid in protocol.key_question_ids if values.get(qid, UNKNOWN) is not EMPTY]
    return bool(unknown) and 2 * len(unknown) >= len(applicable)


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


def _finding(
    indicator: Indicator, values: Mapping[str, Value], sources: Mapping[str, frozenset[str]]
) -> IndicatorFinding:
    return IndicatorFinding(
        id=indicator.id,
        element=indicator.element,
        dimension=indicator.dimension,
        strength=indicator.strength,
        because=explain(indicator.when, values, sources),
        ilo=indicator.ilo,
        label=indicator.label,
        triggers=indicator.triggers,
        forms=indicator.forms,
    )


def explain(
    condition: Expression, values: Mapping[str, Value], sources: Mapping[str, frozenset[str]] | None = None
) -> tuple[str, ...]:
    """A smallest set of answered questions that on its own makes `condition` hold.

    Each reference is forgotten in turn (set to UNKNOWN); if the condition still holds, it was not
    needed. Three-valued logic makes this greedy pass sound: forgetting never turns true into false
    for a reason other than the forgotten answer. A calculate that is needed stands for the known
    questions it reads (`sources`: Protocol.calculate_sources).
    """
    known = [ref for ref in sorted(condition.references) if values.get(ref, UNKNOWN) not in (UNKNOWN, EMPTY)]
    kept = list(known)
    for ref in known:
        trial = [k for k in kept if k != ref]
        if condition.holds(_only(values, set(trial))) is True:
            kept = trial
    order = {ref: i for i, ref in enumerate(condition.references)}
    kept.sort(key=lambda ref: order.get(ref, 0))
    if not sources or not any(ref in sources for ref in kept):
        return tuple(kept)
    expanded: dict[str, None] = {}
    for ref in kept:
        for name in sorted(sources.get(ref, {ref})):
            if values.get(name, UNKNOWN) not in (UNKNOWN, EMPTY):
                expanded[name] = None
    return tuple(expanded)


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
    observed_question = protocol.by_fact.get(decision.age_observed_fact or "")
    observed = resolve(observed_question.id) if observed_question is not None else UNKNOWN
    observed_ids = (observed_question.id,) if observed_question is not None else ()
    if isinstance(age, int | float) and not isinstance(age, bool):
        if age < decision.adult_age:
            return True, ["child_rule:under_adult_age"], (age_question.id,)
        if observed == "may_be_minor":
            return True, ["child_rule:age_disputed"], observed_ids
    elif observed_question is not None:
        if observed == "appears_adult":
            return False, [], ()
        if observed == "may_be_minor":
            return True, ["child_rule:age_unknown_may_be_minor"], (age_question.id, *observed_ids)
        return True, ["child_rule:age_unknown"], (age_question.id, *observed_ids)
    else:
        return True, ["child_rule:age_unknown"], (age_question.id,)
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
            because.setdefault(rule.need, []).extend(explain(rule.when, values, protocol.calculate_sources))
    for emergency in protocol.emergencies:
        if emergency.id in emergencies:
            for need in emergency.referral_needs:
                because.setdefault(need, []).extend(
                    explain(emergency.when, values, protocol.calculate_sources)
                )
    if child:
        because.setdefault("child_protection", []).extend(child_because)
    order = list(REFERRAL_NEEDS)
    needs = tuple(sorted(because, key=order.index))
    return needs, {need: tuple(dict.fromkeys(because[need])) for need in needs}
