"""Turn an XLSForm into a draft Waypoint protocol (`status: imported`) and .po catalogs.

pyxform reads the workbook and checks it (`get_xlsform`, then `workbook_to_json`); this module maps
pyxform's JSON form onto the protocol format. Expressions are lexed with pyxform's own lexer (to name
the functions Waypoint lacks) and then read by Waypoint's engine, so nothing is parsed by hand.

What Waypoint cannot express is reported as `FORM.xlsx:survey:ROW: CODE message — what to do`; the
import stops unless `skip_unsupported` is given (then every skipped row is listed). Consent, indicators
and decision rules do not exist in XLSForm: `waypoint protocol lint` lists them as a draft's to-dos.

Why one module of this size: one pass over pyxform's JSON form, a mapping per XLSForm column; the
shared pieces (columns, findings, expressions, files) already live in their own modules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interop.languages import language_code
from interop.unsupported import (
    METADATA_TYPES,
    STRUCTURE,
    UNSUPPORTED_COLUMNS,
    Finding,
    UnsupportedFormError,
    XLSFormReadError,
    finding,
)
from interop.xlsform_columns import (
    CHOICE_COLUMNS,
    CONSENT_COLUMN,
    CONSENT_RELEVANCE,
    INDICATOR_PREFIX,
    SECTION_SUFFIX,
    TYPE_TO_KIND,
    YES_NO_VALUES,
    range_constraint,
    truthy,
)
from interop.xlsform_expressions import references, unreadable_reason

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


@dataclass
class ImportedForm:
    """A protocol as plain data (ready for YAML), its translations and what the import left out."""

    protocol: dict[str, Any]
    translations: dict[str, dict[tuple[str, str], str]]  # lang -> (msgctxt, source text) -> translation
    skipped: tuple[Finding, ...]
    source_file: str


@dataclass
class _Section:
    id: str
    title: str
    titles: dict[str, str]
    questions: list[dict[str, Any]] = field(default_factory=list)


class _Importer:
    def __init__(self, file: str, form: Mapping[str, Any], rows: list[dict[str, Any]], pid: str, lang: str):
        self.file = file
        self.form = form
        self.pid = pid
        self.source = lang
        self.rows: dict[str, int] = {}
        for index, row in enumerate(rows):
            if isinstance(row.get("name"), str):
                self.rows.setdefault(row["name"].strip(), index + 2)  # row 1 holds the column names
        self.raw_types = {str(r.get("name", "")).strip(): str(r.get("type", "")) for r in rows}
        self.findings: list[Finding] = []
        self.sections: list[_Section] = []
        self.indicators: list[dict[str, Any]] = []
        self.calculates: list[dict[str, Any]] = []
        self.translations: dict[str, dict[tuple[str, str], str]] = {}
        self.unknown_languages: set[str] = set()
        self.skipped_ids: set[str] = set()
        self.kept_ids: list[str] = []
        self.consent: dict[str, Any] = {}
        self._open: _Section | None = None

    # --- text and languages -------------------------------------------------------------------

    def texts(self, value: object, row: int) -> dict[str, str]:
        """{language code: text} of a label, hint or message (a plain string is the source language)."""
        if isinstance(value, str):
            return {self.source: value.strip()} if value.strip() else {}
        found: dict[str, str] = {}
        if isinstance(value, Mapping):
            for name, text in value.items():
                if not isinstance(text, str) or not text.strip():
                    continue
                code = self.source if name == "default" else language_code(str(name))
                if code is None:
                    if name not in self.unknown_languages:
                        self.unknown_languages.add(str(name))
                        self.report("XL011", 1, sheet="survey", language=name)
                    continue
                found.setdefault(code, text.strip())
        return found

    def translate(self, context: str, texts: Mapping[str, str], source: str) -> None:
        for code, text in texts.items():
            if code != self.source:
                self.translations.setdefault(code, {})[(f"{self.pid}:{context}", source)] = text

    def report(self, code: str, row: int, *, sheet: str = "survey", **params: object) -> None:
        self.findings.append(finding(self.file, sheet, row, code, **params))

    # --- walking pyxform's JSON --------------------------------------------------------------

    def walk(
        self, children: list[Mapping[str, Any]], relevance: tuple[str, ...], parent: _Section | None
    ) -> None:
        for child in children:
            kind = str(child.get("type", ""))
            name = str(child.get("name", ""))
            row = self.rows.get(name, 0)
            if kind == "group" and name == "meta" and (child.get("control") or {}).get("bodyless"):
                continue  # pyxform adds the instance id itself
            if kind in STRUCTURE:
                self.report(STRUCTURE[kind], row, name=name)
                self.skipped_ids.update(_names(child))
                continue
            if child.get(CONSENT_COLUMN):
                self.consent_row(child, row)
                continue
            if kind == "group":
                gate = (
                    bool(self.consent) and str(_bind(child).get("relevant", "")).strip() == CONSENT_RELEVANCE
                )
                own = None if gate else self.expression(_bind(child).get("relevant"), row, "relevant")
                inner = (*relevance, own) if own else relevance
                section = self.new_section(name, self.texts(child.get("label"), row))
                self.walk(list(child.get("children", ())), inner, section)
                self._open = None if parent is None else self.continue_section(parent)
                continue
            if kind == "calculate" and child.get("waypoint_element"):
                self.indicator(child, row)
                continue
            if kind == "calculate":
                self.calculate(child, row)
                continue
            question = self.question(child, kind, row, relevance)
            if question is None:
                self.skipped_ids.add(name)
                continue
            self.kept_ids.append(question["id"])
            (self._open or self.open_loose(parent)).questions.append(question)

    def consent_row(self, child: Mapping[str, Any], row: int) -> None:
        """A consent item or the agreement, as Waypoint's export writes them (`waypoint_consent`)."""
        kind, _, topic = str(child[CONSENT_COLUMN]).partition(":")
        texts = self.texts(child.get("label"), row)
        text = texts.get(self.source) or str(child.get("name", ""))
        self.consent.setdefault("kind", kind.strip())
        if topic == "agreement":
            self.consent["agreement"] = text
        else:
            self.consent.setdefault("items", []).append({"topic": topic.strip(), "text": text})
        self.translate(f"consent.{topic.strip()}", texts, text)

    def new_section(self, name: str, titles: dict[str, str]) -> _Section:
        ident = _section_id(self.section_name(name))
        title = titles.get(self.source) or name
        section = _Section(self.unique_section_id(ident), title, titles)
        self.sections.append(section)
        self._open = section
        return section

    def section_name(self, group: str) -> str:
        """The section a group stands for: "debt_section" beside a question "debt" is section "debt"."""
        stem = group.removesuffix(SECTION_SUFFIX)
        kind = self.raw_types.get(stem, "begin")
        is_question = not kind.replace("_", " ").startswith("begin")
        return stem if stem != group and is_question else group

    def continue_section(self, parent: _Section) -> _Section:
        return self.new_section(parent.id, parent.titles or {self.source: parent.title})

    def open_loose(self, parent: _Section | None) -> _Section:
        if parent is not None:
            return self.continue_section(parent)
        title = str(self.form.get("title") or self.pid)
        section = _Section(self.unique_section_id("questions"), title, {})
        self.sections.append(section)
        self._open = section
        return section

    def unique_section_id(self, ident: str) -> str:
        taken = {s.id for s in self.sections}
        candidate, n = ident, 2
        while candidate in taken:
            candidate, n = f"{ident}_{n}", n + 1
        return candidate

    def question(
        self, child: Mapping[str, Any], kind: str, row: int, relevance: tuple[str, ...]
    ) -> dict[str, Any] | None:
        name = str(child.get("name", ""))
        raw_type = self.raw_types.get(name, kind)
        if kind in METADATA_TYPES:
            self.report("XL013", row, type=kind)
            return None
        if name not in self.rows:  # generated by pyxform, e.g. the text question of `or_other`
            return None
        if "or specify other" in raw_type or "or_other" in raw_type:
            self.report("XL018", row, name=name)
        target = TYPE_TO_KIND.get(kind)
        itemset = str(child.get("itemset", ""))
        if kind.startswith("select") and (itemset.endswith((".csv", ".xml", ".geojson")) or target is None):
            self.report("XL007", row, type=raw_type or kind)
            return None
        if target is None:
            self.report("XL004", row, type=raw_type or kind)
            return None
        if not IDENTIFIER.fullmatch(name):
            self.report("XL010", row, what="question", name=name)
            return None
        for column, what in UNSUPPORTED_COLUMNS.items():
            if child.get(column) not in (None, "") or _bind(child).get(column) not in (None, "", "false()"):
                self.report("XL012", row, column=column, what=what)
        if child.get("media"):
            self.report("XL008", row)
        if child.get("choice_filter"):
            self.report("XL009", row, name=name)
        texts = self.texts(child.get("label"), row)
        if any("${" in text for text in (*texts.values(), *self.texts(child.get("hint"), row).values())):
            self.report("XL020", row, name=name)
        question: dict[str, Any] = {"id": name, "kind": target, "text": texts.get(self.source) or name}
        self.translate(name, texts, question["text"])
        hints = _joined(
            self.texts(child.get("hint"), row), self.texts(child.get("guidance_hint"), row), self.source
        )
        if hints.get(self.source):
            question["guidance"] = hints[self.source]
            self.translate(f"{name}:guidance", hints, hints[self.source])
        self.extra_fields(child, question, row)
        bind = _bind(child)
        required = bind.get("required")
        if child.get("waypoint_required") not in (None, ""):
            question["required"] = truthy(child["waypoint_required"])
        elif required not in (None, "", "no", "false", "false()"):
            if truthy(required):
                question["required"] = True
            else:
                self.report("XL014", row, name=name)
        elif target != "info":
            question["required"] = False
        own = self.expression(bind.get("relevant"), row, "relevant")
        conditions = [
            f"({c})" if len(relevance) + bool(own) > 1 else c for c in (*relevance, *([own] if own else []))
        ]
        if conditions:
            question["relevant"] = " and ".join(conditions)
        constraint = self.constraint(bind.get("constraint"), question, row)
        if constraint:
            question["constraint"] = constraint
        messages = self.texts(bind.get("jr:constraintMsg"), row)
        if messages.get(self.source):
            question["constraint_message"] = messages[self.source]
            self.translate(f"{name}:constraint", messages, messages[self.source])
        if kind.startswith("select"):
            self.options(child, question, row)
        return question

    def extra_fields(self, child: Mapping[str, Any], question: dict[str, Any], row: int) -> None:
        for column, key, convert in (
            ("waypoint_fact", "fact", str),
            ("waypoint_audience", "audience", str),
            ("waypoint_key", "key", truthy),
            ("waypoint_min", "min", _number),
            ("waypoint_max", "max", _number),
            ("waypoint_max_length", "max_length", lambda v: int(float(v))),
        ):
            value = child.get(column)
            if value not in (None, ""):
                try:
                    question[key] = convert(str(value).strip())
                except ValueError:
                    self.report("XL019", row, column=column, value=value)

    def constraint(self, source: object, question: Mapping[str, Any], row: int) -> str | None:
        text = str(source).strip() if source else ""
        suffix = " and ".join(range_constraint(question.get("min"), question.get("max")))
        if suffix and text == suffix:
            text = ""
        elif suffix and text.endswith(f" and {suffix}"):  # the export wrote "(own) and . >= min ..."
            text = text.removesuffix(f" and {suffix}")
            if text.startswith("(") and text.endswith(")"):
                text = text[1:-1]
        return self.expression(text, row, "constraint")

    def options(self, child: Mapping[str, Any], question: dict[str, Any], row: int) -> None:
        choices = child.get("choices") or (self.form.get("choices") or {}).get(child.get("itemset"), [])
        values = [str(c.get("name", "")) for c in choices]
        if child.get("type") == "select one" and tuple(values) == YES_NO_VALUES:
            question["kind"] = "yes_no"
            return
        options = []
        for choice in choices:
            value = str(choice.get("name", "")).strip()
            if not IDENTIFIER.fullmatch(value):
                self.report("XL017", row, sheet="choices", value=value, list=child.get("itemset", ""))
                continue
            texts = self.texts(choice.get("label"), row)
            option: dict[str, Any] = {"value": value, "label": texts.get(self.source) or value}
            for column in CHOICE_COLUMNS:
                if truthy(choice.get(column, "")):
                    option[column.removeprefix("waypoint_")] = True
            if choice.get("media"):
                self.report("XL008", row)
            self.translate(f"{question['id']}:option.{value}", texts, option["label"])
            options.append(option)
        question["options"] = options

    def indicator(self, child: Mapping[str, Any], row: int) -> None:
        name = str(child.get("name", ""))
        when = self.expression(_bind(child).get("calculate"), row, "calculation")
        if when is None:
            return
        indicator: dict[str, Any] = {
            "id": name.removeprefix(INDICATOR_PREFIX),
            "label": str(child.get("waypoint_label") or name),
            "when": when,
            "element": str(child["waypoint_element"]).strip(),
            "strength": str(child.get("waypoint_strength", "")).strip(),
        }
        if child.get("waypoint_ilo"):
            indicator["ilo"] = str(child["waypoint_ilo"]).split()
        if child.get("waypoint_dimension"):
            indicator["dimension"] = str(child["waypoint_dimension"]).strip()
        if child.get("waypoint_triggers") not in (None, ""):
            indicator["triggers"] = truthy(child["waypoint_triggers"])
        self.indicators.append(indicator)

    def calculate(self, child: Mapping[str, Any], row: int) -> None:
        """A `calculate` row: a protocol calculate with the same name and expression."""
        name = str(child.get("name", ""))
        if not IDENTIFIER.fullmatch(name):
            self.report("XL010", row, what="calculate", name=name)
            self.skipped_ids.add(name)
            return
        source = _bind(child).get("calculate")
        if source is None or not str(source).strip():
            self.report("XL005", row, name=name)
            self.skipped_ids.add(name)
            return
        calculation = self.expression(source, row, "calculation")
        if calculation is None:
            self.skipped_ids.add(name)
            return
        self.calculates.append({"id": name, "calculation": calculation})

    def expression(self, source: object, row: int, where: str) -> str | None:
        """`source` when Waypoint's engine can read it; else a finding that says why."""
        if source is None or not str(source).strip():
            return None
        text = str(source).strip()
        reason = unreadable_reason(text)
        if reason is not None:
            self.report("XL006", row, where=where, reason=reason)
            return None
        return text


