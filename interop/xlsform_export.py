"""Write a protocol as an XLSForm (.xlsx) that pyxform converts to an XForm for ODK Collect or Kobo.

Sections become groups, questions become rows (yes/no as `select_one waypoint_yes_no`, numbers as
`decimal`), every language with a translation gets its own `label::Language (xx)` column, and each
calculate becomes a `calculate` row with its expression, and each
indicator becomes a `calculate` field holding its condition (true or false once answered). What
XLSForm has no place for (a question's fact, audience, key flag, an option's `unknown` ...) goes into
`waypoint_*` columns so the form imports back unchanged. See docs/interop.md for what ODK cannot run:
consent, "prefer not to answer", the decision rules and the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interop.languages import language_column
from interop.xlsform_columns import (
    CONSENT_AGREEMENT,
    CONSENT_COLUMN,
    CONSENT_PREFIX,
    CONSENT_RELEVANCE,
    INDICATOR_PREFIX,
    KIND_TO_TYPE,
    SECTION_SUFFIX,
    YES_NO_LIST,
    YES_NO_VALUES,
    range_constraint,
)
from screening_protocols import available_languages, render_consent, render_protocol_text, render_question
from screening_protocols.model import Protocol, Question, QuestionKind
from screening_protocols.translations import RenderedText
from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_


class XLSFormExportError(WaypointError):
    """The written form does not convert with pyxform (a bug in the export: the message says where)."""

    code = "WP-INTEROP-005"

    what = N_("The XLSForm written for {protocol} does not convert to an XForm: {reason}")
    todo = N_("Report this with the protocol file; the export must always convert.")


@dataclass(frozen=True)
class Sheets:
    """The three XLSForm sheets as header + rows of cells."""

    survey: list[dict[str, Any]]
    choices: list[dict[str, Any]]
    settings: dict[str, Any]
    languages: tuple[str, ...]


def export_languages(protocol: Protocol) -> tuple[str, ...]:
    """The source language, then every shipped language with at least one translated question."""
    others = []
    for lang in available_languages():
        if lang == protocol.source_language:
            continue
        if any(not render_question(protocol, q, lang).text.fallback for q in protocol.questions):
            others.append(lang)
    return (protocol.source_language, *others)


def protocol_sheets(protocol: Protocol, languages: Iterable[str] | None = None) -> Sheets:
    """The XLSForm rows for `protocol` in `languages` (default: `export_languages`)."""
    langs = tuple(languages) if languages is not None else export_languages(protocol)
    source = protocol.source_language
    rendered = {
        lang: {q.id: render_question(protocol, q, lang) for q in protocol.questions} for lang in langs
    }
    words = {lang: render_protocol_text(protocol, lang) for lang in langs}

    def columns(prefix: str, texts: dict[str, RenderedText | None]) -> dict[str, str]:
        cells = {}
        for lang, text in texts.items():
            if text is not None and (lang == source or not text.fallback):
                cells[f"{prefix}::{language_column(lang)}"] = text.text
        return cells

    survey: list[dict[str, Any]] = list(_consent_rows(protocol, langs, columns))
    choices: list[dict[str, Any]] = []
    taken = {q.id for q in protocol.questions}
    gate = CONSENT_RELEVANCE if survey else ""
    for section in protocol.sections:
        group = section.id if section.id not in taken else f"{section.id}{SECTION_SUFFIX}"
        titles = {lang: words[lang][f"section.{section.id}"] for lang in langs}
        survey.append(
            {"type": "begin_group", "name": group, **columns("label", dict(titles)), "relevant": gate}
        )
        for qid in section.question_ids:
            question = protocol.by_id[qid]
            texts = {lang: rendered[lang][qid] for lang in langs}
            survey.append(_question_row(question, texts, columns))
            choices.extend(_choice_rows(question, texts, columns))
        survey.append({"type": "end_group"})
    if any(row["type"] == f"select_one {YES_NO_LIST}" for row in survey):
        for value in YES_NO_VALUES:
            labels = {lang: _yes_no_label(protocol, lang, value) for lang in langs}
            choices.append({"list_name": YES_NO_LIST, "name": value, **columns("label", labels)})
    for calculate in protocol.calculates:
        survey.append(
            {"type": "calculate", "name": calculate.id, "calculation": calculate.calculation.source}
        )
    for indicator in protocol.indicators:
        survey.append(
            {
                "type": "calculate",
                "name": f"{INDICATOR_PREFIX}{indicator.id}",
                "calculation": indicator.when.source,
                "waypoint_label": indicator.label,
                "waypoint_element": indicator.element.value,
                "waypoint_strength": indicator.strength.value,
                "waypoint_ilo": " ".join(indicator.ilo),
                "waypoint_dimension": indicator.dimension or "",
                "waypoint_triggers": "yes" if indicator.triggers else "no",
            }
        )
    settings = {
        "form_title": protocol.title,
        "form_id": protocol.id.replace("-", "_"),
        "version": protocol.version,
        "default_language": language_column(source),
        "clean_text_values": "no",  # keep whitespace as written (pyxform still plains typographic quotes)
    }
    return Sheets(survey, choices, settings, langs)


def _consent_rows(protocol: Protocol, langs: tuple[str, ...], columns: Any) -> Iterator[dict[str, Any]]:
    """The consent items as notes, then the agreement as a required yes/no: ODK asks nothing before it."""
    if not protocol.consent.items:
        return
    rendered = {lang: render_consent(protocol, lang) for lang in langs}
    kind = protocol.consent.kind
    for index, item in enumerate(protocol.consent.items):
        texts = {lang: rendered[lang].items[index][1] for lang in langs}
        yield {
            "type": "note",
            "name": f"{CONSENT_PREFIX}{item.topic}",
            **columns("label", texts),
            CONSENT_COLUMN: f"{kind}:{item.topic}",
        }
    yield {
        "type": f"select_one {YES_NO_LIST}",
        "name": CONSENT_AGREEMENT,
        **columns("label", {lang: rendered[lang].agreement for lang in langs}),
        "required": "yes",
        CONSENT_COLUMN: f"{kind}:agreement",
    }


def _yes_no_label(protocol: Protocol, lang: str, value: str) -> RenderedText | None:
    """The engine's own label for yes, no or unsure in `lang` (the same for every yes/no question)."""
    probe = Question("probe", QuestionKind.YES_NO, "probe", "", 0)
    return _option_label(render_question(protocol, probe, lang).options, value)


