"""Protocol words for the screens, in a given language, from the engine's renderers.

A thin adapter over `screening_protocols.render_*`, so the screens deal in plain strings and the few
engine types they need are named in one place. A string missing in a language falls back to the
protocol's source language (the engine marks it); the screens show the fallback rather than nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from screening_protocols import (
    AskQuestion,
    Audience,
    EmergencyStop,
    Finished,
    Outcome,
    Protocol,
    Question,
    QuestionKind,
    available_languages,
    render_consent,
    render_emergency,
    render_outcome,
    render_outcome_labels,
    render_protocol_text,
    render_question,
    translation_status,
)
from screening_protocols.translations import MISSING, SOURCE, STATUSES

__all__ = [
    "ConsentWording",
    "OptionWording",
    "OutcomeWording",
    "QuestionWording",
    "consent_wording",
    "emergency_wording",
    "finished_wording",
    "outcome_wording",
    "private_answerable",
    "protocol_languages",
    "protocol_title",
    "protocol_title_by_id",
    "question_wording",
    "step_kind",
    "translation_level",
]

# What a respondent can answer alone, by ear and with icons: yes/no, a few options, a number (keypad).
PRIVATE_KINDS = frozenset(
    {QuestionKind.YES_NO, QuestionKind.INFO, QuestionKind.SINGLE_CHOICE, QuestionKind.NUMBER}
)


@dataclass(frozen=True)
class OptionWording:
    value: str
    label: str
    exclusive: bool = False


@dataclass(frozen=True)
class QuestionWording:
    text: str
    guidance: str
    options: tuple[OptionWording, ...]
    fallback: bool
    constraint: str = ""  # what is said when a number is out of range
    status: str = SOURCE  # the weakest translation status of its parts (e.g. "machine-draft")


@dataclass(frozen=True)
class ConsentWording:
    kind: str
    items: tuple[str, ...]
    agreement: str


@dataclass(frozen=True)
class FindingWording:
    label: str
    strength: str
    because: tuple[str, ...]  # the questions whose answers raised it, as asked


@dataclass(frozen=True)
class OutcomeWording:
    level: str
    headline: str
    notice: str
    indicators: tuple[FindingWording, ...]
    elements: tuple[str, ...]
    referral_needs: tuple[str, ...]
    unknown: tuple[str, ...]  # key questions left unknown (declined, unsure, not reached)


def step_kind(step: Any) -> str:
    """ "question", "emergency" or "finished"."""
    if isinstance(step, AskQuestion):
        return "question"
    if isinstance(step, EmergencyStop):
        return "emergency"
    if isinstance(step, Finished):
        return "finished"
    raise TypeError(f"unknown step {type(step).__name__}")


def private_answerable(step: Any) -> bool:
    """True when the respondent can answer this step alone (icons, option tiles or the keypad).

    Officer observations, free text, dates and multiple choices go back to the officer.
    """
    return isinstance(step, AskQuestion) and private_answerable_question(step.question)


def private_answerable_question(question: Question) -> bool:
    """The question itself: asked to the person, and of a kind the private screen answers."""
    return question.audience is Audience.RESPONDENT and question.kind in PRIVATE_KINDS


def protocol_title(protocol: Protocol, language: str) -> str:
    return render_protocol_text(protocol, language)["title"].text


def protocol_title_by_id(services: Any, protocol_id: str, language: str) -> str:
    try:
        return protocol_title(services.protocol(protocol_id), language)
    except Exception:  # a protocol no longer shipped: its id is all there is to show
        return protocol_id


@functools.cache
def _languages() -> tuple[str, ...]:
    return available_languages()


def protocol_languages(protocol: Protocol) -> list[str]:
    """The languages a respondent can be interviewed in with this protocol (its source language first)."""
    languages = [protocol.source_language]
    languages += [lang for lang in _languages() if lang != protocol.source_language]
    return languages


_LEVELS: dict[tuple[str, str, str], str] = {}


def translation_level(protocol: Protocol, language: str) -> str:
    """How far the protocol can be trusted in `language`: its weakest string's status ("source",
    "missing", "machine-draft", "reviewed" or "field-tested"), computed once per protocol and language."""
    if language == protocol.source_language:
        return SOURCE
    key = (protocol.id, protocol.version, language)
    if key not in _LEVELS:
        counts = translation_status(protocol, language).counts
        _LEVELS[key] = next((status for status in (MISSING, *STATUSES) if counts.get(status)), SOURCE)
    return _LEVELS[key]


def question_wording(protocol: Protocol, question: Question, language: str) -> QuestionWording:
    rendered = render_question(protocol, question, language)
    exclusive = {option.value for option in question.options if option.exclusive}
    return QuestionWording(
        text=rendered.text.text,
        guidance=rendered.guidance.text if rendered.guidance else "",
        options=tuple(OptionWording(o.value, o.label.text, o.value in exclusive) for o in rendered.options),
        fallback=rendered.fallback,
        constraint=rendered.constraint_message.text if rendered.constraint_message else "",
        status=rendered.status,
    )


def consent_wording(protocol: Protocol, language: str) -> ConsentWording:
    rendered = render_consent(protocol, language)
    return ConsentWording(
        kind=rendered.kind,
        items=tuple(text.text for _topic, text in rendered.items),
        agreement=rendered.agreement.text,
    )


def emergency_wording(protocol: Protocol, stop: EmergencyStop, language: str) -> tuple[list[str], list[str]]:
    """The emergency guidance and the referral needs, in `language`."""
    rendered = render_emergency(protocol, stop, language)
    return [g.text for g in rendered.guidance], [label.text for _need, label in rendered.referral_needs]


def _child_protection_first(result: Outcome, rendered: Any) -> list[Any]:
    """The referral needs in the engine's order, but child protection first when the child rule applies."""
    needs = list(rendered.referral_needs)
    if result.child_rule:
        needs.sort(key=lambda pair: pair[0] != "child_protection")
    return needs