def _joined(first: dict[str, str], second: dict[str, str], source: str) -> dict[str, str]:
    """Hint and guidance hint (both for the officer) as one text per language; a language that lacks
    a part the source has gets no translation (it falls back to the source, visibly)."""
    joined = {}
    for code in first.keys() | second.keys():
        if (code in first, code in second) == (source in first, source in second):
            joined[code] = " ".join(text for text in (first.get(code), second.get(code)) if text)
    return joined


def _section_id(name: str) -> str:
    """A group's name as a section id (no expression refers to a group, so renaming is safe)."""
    return re.sub(r"[^a-z0-9_]", "_", name.lower()).lstrip("_0123456789") or "section"


def _bind(child: Mapping[str, Any]) -> Mapping[str, Any]:
    bind = child.get("bind")
    return bind if isinstance(bind, Mapping) else {}


def _names(element: Mapping[str, Any]) -> set[str]:
    found = {str(element.get("name", ""))}
    for child in element.get("children", ()):
        found |= _names(child)
    return found


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def import_xlsform(
    path: Path, *, protocol_id: str, skip_unsupported: bool = False, source_language: str | None = None
) -> ImportedForm:
    """Read the XLSForm at `path` with pyxform and map it to a draft protocol.

    Raises:
        XLSFormReadError: pyxform cannot read or accept the workbook (its message names the problem).
        UnsupportedFormError: the form uses what Waypoint cannot express and `skip_unsupported` is False.
    """
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    file = path.name
    try:
        workbook = get_xlsform(str(path))
        warnings: list[str] = []
        form = workbook_to_json(
            workbook_dict=workbook, fallback_form_name=workbook.fallback_form_name, warnings=warnings
        )
    except (PyXFormError, OSError, ValueError, KeyError) as error:
        raise XLSFormReadError(file=file, reason=str(error).strip() or type(error).__name__) from None
    settings = (workbook.settings or [{}])[0]
    source = source_language or language_code(str(settings.get("default_language") or "")) or None
    rows = list(workbook.survey or [])
    importer = _Importer(file, form, rows, protocol_id, source or _first_language(form) or "en")
    importer.walk(list(form.get("children", ())), (), None)
    _drop_dangling(importer)
    if importer.findings and not skip_unsupported:
        raise UnsupportedFormError(file, importer.findings)
    protocol = _protocol(importer, settings, file)
    return ImportedForm(protocol, importer.translations, tuple(importer.findings), file)


