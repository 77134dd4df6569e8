"""Feedback on a practice run: the trainee's outcome against the case's, indicator by indicator.

    attempt = Attempt(answers={...}, checks={"alone": "yes", "interpreter": "none"}, steps={"offer_break"})
    feedback = score(case, attempt)      # what the feedback screen and `waypoint training score` show
    feedback.to_dict()

The trainee's answers run through the same engine as a real screen (`run_answers`); nothing is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from screening_protocols.catalogue import OutcomeLevel
from screening_protocols.interview import DECLINED
from screening_protocols.library import get_protocol
from screening_protocols.practice.cases import SAFETY_STEPS, PracticeCase
from screening_protocols.practice.errors import PracticeAnswersError
from screening_protocols.runner import run_answers
from screening_protocols.translations import render_outcome

__all__ = ["Attempt", "Feedback", "attempt_from_json", "score"]

RISKY_INTERPRETERS = frozenset({"family", "employer", "companion"})


@dataclass(frozen=True)
class Attempt:
    """What the trainee did: the answers recorded, the pre-checks chosen and the steps taken."""

    answers: Mapping[str, Any]
    checks: Mapping[str, str] = field(default_factory=dict)
    steps: frozenset[str] = frozenset()

    def steps_taken(self) -> frozenset[str]:
        taken = set(self.steps)
        if self.checks.get("alone") == "yes":
            taken.add("private_place")
        if self.checks.get("interpreter") and self.checks["interpreter"] not in RISKY_INTERPRETERS:
            taken.add("no_companion_interpreter")
        return frozenset(taken)


@dataclass(frozen=True)
class Feedback:
    """The trainee's result on one case (no personal data: case ids, question ids and codes)."""

    case_id: str
    protocol_id: str
    outcome: OutcomeLevel
    expected: tuple[OutcomeLevel, ...]
    found: tuple[str, ...]  # expected indicators the trainee's record raised
    missed: tuple[str, ...]  # expected indicators it did not raise
    wrongly_recorded: tuple[str, ...]  # indicators raised that the scripted replies do not raise
    differing_answers: tuple[str, ...]  # questions answered otherwise than the person replied
    safety_taken: tuple[str, ...]
    safety_skipped: tuple[str, ...]
    teaching_notes: tuple[str, ...]
    labels: Mapping[str, str]  # indicator id -> its label, in the language asked for
    headlines: Mapping[str, str] = field(default_factory=dict)  # outcome level -> its headline, same language

    @property
    def outcome_ok(self) -> bool:
        return self.outcome in self.expected

    @property
    def points(self) -> int:
        gained = int(self.outcome_ok) + len(self.found) + len(self.safety_taken) - len(self.wrongly_recorded)
        return max(0, gained)

    @property
    def possible(self) -> int:
        return 1 + len(self.found) + len(self.missed) + len(self.safety_taken) + len(self.safety_skipped)

    def to_dict(self) -> dict[str, Any]:
        def named(ids: tuple[str, ...]) -> list[dict[str, str]]:
            return [{"id": i, "label": self.labels.get(i, i)} for i in ids]

        return {
            "case_id": self.case_id,
            "protocol": self.protocol_id,
            "outcome": self.outcome.value,
            "outcome_headline": self.headlines.get(self.outcome.value, self.outcome.value),
            "expected_outcome": [level.value for level in self.expected],
            "outcome_ok": self.outcome_ok,
            "indicators_found": named(self.found),
            "indicators_missed": named(self.missed),
            "indicators_wrongly_recorded": named(self.wrongly_recorded),
            "answers_differing": list(self.differing_answers),
            "safety_taken": [{"id": s, "text": SAFETY_STEPS[s]} for s in self.safety_taken],
            "safety_skipped": [{"id": s, "text": SAFETY_STEPS[s]} for s in self.safety_skipped],
            "teaching_notes": list(self.teaching_notes),
            "score": {"points": self.points, "possible": self.possible},
        }


def _same(recorded: Any, scripted: Any) -> bool:
    if isinstance(recorded, list | tuple) and isinstance(scripted, list | tuple):
        return sorted(map(str, recorded)) == sorted(map(str, scripted))
    return recorded == scripted or str(recorded) == str(scripted)


def score(case: PracticeCase, attempt: Attempt, lang: str = "en") -> Feedback:
    """Compare the trainee's record with the case (AnswerError if an answer does not fit its question)."""
    protocol = get_protocol(case.protocol_id)
    scripted = run_answers(protocol, case.replies).outcome
    trainee = run_answers(protocol, attempt.answers).outcome
    raised = [finding.id for finding in trainee.indicators]
    scripted_ids = {finding.id for finding in scripted.indicators}
    words = render_outcome(protocol, trainee, lang)
    labels = {fid: text.text for fid, text in words.indicators}
    labels.update({fid: text.text for fid, text in render_outcome(protocol, scripted, lang).indicators})
    differing = tuple(
        qid
        for qid in trainee.asked
        if qid in case.replies and not _same(attempt.answers.get(qid, DECLINED), case.replies[qid])
    )
    taken = attempt.steps_taken()
    headlines = {
        level.value: render_outcome(protocol, replace(trainee, level=level), lang).headline.text
        for level in {trainee.level, *case.expected_levels}
    }
    return Feedback(
        case_id=case.id,
        protocol_id=case.protocol_id,
        outcome=trainee.level,
        expected=case.expected_levels,
        found=tuple(i for i in case.expected_indicators if i in raised),
        missed=tuple(i for i in case.expected_indicators if i not in raised),
        wrongly_recorded=tuple(i for i in raised if i not in scripted_ids),
        differing_answers=differing,
        safety_taken=tuple(s for s in case.safety if s in taken),
        safety_skipped=tuple(s for s in case.safety if s not in taken),
        teaching_notes=tuple(case.text("teaching_notes", lang)),
        labels=labels,
        headlines=headlines,
    )


def attempt_from_json(data: Any, source: str) -> Attempt:
    """An Attempt from `{"answers": {...}, "checks": {...}, "steps": [...]}` or a bare answers object."""
    if not isinstance(data, dict):
        raise PracticeAnswersError(file=source)
    if "answers" not in data:
        return Attempt(answers=data)
    answers, checks, steps = data["answers"], data.get("checks", {}), data.get("steps", [])
    if not isinstance(answers, dict) or not isinstance(checks, dict) or not isinstance(steps, list):
        raise PracticeAnswersError(file=source)
    if any(not isinstance(v, str) for v in checks.values()) or any(s not in SAFETY_STEPS for s in steps):
        raise PracticeAnswersError(file=source)
    return Attempt(answers=answers, checks=checks, steps=frozenset(steps))