def outcome_wording(protocol: Protocol, result: Outcome, language: str) -> OutcomeWording:
    """The outcome in words, each finding explained by the questions that raised it."""
    rendered = render_outcome(protocol, result, language)
    labels = dict(rendered.indicators)

    def asked(qid: str) -> str:
        question = protocol.by_id.get(qid)
        return render_question(protocol, question, language).text.text if question else qid

    findings = tuple(
        FindingWording(labels[f.id].text, str(f.strength), tuple(asked(qid) for qid in f.because))
        for f in result.indicators
    )
    return OutcomeWording(
        level=str(result.level),
        headline=rendered.headline.text,
        notice=rendered.notice.text,
        indicators=findings,
        elements=tuple(label.text for _id, label in rendered.elements),
        referral_needs=tuple(label.text for _need, label in _child_protection_first(result, rendered)),
        unknown=tuple(asked(qid) for qid in result.unknown),
    )


def finished_wording(protocol: Protocol, summary: Any, language: str) -> OutcomeWording:
    """A finished screening's kept summary (`app.vault.FinishedSummary`) in words; child protection
    first when the child rule applied."""
    needs = sorted(
        summary.referral_needs, key=lambda need: not (summary.child and need == "child_protection")
    )
    rendered = render_outcome_labels(
        protocol,
        language,
        level=summary.level,
        indicator_ids=[indicator.id for indicator in summary.indicators],
        referral_needs=needs,
    )
    return OutcomeWording(
        level=summary.level,
        headline=rendered.headline.text,
        notice=rendered.notice.text,
        indicators=tuple(FindingWording(label.text, "", ()) for _id, label in rendered.indicators),
        elements=(),
        referral_needs=tuple(label.text for _need, label in rendered.referral_needs),
        unknown=(),
    )