def _first_language(form: Mapping[str, Any]) -> str | None:
    for child in _elements(form):
        label = child.get("label")
        if isinstance(label, Mapping):
            for name in label:
                if name != "default" and (code := language_code(str(name))):
                    return code
    return None


def _elements(element: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for child in element.get("children", ()):
        yield child
        yield from _elements(child)


def _drop_dangling(importer: _Importer) -> None:
    """Conditions that read a question the import left out cannot hold: drop them, saying so."""
    kept = set(importer.kept_ids)
    calculates = list(importer.calculates)
    while True:  # a calculate that reads a dropped name is dropped too, and so on
        names = kept | {c["id"] for c in calculates}
        dropped = [c for c in calculates if not references(c["calculation"]) <= names]
        if not dropped:
            break
        for calculate in dropped:
            missing = ", ".join(sorted(references(calculate["calculation"]) - names))
            row = importer.rows.get(calculate["id"], 0)
            importer.report("XL015", row, where="calculation", names=missing)
        calculates = [c for c in calculates if c not in dropped]
    importer.calculates = calculates
    kept |= {c["id"] for c in calculates}
    for section in importer.sections:
        for question in section.questions:
            for key in ("relevant", "constraint"):
                if key in question and not references(question[key]) <= kept:
                    missing = ", ".join(sorted(references(question[key]) - kept))
                    importer.report("XL015", importer.rows.get(question["id"], 0), where=key, names=missing)
                    del question[key]
    importer.indicators = [i for i in importer.indicators if references(i["when"]) <= kept]


def _protocol(importer: _Importer, settings: Mapping[str, Any], file: str) -> dict[str, Any]:
    title = str(settings.get("form_title") or importer.form.get("title") or importer.pid)
    sections = [s for s in importer.sections if s.questions]
    for section in sections:
        if section.titles:
            importer.translate(f"section.{section.id}", section.titles, section.title)
    protocol: dict[str, Any] = {
        "id": importer.pid,
        "version": str(settings.get("version") or "0.1.0"),
        "status": "imported",
        "title": title,
        "description": f"Imported from the XLSForm {file}; a draft until consent, indicators and "
        "decision rules are added and reviewed.",
        "audience": "general",
        "frameworks": [],
        "validation_status": f"Imported from the XLSForm {file}. Not validated as a screening protocol.",
        "source_language": importer.source,
    }
    if {"kind", "agreement", "items"} <= set(importer.consent):
        protocol["consent"] = importer.consent
    protocol["decision"] = {"age_fact": None}
    protocol["sections"] = [{"id": s.id, "title": s.title, "questions": s.questions} for s in sections]
    if importer.calculates:
        protocol["calculates"] = importer.calculates
    if importer.indicators:
        protocol["indicators"] = importer.indicators
    return protocol
