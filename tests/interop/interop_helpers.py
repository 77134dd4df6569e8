"""Shared by the interop tests: the fixture folder, and answers that fit any protocol's questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from screening_protocols.model import Protocol, QuestionKind

FIXTURES = Path(__file__).resolve().parent / "fixtures"
XLSFORMS = FIXTURES / "xlsform"  # the six reference forms, with their LICENSE
FORMS = FIXTURES / "forms"  # forms written for these tests, as pyxform markdown


def answers_for(protocol: Protocol) -> dict[str, Any]:
    """One valid answer per answerable question (the first option, the minimum, ...)."""
    answers: dict[str, Any] = {}
    for question in protocol.questions:
        if question.kind is QuestionKind.YES_NO:
            answers[question.id] = "no"
        elif question.kind is QuestionKind.SINGLE_CHOICE:
            answers[question.id] = question.options[0].value
        elif question.kind is QuestionKind.MULTIPLE_CHOICE:
            answers[question.id] = [question.options[0].value]
        elif question.kind is QuestionKind.NUMBER:
            answers[question.id] = question.minimum if question.minimum is not None else 30
        elif question.kind is QuestionKind.DATE:
            answers[question.id] = "2020-01-31"
        elif question.kind is QuestionKind.TEXT:
            answers[question.id] = "a short answer"
    return answers


def markdown_form(tmp_path: Path, name: str, text: str) -> Path:
    """An XLSForm written as pyxform's markdown tables (pyxform reads .md like .xlsx)."""
    path = tmp_path / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path
