"""A protocol as plain JSON-safe data (for `waypoint protocol show --json` and other tools)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from screening_protocols.model import Protocol, Question
from screening_protocols.translations import available_languages, translation_status


def question_to_dict(question: Question, key: bool | None = None) -> dict[str, Any]:
    """One question: id, kind, text, guidance, options and rules (expressions as source text).

    `key` is the effective key status (marked, or read by a rule: `Protocol.key_question_ids`);
    without it, the question's own `key:` field is reported."""
    described: dict[str, Any] = {
        "id": question.id,
        "kind": question.kind.value,
        "section": question.section,
        "text": question.text,
        "guidance": question.guidance,
        "audience": question.audience.value,
        "required": question.required,
        "key": question.key if key is None else key,
        "fact": question.fact,
        "relevant": question.relevant.source if question.relevant else None,
        "ask_when_unknown": question.ask_when_unknown,
        "constraint": question.constraint.source if question.constraint else None,
        "accepts_declined": question.kind.answerable,
    }
    if question.options:
        described["options"] = [
            {"value": o.value, "label": o.label, "unknown": o.unknown, "exclusive": o.exclusive}
            for o in question.options
        ]
    if question.kind.value == "yes_no":
        described["answers"] = ["yes", "no", "unsure"]
    if question.minimum is not None or question.maximum is not None:
        described["min"], described["max"] = question.minimum, question.maximum
    return described


def translations_summary(protocol: Protocol, locales_dir: Path | None = None) -> dict[str, Any]:
    """Per language: how many strings, and how many at each status (machine-draft, reviewed, ...)."""
    summary = {}
    for lang in available_languages(locales_dir):
        if lang == protocol.source_language:
            continue
        status = translation_status(protocol, lang, locales_dir=locales_dir)
        summary[lang] = {"total": status.total, "counts": status.counts, "missing": len(status.missing)}
    return summary


def protocol_summary(protocol: Protocol) -> dict[str, Any]:
    """The metadata `waypoint protocol list --json` prints for each protocol."""
    return {
        "id": protocol.id,
        "version": protocol.version,
        "title": protocol.title,
        "audience": protocol.audience,
        "frameworks": list(protocol.frameworks),
        "validation_status": protocol.validation_status,
        "estimated_minutes": protocol.estimated_minutes,
        "questions": sum(1 for q in protocol.questions if q.kind.answerable),
        "consent_kind": protocol.consent.kind,
        "translations": translations_summary(protocol),
    }


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    """The whole protocol: metadata, consent, sections with questions, indicators, rules, translations."""
    decision = protocol.decision
    return {
        **protocol_summary(protocol),
        "description": protocol.description,
        "source_language": protocol.source_language,
        "max_questions": protocol.max_questions,
        "consent": {
            "kind": protocol.consent.kind,
            "agreement": protocol.consent.agreement,
            "items": [{"topic": item.topic, "text": item.text} for item in protocol.consent.items],
        },
        "decision": {
            "trigger_style": decision.trigger_style,
            "palermo_elements": decision.palermo_elements,
            "ilo_ec_dimensions": decision.ilo_ec_dimensions,
            "ilo_indicators_at_least": decision.ilo_indicators_at_least,
            "age_fact": decision.age_fact,
            "age_disputed_fact": decision.age_disputed_fact,
            "age_observed_fact": decision.age_observed_fact,
            "adult_age": decision.adult_age,
        },
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "questions": [
                    question_to_dict(protocol.by_id[qid], qid in protocol.key_question_ids)
                    for qid in section.question_ids
                ],
            }
            for section in protocol.sections
        ],
        "indicators": [
            {
                "id": i.id,
                "label": i.label,
                "when": i.when.source,
                "element": i.element.value,
                "ilo": list(i.ilo),
                "dimension": i.dimension,
                "strength": i.strength.value,
                "triggers": i.triggers,
                "forms": list(i.forms),
            }
            for i in protocol.indicators
        ],
        "referrals": [{"need": r.need, "when": r.when.source} for r in protocol.referrals],
        "emergency": [
            {
                "id": e.id,
                "when": e.when.source,
                "guidance": e.guidance,
                "referral_needs": list(e.referral_needs),
            }
            for e in protocol.emergencies
        ],
    }