def _question_row(question: Question, texts: dict[str, Any], columns: Any) -> dict[str, Any]:
    if question.kind is QuestionKind.YES_NO:
        kind = f"select_one {YES_NO_LIST}"
    elif question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        kind = f"{KIND_TO_TYPE[question.kind.value]} {question.id}"
    else:
        kind = KIND_TO_TYPE[question.kind.value]
    row: dict[str, Any] = {
        "type": kind,
        "name": question.id,
        **columns("label", {lang: t.text for lang, t in texts.items()}),
        **columns("hint", {lang: t.guidance for lang, t in texts.items()}),
        **columns("constraint_message", {lang: t.constraint_message for lang, t in texts.items()}),
        "relevant": question.relevant.source if question.relevant else "",
    }
    parts = [f"({question.constraint.source})"] if question.constraint else []
    parts += range_constraint(question.minimum, question.maximum)
    row["constraint"] = " and ".join(parts)
    if question.kind.answerable:  # never `required` in ODK: not answering stands for "prefer not to answer"
        row["waypoint_required"] = "yes" if question.required else "no"
    extra = {
        "waypoint_fact": question.fact or "",
        "waypoint_key": "yes" if question.key else "",
        "waypoint_audience": question.audience.value if question.audience.value != "respondent" else "",
        "waypoint_min": "" if question.minimum is None else question.minimum,
        "waypoint_max": "" if question.maximum is None else question.maximum,
        "waypoint_max_length": question.max_length if question.kind is QuestionKind.TEXT else "",
    }
    row.update(extra)
    return row


def _choice_rows(question: Question, texts: dict[str, Any], columns: Any) -> Iterator[dict[str, Any]]:
    for option in question.options:
        labels = {lang: _option_label(t.options, option.value) for lang, t in texts.items()}
        yield {
            "list_name": question.id,
            "name": option.value,
            **columns("label", labels),
            "waypoint_unknown": "yes" if option.unknown else "",
            "waypoint_exclusive": "yes" if option.exclusive else "",
        }


def _option_label(options: Iterable[Any], value: str) -> RenderedText | None:
    return next((o.label for o in options if o.value == value), None)


def write_xlsform(protocol: Protocol, out: Path, languages: Iterable[str] | None = None) -> Sheets:
    """Write `protocol` as an XLSForm to `out` (.xlsx) and check that pyxform converts it.

    Raises:
        XLSFormExportError: pyxform refuses the written form (nothing is left at `out` then).
    """
    from openpyxl import Workbook

    sheets = protocol_sheets(protocol, languages)
    book = Workbook()
    for index, (title, rows) in enumerate(
        (("survey", sheets.survey), ("choices", sheets.choices), ("settings", [sheets.settings]))
    ):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        header = list(dict.fromkeys(key for row in rows for key in row))
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(row.get(key, "")) for key in header])
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp.xlsx")
    book.save(temporary)
    try:
        xform(temporary)
    except XLSFormExportError as error:
        temporary.unlink(missing_ok=True)
        raise XLSFormExportError(protocol=protocol.id, reason=error.params["reason"]) from None
    temporary.replace(out)
    return sheets


def _cell(value: Any) -> Any:
    return None if value == "" else value


def xform(path: Path) -> str:
    """The XForm pyxform makes of the XLSForm at `path` (what ODK Collect and Kobo run).

    Raises:
        XLSFormExportError: pyxform refuses the form.
    """
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        return str(convert(xlsform=str(path), validate=False).xform)
    except PyXFormError as error:
        raise XLSFormExportError(protocol=path.stem, reason=str(error)) from None
