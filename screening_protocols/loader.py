"""Read a protocol file through a staged, pure pipeline.

    load_raw(source)  -> RawDocument   YAML text -> plain data + the line of every field (only I/O here)
    normalize(doc)    -> RawDocument   de-alias keys and kinds (tables, not if-chains)
    validate(doc)     -> [Problem]     the shipped JSON schema, then the semantic rules (lint_rules.py)
    build(doc)        -> Protocol      frozen dataclasses with parsed expressions

`check(source)` runs every stage and returns all problems at once; `load_protocol(source)` returns the
Protocol or raises ProtocolError carrying every error.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeAlias

import jsonschema
import yaml

from screening_protocols import expressions, plain_yaml
from screening_protocols.catalogue import PalermoElement, Strength
from screening_protocols.errors import ErrorCode, Problem, ProtocolError, Severity, problem
from screening_protocols.model import (
    Audience,
    Calculate,
    Consent,
    ConsentItem,
    Decision,
    EmergencyRule,
    Indicator,
    Option,
    Protocol,
    Question,
    QuestionKind,
    ReferralRule,
    Section,
)

FieldPath: TypeAlias = tuple[str | int, ...]

KEY_ALIASES = {
    "label": "text",
    "hint": "guidance",
    "type": "kind",
    "relevance": "relevant",
    "choices": "options",
    "emergencies": "emergency",
    "minimum": "min",
    "maximum": "max",
}
OPTION_KEY_ALIASES = {"name": "value", "text": "label"}
CALCULATE_KEY_ALIASES = {"name": "id", "calculate": "calculation"}
KIND_ALIASES = {
    "yesno": "yes_no",
    "yes-no": "yes_no",
    "boolean": "yes_no",
    "select_one": "single_choice",
    "select_multiple": "multiple_choice",
    "integer": "number",
    "decimal": "number",
    "note": "info",
    "string": "text",
}


@dataclass(frozen=True)
class RawDocument:
    """A protocol file as plain data, with the 1-based line of every mapping key and list item."""

    file: str
    data: Any
    lines: Mapping[FieldPath, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def line(self, path: FieldPath) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            if (found := self.lines.get(path[:end])) is not None:
                return found
        return 1


@dataclass(frozen=True)
class CheckResult:
    """Every problem found in one file, and the protocol when it has no error."""

    file: str
    problems: tuple[Problem, ...]
    protocol: Protocol | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that make the protocol unusable."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


def load_raw(source: Path | str | bytes, *, name: str | None = None) -> RawDocument:
    """Stage 1: read plain YAML (a path, or the bytes of a file) into data and line numbers."""
    file = name or ("<protocol>" if isinstance(source, bytes) else str(source))
    try:
        node, data = plain_yaml.read(source if isinstance(source, bytes) else Path(source).read_bytes())
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return RawDocument(file, None, {}, (problem(ErrorCode.PR021, file, 1, reason=reason),))
    except plain_yaml.Refused as refused:
        return RawDocument(file, None, {}, (problem(refused.code, file, refused.line, **refused.params),))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        return RawDocument(file, None, {}, (problem(ErrorCode.PR001, file, line, reason=reason),))
    lines: dict[FieldPath, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return RawDocument(file, data, lines)


def _collect_lines(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _collect_lines(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _collect_lines(item, (*path, index), lines)


def normalize(doc: RawDocument) -> RawDocument:
    """Stage 2: rename aliased keys and kinds (`label` -> `text`, `select_one` -> `single_choice`...)."""
    if not isinstance(doc.data, dict):
        return doc
    lines = dict(doc.lines)

    def rename(mapping: dict[str, Any], path: FieldPath, aliases: Mapping[str, str]) -> dict[str, Any]:
        renamed: dict[str, Any] = {}
        for key, value in mapping.items():
            new_key = aliases.get(key, key) if isinstance(key, str) else key
            if new_key != key:
                _move_lines(lines, (*path, key), (*path, new_key))
            renamed[new_key] = value
        return renamed

    data = rename(doc.data, (), KEY_ALIASES)
    for s_index, section in enumerate(_list(data.get("sections"))):
        if not isinstance(section, dict):
            continue
        for q_index, question in enumerate(_list(section.get("questions"))):
            if not isinstance(question, dict):
                continue
            path: FieldPath = ("sections", s_index, "questions", q_index)
            question = rename(question, path, KEY_ALIASES)
            if isinstance(question.get("kind"), str):
                question["kind"] = KIND_ALIASES.get(question["kind"], question["kind"])
            options = question.get("options")
            if isinstance(options, list):
                question["options"] = [
                    rename(o, (*path, "options", i), OPTION_KEY_ALIASES) if isinstance(o, dict) else o
                    for i, o in enumerate(options)
                ]
            section["questions"][q_index] = question
    calculates = data.get("calculates")
    if isinstance(calculates, list):
        data["calculates"] = [
            rename(c, ("calculates", i), CALCULATE_KEY_ALIASES) if isinstance(c, dict) else c
            for i, c in enumerate(calculates)
        ]
    return RawDocument(doc.file, data, lines, doc.problems)


def _move_lines(lines: dict[FieldPath, int], old: FieldPath, new: FieldPath) -> None:
    for path in [p for p in lines if p[: len(old)] == old]:
        lines[(*new, *path[len(old) :])] = lines.pop(path)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


@cache
def schema() -> dict[str, Any]:
    """The JSON schema shipped in the package (`screening_protocols/schema/protocol.schema.json`)."""
    text = resources.files("screening_protocols").joinpath("schema/protocol.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validate(doc: RawDocument) -> list[Problem]:
    """Stage 3: every schema and semantic problem of the document, in file order."""
    from screening_protocols.lint_rules import semantic_problems

    found = list(doc.problems)
    if doc.data is None and not found:
        found.append(problem(ErrorCode.PR002, doc.file, 1, where="the file", reason="it is empty"))
    if found:
        return found
    validator = jsonschema.Draft202012Validator(schema())
    misshapen: list[FieldPath] = []
    for error in validator.iter_errors(doc.data):
        if error.validator in ("type", "required") and error.absolute_path:
            misshapen.append(tuple(error.absolute_path))
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            extra = [key for key in error.instance if key not in allowed]
            if extra:
                path = (*path, extra[0])
        where = "/".join(str(p) for p in path) or "the top level"
        found.append(problem(ErrorCode.PR002, doc.file, doc.line(path), where=where, reason=_reason(error)))
    found.extend(semantic_problems(_without(doc, misshapen)))
    return sorted(set(found), key=lambda p: (p.line, p.code.name, p.params))


def _without(doc: RawDocument, paths: list[FieldPath]) -> RawDocument:
    """The document the semantic rules read: a value of the wrong type, or an object missing a required
    field, is left out (an object in a list becomes empty, so later items keep their index and line).
    The schema has already reported each one; the rules may then trust the shape of what is left."""
    if not paths:
        return doc
    data = copy.deepcopy(doc.data)
    for path in sorted(set(paths), key=len, reverse=True):  # deepest first: every ancestor still exists
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if isinstance(parent, list) and isinstance(last, int):
            parent[last] = {}
        else:
            del parent[last]
    return RawDocument(doc.file, data, doc.lines, doc.problems)


def _reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return str(error.message).replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "type" and isinstance(error.instance, bool):
        return f"{error.message} (YAML reads unquoted yes/no/on/off as true/false: quote it)"
    return str(error.message)


def build(doc: RawDocument) -> Protocol:
    """Stage 4: frozen dataclasses from a document that `validate` found no error in."""
    data = doc.data
    questions: list[Question] = []
    sections: list[Section] = []
    for s_index, raw_section in enumerate(data["sections"]):
        ids = []
        for q_index, raw in enumerate(raw_section["questions"]):
            path: FieldPath = ("sections", s_index, "questions", q_index)
            questions.append(_question(raw, raw_section["id"], len(questions), doc.line(path)))
            ids.append(raw["id"])
        sections.append(
            Section(raw_section["id"], raw_section["title"], tuple(ids), doc.line(("sections", s_index)))
        )
    raw_consent = data.get("consent") or {
        "kind": "consent",
        "items": [],
        "agreement": "",
    }  # an imported draft
    consent = Consent(
        raw_consent["kind"],
        tuple(
            ConsentItem(item["topic"], item["text"], doc.line(("consent", "items", i)))
            for i, item in enumerate(raw_consent["items"])
        ),
        raw_consent["agreement"],
    )
    indicators = tuple(
        Indicator(
            id=raw["id"],
            label=raw["label"],
            when=expressions.parse(raw["when"]),
            element=PalermoElement(raw["element"]),
            strength=Strength(raw["strength"]),
            ilo=tuple(raw.get("ilo", ())),
            dimension=raw.get("dimension"),
            triggers=raw.get("triggers", raw["element"] != PalermoElement.ACT),
            forms=tuple(raw.get("forms", ())),
            line=doc.line(("indicators", i)),
        )
        for i, raw in enumerate(data.get("indicators", ()))
    )
    referrals = tuple(
        ReferralRule(raw["need"], expressions.parse(raw["when"]), doc.line(("referrals", i)))
        for i, raw in enumerate(data.get("referrals", ()))
    )
    emergencies = tuple(
        EmergencyRule(
            raw["id"],
            expressions.parse(raw["when"]),
            raw["guidance"],
            tuple(raw.get("referral_needs", ())),
            doc.line(("emergency", i)),
        )
        for i, raw in enumerate(data.get("emergency", ()))
    )
    calculates = dependency_order(
        [
            Calculate(raw["id"], expressions.parse(raw["calculation"]), doc.line(("calculates", i)))
            for i, raw in enumerate(data.get("calculates", ()))
        ]
    )
    return Protocol(
        id=data["id"],
        version=str(data["version"]),
        title=data["title"],
        audience=data["audience"],
        frameworks=tuple(data.get("frameworks", ())),
        validation_status=data["validation_status"],
        source_language=data.get("source_language", "en"),
        description=data.get("description", ""),
        estimated_minutes=data.get("estimated_minutes"),
        max_questions=data.get("max_questions"),
        consent=consent,
        sections=tuple(sections),
        questions=tuple(questions),
        indicators=indicators,
        referrals=referrals,
        emergencies=emergencies,
        decision=Decision(**data.get("decision", {})),
        status=data.get("status", ""),
        source_path=doc.file,
        calculates=calculates,
    )


def dependency_order(calculates: list[Calculate]) -> tuple[Calculate, ...]:
    """The calculates so that each comes after every calculate it reads, otherwise in file order.
    Lint has refused cycles (PR025) before a protocol is built."""
    by_id = {c.id: c for c in calculates}
    ordered: list[Calculate] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(calculate: Calculate) -> None:
        stack = [(calculate, iter(sorted(calculate.calculation.references & by_id.keys())))]
        visiting.add(calculate.id)
        while stack:
            current, pending = stack[-1]
            for ref in pending:
                if ref not in placed and ref not in visiting:
                    visiting.add(ref)
                    stack.append((by_id[ref], iter(sorted(by_id[ref].calculation.references & by_id.keys()))))
                    break
            else:
                stack.pop()
                placed.add(current.id)
                ordered.append(current)

    for calculate in calculates:
        if calculate.id not in placed:
            place(calculate)
    return tuple(ordered)


def _question(raw: Mapping[str, Any], section: str, index: int, line: int) -> Question:
    return Question(
        id=raw["id"],
        kind=QuestionKind(raw["kind"]),
        text=raw["text"],
        section=section,
        index=index,
        guidance=raw.get("guidance", ""),
        required=raw.get("required", True),
        key=raw.get("key", False),
        audience=Audience(raw.get("audience", "respondent")),
        options=tuple(
            Option(o["value"], o["label"], o.get("unknown", False), o.get("exclusive", False))
            for o in raw.get("options", ())
        ),
        fact=raw.get("fact"),
        relevant=expressions.parse(raw["relevant"]) if "relevant" in raw else None,
        ask_when_unknown=raw.get("ask_when_unknown", False),
        constraint=expressions.parse(raw["constraint"]) if "constraint" in raw else None,
        constraint_message=raw.get("constraint_message", ""),
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        max_length=raw.get("max_length", 200),
        line=line,
    )


def check(source: Path | str | bytes, *, name: str | None = None) -> CheckResult:
    """Run every stage; return all problems, and the Protocol when there is no error."""
    doc = normalize(load_raw(source, name=name))
    found = validate(doc)
    if isinstance(source, Path | str) and isinstance(doc.data, dict) and isinstance(doc.data.get("id"), str):
        stem = Path(source).name.removesuffix(".yaml").removesuffix(".yml")
        if stem != doc.data["id"]:
            found.append(problem(ErrorCode.PR020, doc.file, doc.line(("id",)), id=doc.data["id"], stem=stem))
    errors = [p for p in found if p.severity is Severity.ERROR]
    return CheckResult(doc.file, tuple(found), None if errors else build(doc))


def load_protocol(source: Path | str | bytes, *, name: str | None = None) -> Protocol:
    """Load one protocol file (a path, or its bytes); raise ProtocolError listing every error."""
    result = check(source, name=name)
    if result.protocol is None:
        raise ProtocolError(result.file, list(result.errors))
    return result.protocol
