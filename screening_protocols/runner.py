"""Run a protocol on a prepared set of answers (what `waypoint protocol run` does), purely."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screening_protocols.engine import AskQuestion, EmergencyStop, answer, decline, next_step, start
from screening_protocols.interview import DECLINED, Interview
from screening_protocols.model import Protocol, QuestionKind
from screening_protocols.outcome import Outcome, outcome
from screening_protocols.translations import render_emergency, render_outcome


@dataclass(frozen=True)
class RunResult:
    """The outcome of a scripted run, and what in the answers was not used."""

    protocol: Protocol
    interview: Interview
    outcome: Outcome
    never_asked: tuple[str, ...]  # in the file, part of the protocol, but skipped by its logic
    not_in_protocol: tuple[str, ...]  # in the file, but no such question
    stopped_at: str | None  # the question with no answer in the file, if the run stopped early
    emergency: EmergencyStop | None

    def notes(self) -> list[str]:
        """What the person running it should know (printed on stderr)."""
        notes = []
        if self.never_asked:
            notes.append("not used (skip logic never asked them): " + ", ".join(self.never_asked))
        if self.not_in_protocol:
            notes.append(f"not questions of {self.protocol.id}: " + ", ".join(self.not_in_protocol))
        if self.stopped_at:
            notes.append(f"stopped at {self.stopped_at}: the answers file has no answer for it")
        if self.emergency:
            notes.append("stopped: immediate danger (" + ", ".join(r.id for r in self.emergency.rules) + ")")
        return notes

    def cli_json(self) -> dict[str, Any]:
        """The `--json` shape: outcome, indicators (id, element, dimension, strength, because), unknown,
        referral_needs, asked."""
        result = self.outcome
        return {
            "outcome": result.level.value,
            "indicators": [
                {
                    "id": f.id,
                    "element": f.element.value,
                    "dimension": f.dimension,
                    "strength": f.strength.value,
                    "because": list(f.because),
                }
                for f in result.indicators
            ],
            "unknown": list(result.unknown),
            "referral_needs": list(result.referral_needs),
            "asked": list(result.asked),
        }

    def text_report(self, lang: str) -> list[str]:
        """A readable report in `lang` (falling back to the source language where untranslated)."""
        result = self.outcome
        words = render_outcome(self.protocol, result, lang)
        lines = [words.headline.text, words.notice.text, ""]
        if self.emergency:
            lines += [
                text.text for text in render_emergency(self.protocol, self.emergency, lang).guidance
            ] + [""]
        labels = dict(words.indicators)
        findings = {f.id: f for f in result.indicators}
        lines.append(f"Indicators ({len(findings)}):")
        for fid, finding in findings.items():
            where = f"{finding.element.value}, {finding.dimension or '-'}, {finding.strength.value}"
            lines.append(f"  - {labels[fid].text} [{where}] because: {', '.join(finding.because)}")
        if result.child_rule:
            lines.append("Child rule applies: Act and Purpose suffice (no Means needed).")
        lines.append("Unknown key questions: " + (", ".join(result.unknown) or "none"))
        needs = dict(words.referral_needs)
        lines.append("Referral needs: " + (", ".join(needs[n].text for n in result.referral_needs) or "none"))
        lines.append("Asked, in order: " + ", ".join(result.asked))
        return lines


def run_answers(
    protocol: Protocol, answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None
) -> RunResult:
    """Answer each question the engine asks from `answers` (id -> value; "declined" anywhere).

    Information screens are acknowledged. The run stops at the first asked question with no
    answer in `answers`; AnswerError (naming the question and what is allowed) on a bad value.
    """
    interview = start(protocol, facts)
    stopped_at = None
    emergency = None
    while True:
        step = next_step(protocol, interview)
        if isinstance(step, EmergencyStop):
            emergency = step
            break
        if not isinstance(step, AskQuestion):
            break
        question = step.question
        if question.id not in answers:
            if question.kind is QuestionKind.INFO:
                interview = answer(protocol, interview, question.id, None)
                continue
            stopped_at = question.id
            break
        value = answers[question.id]
        if value == DECLINED:
            interview = decline(protocol, interview, question.id)
        else:
            interview = answer(protocol, interview, question.id, value)
    asked = set(interview.asked)
    never_asked = tuple(qid for qid in answers if qid in protocol.by_id and qid not in asked)
    not_in_protocol = tuple(qid for qid in answers if qid not in protocol.by_id)
    return RunResult(
        protocol, interview, outcome(protocol, interview), never_asked, not_in_protocol, stopped_at, emergency
    )
