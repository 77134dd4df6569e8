"""The semantic rules of the protocol format: what the JSON schema cannot say.

Each rule reads the normalized document and yields `Problem`s from the one ErrorCode catalogue. Rules
are defensive about shapes, so a file with schema errors still gets every other problem reported.

Why one module of this size: a flat table of small, independent rules (one function each) that
share one registry; authors read them side by side with docs/protocols.md's code table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from screening_protocols import expressions
from screening_protocols.catalogue import (
    AGE_OBSERVATIONS,
    AUDIENCES,
    BANNED_RESPONDENT_STEMS,
    CONSENT_TOPICS,
    DIMENSIONS,
    EXPLOITATION_FORMS,
    FRAMEWORKS,
    ILO_INDICATORS,
    REFERRAL_NEEDS,
    PalermoElement,
    Strength,
)
from screening_protocols.errors import ErrorCode, Problem, problem
from screening_protocols.loader import FieldPath, RawDocument

YES_NO_VALUES = ("yes", "no", "unsure")
UNKNOWN_LITERALS = ("declined", "unsure")
CHOICE_KINDS = ("single_choice", "multiple_choice")
_BANNED = re.compile(r"\b(" + "|".join(BANNED_RESPONDENT_STEMS) + r")\w*", re.IGNORECASE)


@dataclass(frozen=True)
class _Q:
    id: str
    kind: str
    index: int
    path: FieldPath
    raw: Mapping[str, Any]
    section_index: int

    def values(self) -> tuple[str, ...]:
        if self.kind == "yes_no":
            return YES_NO_VALUES
        return tuple(o["value"] for o in _dicts(self.raw.get("options")) if isinstance(o.get("value"), str))

    def unknown_values(self) -> tuple[str, ...]:
        if self.kind == "yes_no":
            return ("unsure",)
        return tuple(o["value"] for o in _dicts(self.raw.get("options")) if o.get("unknown"))


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _questions(data: Mapping[str, Any]) -> list[_Q]:
    found: list[_Q] = []
    for s_index, section in enumerate(_dicts(data.get("sections"))):
        for q_index, raw in enumerate(_dicts(section.get("questions"))):
            if isinstance(raw.get("id"), str):
                path: FieldPath = ("sections", s_index, "questions", q_index)
                found.append(_Q(raw["id"], str(raw.get("kind", "")), len(found), path, raw, s_index))
    return found


def semantic_problems(doc: RawDocument) -> list[Problem]:
    """Every semantic problem of a normalized document."""
    if not isinstance(doc.data, dict):
        return []
    questions = _questions(doc.data)
    found: list[Problem] = []
    for rule in (
        _duplicates,
        _facts,
        _expressions,
        _calculate_cycles,
        _catalogue,
        _wording,
        _shape,
        _consent,
        _child_rule,
        _usage,
        _same_mapping,
        _guidance,
        _draft,
    ):
        found.extend(rule(doc, questions))
    return found


def _guidance(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    """Every question tells the officer why it is asked and how to ask it (an imported draft is
    reviewed as a whole first: PR030)."""
    if doc.data.get("status") == "imported":
        return
    for q in questions:
        guidance = q.raw.get("guidance")
        if not isinstance(guidance, str) or not guidance.strip():
            yield problem(ErrorCode.PR031, doc.file, doc.line(q.path), qid=q.id)


def _draft(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    from screening_protocols.drafts import draft_problems

    return draft_problems(doc)


def _duplicates(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    data = doc.data
    groups: list[list[tuple[str, FieldPath]]] = [
        [(q.id, (*q.path, "id")) for q in questions]
        + [(c["id"], ("calculates", i, "id")) for i, c in _calculates(data) if isinstance(c.get("id"), str)],
        [(s["id"], ("sections", i, "id")) for i, s in enumerate(_dicts(data.get("sections"))) if "id" in s],
        [
            (r["id"], ("indicators", i, "id"))
            for i, r in enumerate(_dicts(data.get("indicators")))
            if "id" in r
        ],
        [(r["id"], ("emergency", i, "id")) for i, r in enumerate(_dicts(data.get("emergency"))) if "id" in r],
        [
            (r["topic"], ("consent", "items", i, "topic"))
            for i, r in enumerate(_dicts(_dict(data.get("consent")).get("items")))
            if "topic" in r
        ],
    ]
    for q in questions:
        groups.append(
            [
                (o["value"], (*q.path, "options", i))
                for i, o in enumerate(_dicts(q.raw.get("options")))
                if "value" in o
            ]
        )
    for group in groups:
        seen: dict[object, FieldPath] = {}
        for ident, path in group:
            if ident in seen:
                yield problem(
                    ErrorCode.PR003, doc.file, doc.line(path), id=ident, other_line=doc.line(seen[ident])
                )
            else:
                seen[ident] = path


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _calculates(data: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, raw) for i, raw in enumerate(_list(data.get("calculates"))) if isinstance(raw, dict)]


def _calculate_references(data: Mapping[str, Any]) -> dict[str, tuple[int, frozenset[str]]]:
    """Each readable calculate: its index in the file and the names it reads."""
    found: dict[str, tuple[int, frozenset[str]]] = {}
    for i, raw in _calculates(data):
        if isinstance(raw.get("id"), str) and isinstance(raw.get("calculation"), str):
            try:
                found.setdefault(raw["id"], (i, expressions.parse(raw["calculation"]).references))
            except expressions.ExpressionSyntaxError:
                continue
    return found


def _calculate_sources(
    calculates: Mapping[str, tuple[int, frozenset[str]]], name: str, seen: frozenset[str] = frozenset()
) -> set[str]:
    """The questions a calculate reads, directly or through other calculates (cycles cut)."""
    found: set[str] = set()
    stack = [name]
    visited = set(seen)
    while stack:
        current = stack.pop()
        if current in visited:
            continue
        visited.add(current)
        for ref in calculates[current][1]:
            if ref in calculates:
                stack.append(ref)
            else:
                found.add(ref)
    return found


def _calculate_cycles(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    """A calculate that reads itself, directly or through others, can never be computed (PR025)."""
    calculates = _calculate_references(doc.data)
    reported: set[str] = set()
    for name in calculates:
        cycle = _cycle_from(calculates, name)
        if cycle is None or name in reported:
            continue
        reported.update(cycle)
        index = calculates[name][0]
        yield problem(
            ErrorCode.PR025,
            doc.file,
            doc.line(("calculates", index, "calculation")),
            id=name,
            cycle=" -> ".join((*cycle, cycle[0])),
        )


def _cycle_from(calculates: Mapping[str, tuple[int, frozenset[str]]], start: str) -> tuple[str, ...] | None:
    """The shortest chain of calculates leading from `start` back to itself, if there is one."""
    paths: dict[str, tuple[str, ...]] = {start: (start,)}
    frontier = [start]
    while frontier:
        following = []
        for current in frontier:
            for ref in sorted(calculates[current][1]):
                if ref == start:
                    return paths[current]
                if ref in calculates and ref not in paths:
                    paths[ref] = (*paths[current], ref)
                    following.append(ref)
        frontier = following
    return None


def _facts(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    seen: dict[str, _Q] = {}
    for q in questions:
        fact = q.raw.get("fact")
        if not isinstance(fact, str):
            continue
        if fact in seen:
            other = seen[fact]
            yield problem(
                ErrorCode.PR008,
                doc.file,
                doc.line((*q.path, "fact")),
                fact=fact,
                other=other.id,
                other_line=doc.line(other.path),
            )
        else:
            seen[fact] = q


def _expression_sites(
    doc: RawDocument, questions: list[_Q]
) -> Iterator[tuple[FieldPath, str, _Q | None, str]]:
    """(path, source, owning question or None, field name) for every expression in the file."""
    for q in questions:
        for name in ("relevant", "constraint"):
            if isinstance(q.raw.get(name), str):
                yield (*q.path, name), q.raw[name], q, name
    for i, raw in _calculates(doc.data):
        if isinstance(raw.get("calculation"), str):
            yield ("calculates", i, "calculation"), raw["calculation"], None, "calculation"
    for block in ("indicators", "referrals", "emergency"):
        for i, raw in enumerate(_dicts(doc.data.get(block))):
            if isinstance(raw.get("when"), str):
                yield (block, i, "when"), raw["when"], None, "when"


def _expressions(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    by_id = {q.id: q for q in questions}
    calculates = _calculate_references(doc.data)
    calculate_ids = {raw["id"] for _, raw in _calculates(doc.data) if isinstance(raw.get("id"), str)}
    for path, source, owner, name in _expression_sites(doc, questions):
        line = doc.line(path)
        try:
            parsed = expressions.parse(source)
        except expressions.ExpressionSyntaxError as error:
            yield problem(ErrorCode.PR005, doc.file, line, expression=source, reason=str(error))
            continue
        for ref in dict.fromkeys(parsed.references):
            if ref == expressions.SELF:
                if name != "constraint":
                    yield problem(
                        ErrorCode.PR005,
                        doc.file,
                        line,
                        expression=source,
                        reason="'.' is only allowed in a constraint",
                    )
                continue
            target = by_id.get(ref)
            if target is None and ref in calculate_ids:
                if owner is not None and ref in calculates:
                    later = [by_id[q] for q in _calculate_sources(calculates, ref) if q in by_id]
                    if any(q.index >= owner.index for q in later):
                        yield problem(ErrorCode.PR006, doc.file, line, field=name, qid=owner.id, ref=ref)
            elif target is None:
                yield problem(ErrorCode.PR004, doc.file, line, ref=ref)
            elif owner is not None and target.index >= owner.index:
                yield problem(ErrorCode.PR006, doc.file, line, field=name, qid=owner.id, ref=ref)
        yield from _literal_problems(doc, line, parsed.tree, by_id)


def _literal_problems(
    doc: RawDocument, line: int, tree: expressions.Node, by_id: Mapping[str, _Q]
) -> Iterator[Problem]:
    for node in expressions.walk(tree):
        if node.op in ("selected", "count-selected"):
            ref_node = node.args[0]
            target = by_id.get(str(ref_node.value)) if ref_node.op == "ref" else None
            if target is None:
                continue
            wanted = ("multiple_choice",) if node.op == "count-selected" else CHOICE_KINDS
            if target.kind not in wanted:
                yield problem(
                    ErrorCode.PR013, doc.file, line, function=node.op, qid=target.id, kind=target.kind
                )
            elif node.op == "selected" and node.args[1].op == "const":
                yield from _check_literal(doc, line, target, str(node.args[1].value))
        elif node.op in ("=", "!="):
            left, right = node.args
            for ref_node, const in ((left, right), (right, left)):
                if ref_node.op == "ref" and const.op == "const" and isinstance(const.value, str):
                    target = by_id.get(str(ref_node.value))
                    if target is not None and (target.kind in CHOICE_KINDS or target.kind == "yes_no"):
                        yield from _check_literal(doc, line, target, const.value)


def _check_literal(doc: RawDocument, line: int, target: _Q, value: str) -> Iterator[Problem]:
    if value in UNKNOWN_LITERALS or value in target.unknown_values():
        yield problem(ErrorCode.PR012, doc.file, line, qid=target.id, value=value)
    elif value not in target.values():
        yield problem(
            ErrorCode.PR011, doc.file, line, value=value, qid=target.id, allowed=", ".join(target.values())
        )


def _catalogue(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    data = doc.data

    def check(
        value: object, allowed: Mapping[str, object] | tuple[str, ...], kind: str, path: FieldPath
    ) -> Iterator[Problem]:
        if isinstance(value, str) and value not in allowed:
            yield problem(
                ErrorCode.PR007, doc.file, doc.line(path), value=value, kind=kind, allowed=", ".join(allowed)
            )

    yield from check(data.get("audience"), AUDIENCES, "audience", ("audience",))
    for i, framework in enumerate(_list(data.get("frameworks"))):
        yield from check(framework, FRAMEWORKS, "framework", ("frameworks", i))
    elements = tuple(e.value for e in PalermoElement)
    strengths = tuple(s.value for s in Strength)
    for i, raw in enumerate(_dicts(data.get("indicators"))):
        yield from check(raw.get("element"), elements, "Palermo element", ("indicators", i, "element"))
        yield from check(raw.get("strength"), strengths, "strength", ("indicators", i, "strength"))
        yield from check(raw.get("dimension"), DIMENSIONS, "ILO/EC dimension", ("indicators", i, "dimension"))
        for j, ilo in enumerate(_list(raw.get("ilo"))):
            yield from check(ilo, ILO_INDICATORS, "ILO forced-labour indicator", ("indicators", i, "ilo", j))
        for j, form in enumerate(_list(raw.get("forms"))):
            yield from check(form, EXPLOITATION_FORMS, "form of exploitation", ("indicators", i, "forms", j))
    for i, raw in enumerate(_dicts(data.get("referrals"))):
        yield from check(raw.get("need"), REFERRAL_NEEDS, "referral need", ("referrals", i, "need"))
    for i, raw in enumerate(_dicts(data.get("emergency"))):
        for j, need in enumerate(_list(raw.get("referral_needs"))):
            yield from check(need, REFERRAL_NEEDS, "referral need", ("emergency", i, "referral_needs", j))
    for i, item in enumerate(_dicts(_dict(data.get("consent")).get("items"))):
        yield from check(item.get("topic"), CONSENT_TOPICS, "consent topic", ("consent", "items", i, "topic"))


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def respondent_texts(doc: RawDocument, questions: list[_Q]) -> Iterator[tuple[FieldPath, str]]:
    """Every string a respondent may see or hear (officer guidance and labels are not among them)."""
    data = doc.data
    for key in ("title",):
        if isinstance(data.get(key), str):
            yield (key,), data[key]
    consent = _dict(data.get("consent"))
    if isinstance(consent.get("agreement"), str):
        yield ("consent", "agreement"), consent["agreement"]
    for i, item in enumerate(_dicts(consent.get("items"))):
        if isinstance(item.get("text"), str):
            yield ("consent", "items", i, "text"), item["text"]
    for i, section in enumerate(_dicts(data.get("sections"))):
        if isinstance(section.get("title"), str):
            yield ("sections", i, "title"), section["title"]
    for q in questions:
        if q.raw.get("audience", "respondent") != "respondent":
            continue
        for key in ("text", "constraint_message"):
            if isinstance(q.raw.get(key), str):
                yield (*q.path, key), q.raw[key]
        for i, option in enumerate(_dicts(q.raw.get("options"))):
            if isinstance(option.get("label"), str):
                yield (*q.path, "options", i, "label"), option["label"]


def _wording(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    for path, text in respondent_texts(doc, questions):
        for match in _BANNED.finditer(text):
            yield problem(ErrorCode.PR009, doc.file, doc.line(path), word=match.group(0))


def _shape(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    answerable = 0
    for q in questions:
        if q.kind in CHOICE_KINDS and len(_dicts(q.raw.get("options"))) < 2:
            count = len(_dicts(q.raw.get("options")))
            yield problem(ErrorCode.PR017, doc.file, doc.line(q.path), qid=q.id, kind=q.kind, count=count)
        if q.kind == "text":
            yield problem(ErrorCode.PR010, doc.file, doc.line(q.path), qid=q.id)
        if q.kind != "info" and q.raw.get("audience", "respondent") == "respondent":
            answerable += 1  # officer observations take none of the person's time
    limit = doc.data.get("max_questions")
    if isinstance(limit, int) and answerable > limit:
        yield problem(ErrorCode.PR014, doc.file, doc.line(("max_questions",)), count=answerable, limit=limit)
    first_section = {q.id for q in questions if q.section_index == 0}
    for i, raw in enumerate(_dicts(doc.data.get("emergency"))):
        try:
            refs = expressions.parse(str(raw.get("when", ""))).references
        except expressions.ExpressionSyntaxError:
            continue
        known = {q.id for q in questions}
        for ref in sorted(refs & known - first_section):
            yield problem(
                ErrorCode.PR019, doc.file, doc.line(("emergency", i, "when")), rule=raw.get("id"), qid=ref
            )


def _consent(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    consent = _dict(doc.data.get("consent"))
    if not consent:
        return
    topics = {item.get("topic") for item in _dicts(consent.get("items"))}
    for topic, required in CONSENT_TOPICS.items():
        if required and topic not in topics:
            kind = consent.get("kind", "consent")
            yield problem(ErrorCode.PR015, doc.file, doc.line(("consent",)), kind=kind, topic=topic)


def _child_rule(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    decision = _dict(doc.data.get("decision"))
    age_fact = decision.get("age_fact", "age")
    line = doc.line(("decision", "age_fact")) if "age_fact" in decision else doc.line(("sections",))
    if isinstance(age_fact, str):
        owner = next((q for q in questions if q.raw.get("fact") == age_fact), None)
        if owner is None:
            reason = f"No question establishes the age fact '{age_fact}' the child rule needs"
            yield problem(ErrorCode.PR016, doc.file, line, reason=reason, fact=age_fact)
        elif owner.kind != "number" or "relevant" in owner.raw:
            reason = (
                f"Question '{owner.id}' establishes '{age_fact}' but is not an unconditional number question"
            )
            yield problem(ErrorCode.PR016, doc.file, doc.line(owner.path), reason=reason, fact=age_fact)
    observed_reason = "a single-choice officer question with the options " + ", ".join(AGE_OBSERVATIONS)
    yield from _observation_fact(
        doc,
        questions,
        "age_observed_fact",
        lambda q: q.kind == "single_choice" and set(q.values()) == set(AGE_OBSERVATIONS),
        observed_reason,
    )
    yield from _observation_fact(
        doc, questions, "age_disputed_fact", lambda q: q.kind == "yes_no", "a yes/no question"
    )


def _observation_fact(
    doc: RawDocument, questions: list[_Q], key: str, fits: Callable[[_Q], bool], needs: str
) -> Iterator[Problem]:
    """The decision's `key` names a fact that a question of the right shape establishes."""
    fact = _dict(doc.data.get("decision")).get(key)
    if not isinstance(fact, str):
        return
    owner = next((q for q in questions if q.raw.get("fact") == fact), None)
    if owner is None or not fits(owner):
        reason = f"The fact '{fact}' ({key}) needs {needs} that establishes it"
        yield problem(ErrorCode.PR016, doc.file, doc.line(("decision", key)), reason=reason, fact=fact)


