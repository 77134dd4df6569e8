"""Practice cases as data: `screening_protocols/training/<id>.yaml`, read, checked and listed.

A case names its protocol, tells the trainee a short story (officer language), scripts the person's
reply to each question (declines and "don't know" included), states the outcome levels and the
indicators a screen answered as scripted should find, the safety steps a good officer takes, and
teaching notes; `translations` holds the trainee-facing text in other languages. Nothing here is a
real person. `lint_case` reports every problem at once as `file:line: TRnnn message — how to fix`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from screening_protocols import plain_yaml
from screening_protocols.catalogue import OutcomeLevel
from screening_protocols.errors import AnswerError, ProtocolError
from screening_protocols.library import get_protocol
from screening_protocols.lint_rules import _BANNED  # the same words protocol lint refuses
from screening_protocols.practice.errors import CaseFileError, UnknownCaseError
from screening_protocols.runner import run_answers
from waypoint.core.i18n import N_
from waypoint.core.resources import package_folder

__all__ = [
    "CASES_DIR",
    "SAFETY_STEPS",
    "CaseProblem",
    "PracticeCase",
    "case_paths",
    "get_case",
    "lint_case",
    "list_cases",
    "load_case",
]

CASES_DIR = package_folder("screening_protocols", "training")

# What a good officer does, as the app can see it: the pre-checks, the emergency screen, a break.
SAFETY_STEPS = {
    "private_place": N_("Find a private place: speak with the person alone."),
    "no_companion_interpreter": N_("Refuse a companion, employer or relative as interpreter."),
    "stop_for_danger": N_("Stop the questions when the person is in danger now."),
    "offer_break": N_("Offer a break when the person is tired or upset."),
}
_KEYS = {
    "id",
    "protocol",
    "title",
    "story",
    "replies",
    "expected",
    "safety",
    "teaching_notes",
    "translations",
}
_TEXT_KEYS = {"title", "story", "teaching_notes", "replies_said"}
_TRAINEE_TEXT = ("title", "story")


@dataclass(frozen=True)
class CaseProblem:
    """One problem in a case file: where, which rule, and how to fix it."""

    file: str
    line: int
    code: str
    text: str

    def message(self) -> str:
        return f"{self.file}:{self.line}: {self.code} {self.text}"


@dataclass(frozen=True)
class PracticeCase:
    """One practice case, checked against its protocol (answered as scripted, it lands as expected)."""

    id: str
    protocol_id: str
    title: str
    story: str
    replies: Mapping[str, Any]
    expected_levels: tuple[OutcomeLevel, ...]
    expected_indicators: tuple[str, ...]
    safety: tuple[str, ...]
    teaching_notes: tuple[str, ...]
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def text(self, key: str, lang: str) -> Any:
        """`title`, `story` or `teaching_notes` in `lang`, falling back to the case's own English."""
        translated = self.translations.get(lang, {})
        return translated.get(key) or getattr(self, key)

    def languages(self) -> tuple[str, ...]:
        return ("en", *sorted(self.translations))

    def summary(self) -> dict[str, Any]:
        """What `waypoint training list --json` shows for the case."""
        return {
            "id": self.id,
            "protocol": self.protocol_id,
            "title": self.title,
            "expected_outcome": [level.value for level in self.expected_levels],
            "expected_indicators": list(self.expected_indicators),
            "safety": list(self.safety),
            "languages": list(self.languages()),
        }


def case_paths(folder: Path = CASES_DIR) -> tuple[Path, ...]:
    return tuple(sorted(folder.glob("*.yaml")))


