"""Every translatable string of a protocol, with its message context (`<protocol id>:<where>`).

Both the Babel extractor and the renderer use this one list, so what is extracted is exactly what is
looked up. Contexts:

    <pid>:title  <pid>:description  <pid>:validation_status
    <pid>:consent.agreement  <pid>:consent.<topic>
    <pid>:section.<section id>
    <pid>:<qid>  <pid>:<qid>:guidance  <pid>:<qid>:option.<value>  <pid>:<qid>:constraint
    <pid>:indicator.<indicator id>  <pid>:emergency.<rule id>
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from screening_protocols.model import Protocol, Question


@dataclass(frozen=True)
class Message:
    """One translatable string: where it is, its context, the source text and a note for translators."""

    line: int
    context: str
    text: str
    note: str


def question_context(protocol_id: str, question: Question, part: str = "") -> str:
    """The msgctxt of a question's text (`part` = "", "guidance", "option.<value>" or "constraint")."""
    return f"{protocol_id}:{question.id}" + (f":{part}" if part else "")


def protocol_messages(protocol: Protocol) -> Iterator[Message]:
    """Every translatable string of `protocol`, in file order."""
    pid = protocol.id
    yield Message(1, f"{pid}:title", protocol.title, "protocol title")
    if protocol.description:
        yield Message(1, f"{pid}:description", protocol.description, "protocol description (officers)")
    yield Message(
        1, f"{pid}:validation_status", protocol.validation_status, "validation status shown to officers"
    )
    consent = protocol.consent
    first_line = consent.items[0].line if consent.items else 1
    if consent.agreement:  # an imported draft has no consent yet
        yield Message(
            first_line,
            f"{pid}:consent.agreement",
            consent.agreement,
            f"{consent.kind}: the agreement question",
        )
    for item in consent.items:
        yield Message(
            item.line, f"{pid}:consent.{item.topic}", item.text, f"{consent.kind} item: {item.topic}"
        )
    for section in protocol.sections:
        yield Message(section.line, f"{pid}:section.{section.id}", section.title, "section title")
        for qid in section.question_ids:
            question = protocol.by_id[qid]
            who = "officer observation" if question.audience == "officer" else "asked to the person"
            yield Message(
                question.line, question_context(pid, question), question.text, f"{question.kind} ({who})"
            )
            if question.guidance:
                context = question_context(pid, question, "guidance")
                yield Message(question.line, context, question.guidance, "guidance for the officer")
            for option in question.options:
                context = question_context(pid, question, f"option.{option.value}")
                yield Message(question.line, context, option.label, f"answer option '{option.value}'")
            if question.constraint_message:
                context = question_context(pid, question, "constraint")
                yield Message(
                    question.line,
                    context,
                    question.constraint_message,
                    "shown when the answer is out of range",
                )
    for indicator in protocol.indicators:
        yield Message(
            indicator.line, f"{pid}:indicator.{indicator.id}", indicator.label, "indicator label (officers)"
        )
    for rule in protocol.emergencies:
        yield Message(rule.line, f"{pid}:emergency.{rule.id}", rule.guidance, "emergency guidance (officers)")