_REFERENCE = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def _usage(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    used: set[str] = set()
    for _path, source, _owner, _name in _expression_sites(doc, questions):
        used.update(_REFERENCE.findall(source))  # read even a broken expression: PR005 reports it
    for q in questions:
        if q.kind == "info" or q.id in used or q.raw.get("fact") or q.raw.get("key"):
            continue
        yield problem(ErrorCode.PR018, doc.file, doc.line(q.path), qid=q.id)


def _same_mapping(doc: RawDocument, questions: list[_Q]) -> Iterator[Problem]:
    """Two questions whose indicators say the same thing (element + ILO indicators) may be one fact
    asked twice in different words. Indicators reading several questions are combinations, not
    duplicates, and are left out; so are indicators without an ILO mapping."""
    mapping: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    for raw in _dicts(doc.data.get("indicators")):
        try:
            refs = set(expressions.parse(str(raw.get("when", ""))).references)
        except expressions.ExpressionSyntaxError:
            continue
        ilo = tuple(sorted(str(code) for code in _list(raw.get("ilo"))))
        if len(refs) == 1 and ilo:
            mapping.setdefault(refs.pop(), set()).add((str(raw.get("element")), ilo))
    seen: dict[frozenset[tuple[str, tuple[str, ...]]], _Q] = {}
    for q in questions:
        signature = frozenset(mapping.get(q.id, ()))
        if not signature:
            continue
        other = seen.get(signature)
        if other is None:
            seen[signature] = q
            continue
        described = "; ".join(f"{element}: {', '.join(ilo)}" for element, ilo in sorted(signature))
        yield problem(
            ErrorCode.PR024,
            doc.file,
            doc.line(q.path),
            qid=q.id,
            other=other.id,
            other_line=doc.line(other.path),
            mapping=described,
        )