def _top_lines(node: yaml.Node | None) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _read(path: Path) -> tuple[dict[str, int], Any, list[CaseProblem]]:
    name = path.name
    try:
        data = path.read_bytes()
    except OSError:
        return {}, None, [CaseProblem(name, 1, "TR001", "the file cannot be read — check the path")]
    try:
        node, value = plain_yaml.read(data)
    except plain_yaml.Refused as refused:
        return {}, None, [CaseProblem(name, refused.line, "TR001", "not plain YAML — " + refused.code.name)]
    except yaml.YAMLError as error:
        line = error.problem_mark.line + 1 if getattr(error, "problem_mark", None) else 1  # type: ignore[attr-defined]
        return {}, None, [CaseProblem(name, line, "TR001", "YAML syntax error — fix the line")]
    return _top_lines(node), value, []


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _check_shape(data: Any, lines: dict[str, int], name: str) -> list[CaseProblem]:
    def at(key: str) -> int:
        return lines.get(key, 1)

    if not isinstance(data, dict):
        return [CaseProblem(name, 1, "TR002", "a case is one mapping — start from a shipped case")]
    problems = [
        CaseProblem(name, at(key), "TR002", f"unknown key {key!r} — allowed: {', '.join(sorted(_KEYS))}")
        for key in data
        if key not in _KEYS
    ]
    for key in ("id", "protocol", "title", "story"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            problems.append(CaseProblem(name, at(key), "TR002", f"{key!r} must be non-empty text"))
    if data.get("id") and data.get("id") != Path(name).stem:
        problems.append(CaseProblem(name, at("id"), "TR003", "the id must match the file name — rename one"))
    if not isinstance(data.get("replies"), dict) or not data["replies"]:
        problems.append(CaseProblem(name, at("replies"), "TR002", "'replies' maps question ids to replies"))
    expected = data.get("expected")
    if not isinstance(expected, dict) or not isinstance(expected.get("outcome"), list):
        problems.append(
            CaseProblem(name, at("expected"), "TR002", "'expected' needs 'outcome' (levels) and 'indicators'")
        )
    elif any(level not in {lv.value for lv in OutcomeLevel} for level in expected["outcome"]):
        allowed = ", ".join(lv.value for lv in OutcomeLevel)
        problems.append(CaseProblem(name, at("expected"), "TR004", f"unknown outcome level — use {allowed}"))
    safety = data.get("safety", [])
    if not isinstance(safety, list) or any(step not in SAFETY_STEPS for step in safety):
        allowed = ", ".join(SAFETY_STEPS)
        problems.append(CaseProblem(name, at("safety"), "TR005", f"unknown safety step — use {allowed}"))
    notes = data.get("teaching_notes")
    if not isinstance(notes, list) or not notes or not all(isinstance(n, str) for n in notes):
        problems.append(
            CaseProblem(name, at("teaching_notes"), "TR002", "'teaching_notes' is a list of text")
        )
    translations = data.get("translations", {})
    if not isinstance(translations, dict) or any(
        not isinstance(text, dict) or set(text) - _TEXT_KEYS for text in translations.values()
    ):
        problems.append(
            CaseProblem(name, at("translations"), "TR006", "translations map a language to title/story/notes")
        )
    return problems


def _check_words(data: dict[str, Any], lines: dict[str, int], name: str) -> list[CaseProblem]:
    texts = [data.get(key) for key in _TRAINEE_TEXT]
    for text in data.get("translations", {}).values():
        texts += [text.get(key) for key in _TRAINEE_TEXT]
    return [
        CaseProblem(
            name, lines.get("story", 1), "TR007", f"the word {word!r} — describe what happened instead"
        )
        for value in texts
        for item in _texts(value)
        for word in _BANNED.findall(item)
    ]


def _check_script(data: dict[str, Any], lines: dict[str, int], name: str) -> list[CaseProblem]:
    try:
        protocol = get_protocol(data["protocol"])
    except ProtocolError as error:
        return [CaseProblem(name, lines.get("protocol", 1), "TR008", error.message())]
    unknown = [qid for qid in data["replies"] if qid not in protocol.by_id]
    if unknown:
        text = f"not questions of {protocol.id}: {', '.join(unknown)} — check `waypoint protocol show`"
        return [CaseProblem(name, lines.get("replies", 1), "TR008", text)]
    try:
        run = run_answers(protocol, data["replies"])
    except AnswerError as error:
        return [CaseProblem(name, lines.get("replies", 1), "TR009", error.message())]
    problems = []
    where = lines.get("expected", 1)
    if run.stopped_at:
        text = f"the script has no reply to {run.stopped_at}, which the screen asks — add one"
        problems.append(CaseProblem(name, lines.get("replies", 1), "TR009", text))
    if run.outcome.level.value not in data["expected"]["outcome"]:
        text = f"answered as scripted the outcome is {run.outcome.level.value} — fix the script or 'expected'"
        problems.append(CaseProblem(name, where, "TR010", text))
    found = {finding.id for finding in run.outcome.indicators}
    missing = [i for i in data["expected"].get("indicators", []) if i not in found]
    if missing:
        text = f"expected indicators not found as scripted: {', '.join(missing)} — fix the script or the list"
        problems.append(CaseProblem(name, where, "TR011", text))
    return problems


def lint_case(path: Path) -> list[CaseProblem]:
    """Every problem in the case file at `path` (empty when it is good)."""
    lines, data, problems = _read(path)
    if problems:
        return problems
    problems = _check_shape(data, lines, path.name)
    if problems:
        return problems
    return _check_words(data, lines, path.name) + _check_script(data, lines, path.name)


def load_case(path: Path) -> PracticeCase:
    """The case at `path`; CaseFileError (with every problem) when it does not pass lint."""
    problems = lint_case(path)
    if problems:
        raise CaseFileError(path.name, problems)
    _, data, _ = _read(path)
    expected = data["expected"]
    return PracticeCase(
        id=data["id"],
        protocol_id=data["protocol"],
        title=data["title"].strip(),
        story=data["story"].strip(),
        replies=dict(data["replies"]),
        expected_levels=tuple(OutcomeLevel(level) for level in expected["outcome"]),
        expected_indicators=tuple(expected.get("indicators", [])),
        safety=tuple(data.get("safety", [])),
        teaching_notes=tuple(data["teaching_notes"]),
        translations=dict(data.get("translations", {})),
    )


@cache
def list_cases() -> tuple[PracticeCase, ...]:
    """Every shipped case, sorted by id (loaded once)."""
    return tuple(load_case(path) for path in case_paths())


def get_case(case_id: str) -> PracticeCase:
    for case in list_cases():
        if case.id == case_id:
            return case
    raise UnknownCaseError(case=case_id, allowed=", ".join(c.id for c in list_cases()))
