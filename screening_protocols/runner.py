"""Run a protocol on a prepared set of answers (what `waypoint protocol run` does), purely."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screening_protocols.catalogue import ANSWER_LABELS
from screening_protocols.engine import (
    AskQuestion,
    EmergencyStop,
    answer_next,
    carried_facts,
    decline_next,
    next_step,
    resume,
    start,
)
from screening_protocols.errors import AnswerError, ProtocolError
from screening_protocols.interview import DECLINED, AnswerValue, Interview
from screening_protocols.model import Protocol, QuestionKind
from screening_protocols.outcome import IndicatorFinding, Outcome, outcome, reason_words
from screening_protocols.translations import render_emergency, render_outcome

CHILD_PROTOCOL = "child-screen"  # where an adult screen points when the child rule applies


@dataclass(frozen=True)
class RunResult:
    """The outcome of a scripted run, and what in the answers was not used."""

    protocol: Protocol
    interview: Interview
    outcome: Outcome
    never_asked: tuple[str, ...]  # in the file, part of the protocol, but skipped by its logic
    not_in_protocol: tuple[str, ...]  # in the file, but no such question
    stopped_at: str | None  # the question with no answer in the file, if the run stopped early
    emergency: EmergencyStop | None  # the first emergency stop met, continued past or not
    continued: bool = False  # the answers went on after the emergency: the officer continued the screen

    def notes(self) -> list[str]:
        """What the person running it should know (printed on stderr)."""
        notes = []
        if self.never_asked and self.emergency and not self.continued:
            notes.append(
                "not asked (the screen stopped for immediate danger; answers after it continue the screen): "
                + ", ".join(self.never_asked)
            )
        elif self.never_asked:
            notes.append("not used (skip logic never asked them): " + ", ".join(self.never_asked))
        if self.not_in_protocol:
            notes.append(f"not questions of {self.protocol.id}: " + ", ".join(self.not_in_protocol))
        if self.stopped_at:
            notes.append(f"stopped at {self.stopped_at}: the answers file has no answer for it")
        if self.emergency:
            rules = ", ".join(r.id for r in self.emergency.rules)
            if self.continued:
                notes.append(f"immediate danger ({rules}): the screen continued once the person was safe")
            else:
                notes.append(f"stopped: immediate danger ({rules})")
        return notes

    def cli_json(self, lang: str = "en") -> dict[str, Any]:
        """The `--json` shape (docs/protocols.md, "Reading an outcome"): the level with its headline
        and notice, each indicator with its label, element, ILO indicators, strength and the answers
        that raised it (question text and answer), the child rule in words, the emergency guidance,
        reasons in words, what stayed unknown, referral needs, and where to go next."""
        result = self.outcome
        words = render_outcome(self.protocol, result, lang)
        labels = dict(words.indicators)
        return {
            "protocol_id": self.protocol.id,
            "protocol_version": self.protocol.version,
            "outcome": result.level.value,
            "headline": words.headline.text,
            "notice": words.notice.text,
            "indicators": [self._finding_json(f, labels[f.id].text) for f in result.indicators],
            "child_rule": self._child_rule_json(),
            "emergency": self._emergency_json(lang),
            "reasons": [{"code": code, "text": reason_words(code)} for code in result.reasons],
            "unknown": list(result.unknown),
            "referral_needs": list(result.referral_needs),
            "asked": list(result.asked),
            "follow_up": self.follow_up(),
        }

    def _answer_of(self, qid: str) -> AnswerValue:
        question = self.protocol.by_id[qid]
        if qid in self.interview.answers:
            return self.interview.answers[qid]
        return self.interview.facts.get(question.fact or "")

    def _because_json(self, qid: str) -> dict[str, Any]:
        question = self.protocol.by_id[qid]
        value = self._answer_of(qid)
        chosen = value if isinstance(value, tuple) else (value,)
        shown = [o.label for v in chosen if isinstance(v, str) and (o := question.option(v)) is not None]
        if question.kind is QuestionKind.YES_NO and isinstance(value, str):
            shown = [ANSWER_LABELS.get(value, value)]
        answer_text = "; ".join(shown) if shown else str(value)
        return {"question": qid, "text": question.text, "answer": answer_text}

    def _finding_json(self, finding: IndicatorFinding, label: str) -> dict[str, Any]:
        return {
            "id": finding.id,
            "label": label,
            "element": finding.element.value,
            "dimension": finding.dimension,
            "ilo": list(finding.ilo),
            "forms": list(finding.forms),
            "strength": finding.strength.value,
            "triggers": finding.triggers,
            "because": [self._because_json(qid) for qid in finding.because],
        }

    def _child_rule_json(self) -> dict[str, Any]:
        result = self.outcome
        codes = [code for code in result.reasons if code.startswith("child_rule:")]
        if not result.child_rule:
            reason = "The person is treated as an adult: an age of 18 or more was given, or the officer "
            reason += "recorded a clear adult."
        else:
            reason = " ".join(reason_words(code) for code in codes)
            reason += " Under 18: being moved or recruited for exploitation is enough — no force or deceit "
            reason += "needs to be shown."
        return {"applies": result.child_rule, "reason": reason}

    def _emergency_json(self, lang: str) -> list[dict[str, Any]]:
        fired = [rule for rule in self.protocol.emergencies if rule.id in self.outcome.emergency]
        if not fired:
            return []
        stop = EmergencyStop(tuple(fired), ())
        guidance = render_emergency(self.protocol, stop, lang).guidance
        return [
            {"id": rule.id, "guidance": text.text, "continued": self.continued}
            for rule, text in zip(fired, guidance, strict=True)
        ]

    def follow_up(self) -> dict[str, Any] | None:
        """When the child rule applies in an adult protocol: the child screen, with every carried fact
        that fits its questions (so nothing the person said is asked again)."""
        return child_follow_up(self.protocol, self.interview, self.outcome)

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
            because = "; ".join(
                f'"{b["text"]}" {b["answer"]}' for b in map(self._because_json, finding.because)
            )
            lines.append(f"  - {labels[fid].text} [{where}] because: {because}")
        lines.append("Child rule: " + self._child_rule_json()["reason"])
        for code in result.reasons:
            if not code.startswith("child_rule:"):
                lines.append("Why: " + reason_words(code))
        lines.append("Unknown key questions: " + (", ".join(result.unknown) or "none"))
        needs = dict(words.referral_needs)
        lines.append("Referral needs: " + (", ".join(needs[n].text for n in result.referral_needs) or "none"))
        lines.append("Asked, in order: " + ", ".join(result.asked))
        follow_up = self.follow_up()
        if follow_up:
            lines.append(
                f"Next: run {follow_up['protocol']} (facts carried: {', '.join(follow_up['facts'])})"
            )
        return lines


def run_answers(
    protocol: Protocol, answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None
) -> RunResult:
    """Answer each question the engine asks from `answers` (id -> value; "declined" anywhere).

    Information screens are acknowledged. The run stops at the first asked question with no
    answer in `answers`; AnswerError (naming the question and what is allowed) on a bad value.
    At an emergency stop the run ends, unless `answers` goes on with questions not asked yet: then
    the officer continued the screen once the person was safe (`engine.resume`), answers kept.
    """
    interview = start(protocol, facts)
    stopped_at = None
    emergency = None
    continued = False
    step = next_step(protocol, interview)
    for _ in range(2 * len(protocol.questions) + 2):  # bounded: each pass asks a question or resumes
        if isinstance(step, EmergencyStop):
            emergency = emergency or step
            pending = [qid for qid in answers if qid in protocol.by_id and qid not in interview.answers]
            if not pending:
                break
            interview = resume(protocol, interview)
            step = next_step(protocol, interview)
            continued = True
            continue
        if not isinstance(step, AskQuestion):
            break
        question = step.question
        if question.id not in answers:
            if question.kind is QuestionKind.INFO:
                interview, step = answer_next(protocol, interview, question.id, None)
                continue
            stopped_at = question.id
            break
        value = answers[question.id]
        if value == DECLINED:
            interview, step = decline_next(protocol, interview, question.id)
        else:
            interview, step = answer_next(protocol, interview, question.id, value)
    asked = set(interview.asked)
    never_asked = tuple(qid for qid in answers if qid in protocol.by_id and qid not in asked)
    not_in_protocol = tuple(qid for qid in answers if qid not in protocol.by_id)
    return RunResult(
        protocol,
        interview,
        outcome(protocol, interview),
        never_asked,
        not_in_protocol,
        stopped_at,
        emergency,
        continued,
    )


def child_follow_up(protocol: Protocol, interview: Interview, result: Outcome) -> dict[str, Any] | None:
    """When the child rule applies in an adult protocol: `{"protocol": "child-screen", "facts": {...}}`
    with every fact carried from `interview` that fits the child screen's questions; else None."""
    if not result.child_rule or protocol.consent.kind == "assent":
        return None
    from screening_protocols.library import get_protocol

    try:
        child = get_protocol(CHILD_PROTOCOL)
    except ProtocolError:
        return None
    facts: dict[str, Any] = {}
    for fact, value in carried_facts(protocol, interview).items():
        if fact not in child.by_fact:
            continue
        try:
            start(child, {fact: value})
        except AnswerError:
            continue
        facts[fact] = list(value) if isinstance(value, tuple) else value
    return {"protocol": child.id, "facts": facts}
