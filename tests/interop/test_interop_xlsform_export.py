"""XLSForm export: `waypoint protocol export-xlsform ID --out FILE.xlsx`.

XE001: every shipped protocol exports, and pyxform (`xls2xform`) converts the file to an XForm without
       error; every language with a translation has its own label::<lang> column; each indicator is a
       calculate field holding its condition.
XE002: round trip: export then import gives the same questions (kinds, texts, options, relevance,
       constraints, guidance, facts ...), the same consent, the same indicators, and the same
       translations; in the XForm every section is relevant only once the person agreed.
XE003: the command prints what it wrote; a wrong suffix or an unknown protocol is a clear error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from interop.languages import language_column
from interop.protocol_files import write_import
from interop.xlsform_export import export_languages, write_xlsform
from interop.xlsform_import import import_xlsform
from screening_protocols import list_protocols, render_consent, render_protocol_text, render_question
from screening_protocols.loader import load_protocol
from screening_protocols.model import Protocol, Question
from waypoint.cli import main

SHIPPED = [p.id for p in list_protocols()]


def _protocol(pid: str) -> Protocol:
    return next(p for p in list_protocols() if p.id == pid)


def _shape(question: Question) -> tuple[object, ...]:
    return (
        question.id,
        question.kind,
        question.section,
        question.text,
        question.guidance,
        question.options,
        question.relevant,
        question.constraint,
        question.constraint_message,
        question.required,
        question.key,
        question.fact,
        question.audience,
        question.minimum,
        question.maximum,
        question.max_length,
    )


@pytest.mark.parametrize("pid", SHIPPED)
def test_xe001_every_protocol_converts(pid: str, tmp_path: Path) -> None:
    protocol = _protocol(pid)
    out = tmp_path / f"{pid}.xlsx"
    sheets = write_xlsform(protocol, out)
    warnings: list[str] = []
    xform = convert(xlsform=str(out), warnings=warnings).xform
    assert "<h:html" in xform and f'id="{pid.replace("-", "_")}"' in xform
    assert xform.count("/data/waypoint_consent_agreement  = 'yes'") == len(protocol.sections)
    assert len(sheets.languages) > 1 and sheets.languages == export_languages(protocol)
    header = [cell.value for cell in next(load_workbook(out)["survey"].iter_rows(max_row=1))]
    for lang in sheets.languages:
        assert f"label::{language_column(lang)}" in header
        assert f'lang="{language_column(lang)}"' in xform
    calculates = [row for row in sheets.survey if row["type"] == "calculate"]
    assert [row["calculation"] for row in calculates] == [i.when.source for i in protocol.indicators]


@pytest.mark.parametrize("pid", SHIPPED)
def test_xe002_round_trip(pid: str, tmp_path: Path) -> None:
    protocol = _protocol(pid)
    write_xlsform(protocol, tmp_path / f"{pid}.xlsx")
    imported = import_xlsform(tmp_path / f"{pid}.xlsx", protocol_id=pid)
    assert imported.skipped == ()
    written = write_import(imported, tmp_path / "back" / f"{pid}.yaml")
    back = load_protocol(written.protocol_file)
    assert [_shape(q) for q in back.questions] == [_shape(q) for q in protocol.questions]
    assert [(s.id, s.title) for s in back.sections] == [(s.id, s.title) for s in protocol.sections]
    strip = [
        (i.id, i.label, i.when, i.element, i.strength, i.ilo, i.dimension, i.triggers)
        for i in protocol.indicators
    ]
    assert [
        (i.id, i.label, i.when, i.element, i.strength, i.ilo, i.dimension, i.triggers)
        for i in back.indicators
    ] == strip
    assert (back.title, back.version, back.source_language) == (protocol.title, protocol.version, "en")
    assert (back.consent.kind, back.consent.agreement) == (protocol.consent.kind, protocol.consent.agreement)
    assert [(i.topic, i.text) for i in back.consent.items] == [
        (i.topic, i.text) for i in protocol.consent.items
    ]
    languages = export_languages(protocol)[1:]
    assert sorted(imported.translations) == sorted(languages)
    for lang in languages:
        expected: dict[tuple[str, str], str] = {}
        for question in protocol.questions:
            shown = render_question(protocol, question, lang)
            parts = [(f"{pid}:{question.id}", question.text, shown.text)]
            if question.guidance and shown.guidance:
                parts.append((f"{pid}:{question.id}:guidance", question.guidance, shown.guidance))
            if question.constraint_message and shown.constraint_message:
                parts.append(
                    (f"{pid}:{question.id}:constraint", question.constraint_message, shown.constraint_message)
                )
            for option, rendered in zip(
                question.options,
                [o for o in shown.options if o.value in {x.value for x in question.options}],
                strict=True,
            ):
                parts.append((f"{pid}:{question.id}:option.{option.value}", option.label, rendered.label))
            expected.update({(ctx, src): text.text for ctx, src, text in parts if not text.fallback})
        consent = render_consent(protocol, lang)
        for item, (_, text) in zip(protocol.consent.items, consent.items, strict=True):
            if not text.fallback:
                expected[(f"{pid}:consent.{item.topic}", item.text)] = text.text
        if not consent.agreement.fallback:
            expected[(f"{pid}:consent.agreement", protocol.consent.agreement)] = consent.agreement.text
        words = render_protocol_text(protocol, lang)
        for section in protocol.sections:
            title = words[f"section.{section.id}"]
            if not title.fallback:
                expected[(f"{pid}:section.{section.id}", section.title)] = title.text
        assert imported.translations[lang] == {key: _plain_quotes(text) for key, text in expected.items()}, (
            lang
        )


def _plain_quotes(text: str) -> str:
    """pyxform always reads typographic quotes as plain ones (docs/interop.md)."""
    return text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))


def test_xe003_command(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "border.xlsx"
    result = runner.invoke(main, ["protocol", "export-xlsform", "border-rapid", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout and "pyxform converts it" in result.stderr
    wrong = runner.invoke(
        main, ["protocol", "export-xlsform", "border-rapid", "--out", str(tmp_path / "b.csv")]
    )
    assert wrong.exit_code == 1 and "must end in .xlsx" in wrong.output
    unknown = runner.invoke(main, ["protocol", "export-xlsform", "nope", "--out", str(tmp_path / "n.xlsx")])
    assert unknown.exit_code == 1 and "no protocol named nope" in unknown.output
    assert not (tmp_path / "n.xlsx").exists() and not (tmp_path / "b.csv").exists()
