"""`waypoint protocol ...`: list, show, lint, run and translate screening protocols."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_


@click.group("protocol")
def protocol_group() -> None:
    """Screening protocols: list, show, lint, run and translate them."""


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _checked_language(lang: str) -> str:
    """`lang` when it is a language: a shipped catalog, or an ISO 639-1 code (which falls back to the
    protocol's source language, said on stderr).

    Raises:
        ConfigError: `lang` is not a language code at all (a typo would otherwise pass unnoticed).
    """
    from babel import Locale

    from screening_protocols import available_languages

    shipped = available_languages()
    if lang in shipped:
        return lang
    if not re.fullmatch(r"[a-z]{2}", lang) or lang not in Locale("en").languages:
        raise ConfigError(
            N_("{lang} is not a language code."),
            N_("Use a two-letter ISO 639-1 code; protocols are translated into {shipped}."),
            lang=lang,
            shipped=", ".join(shipped),
        )
    click.echo(f"no {lang} translation yet: shown in the protocol's source language", err=True)
    return lang


@protocol_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with translation status per language).")
def list_command(as_json: bool) -> None:
    """List the protocols in the library."""
    from screening_protocols import list_protocols
    from screening_protocols.describe import protocol_summary

    protocols = list_protocols()
    if as_json:
        _emit_json([protocol_summary(p) for p in protocols])
        return
    for p in protocols:
        answerable = sum(1 for q in p.questions if q.kind.answerable)
        click.echo(f"{p.id:<20} v{p.version:<8} {p.audience:<9} {answerable:>3} questions  {p.title}")


@protocol_group.command("show")
@click.argument("protocol_id")
@click.option("--json", "as_json", is_flag=True, help="Print the whole protocol as JSON.")
@click.option("--lang", default=None, help="Show question texts in this language (ISO 639-1).")
@click.option(
    "--coverage",
    "as_coverage",
    is_flag=True,
    help="Show which forms of exploitation and ILO indicators the protocol can record.",
)
def show_command(protocol_id: str, as_json: bool, lang: str | None, as_coverage: bool) -> None:
    """Show one protocol: metadata, consent, questions with ids and types, rules."""
    from screening_protocols import get_protocol, render_protocol_text, render_question
    from screening_protocols.coverage import coverage, coverage_lines
    from screening_protocols.describe import protocol_to_dict

    protocol = get_protocol(protocol_id)
    if lang is not None:
        _checked_language(lang)
    if as_coverage and as_json:
        _emit_json(
            [
                {"group": r.group, "code": r.code, "label": r.label, "indicators": list(r.indicators)}
                for r in coverage(protocol)
            ]
        )
        return
    if as_coverage:
        for line in coverage_lines(protocol):
            click.echo(line)
        return
    if as_json:
        _emit_json(protocol_to_dict(protocol))
        return
    language = lang or protocol.source_language
    words = render_protocol_text(protocol, language)
    click.echo(f"{words['title'].text} ({protocol.id} v{protocol.version}, {protocol.audience})")
    click.echo(f"Validation: {words['validation_status'].text}")
    for section in protocol.sections:
        click.echo(f"\n[{section.id}] {words[f'section.{section.id}'].text}")
        for qid in section.question_ids:
            question = protocol.by_id[qid]
            text = render_question(protocol, question, language).text.text
            condition = f"  (if {question.relevant.source})" if question.relevant else ""
            click.echo(f"  {question.id} <{question.kind.value}> {text}{condition}")


@protocol_group.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def lint_command(paths: tuple[Path, ...]) -> None:
    """Check protocol files (default: the library); print every problem, exit 1 on any error.

    One line per problem, `file:line: CODE message — how to fix`; a warning (advice, which does not
    fail the check) says so after its code: `file:line: CODE (warning) message — how to fix`.
    """
    from screening_protocols.lint import lint_paths

    report = lint_paths(paths)
    for problem in report.problems:
        click.echo(_lint_line(problem))
    summary = f"{len(report.files)} file(s): {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    if report.warnings:
        summary += "; lines marked (warning) are advice and do not fail the check"
    click.echo(summary, err=True)
    if report.errors:
        sys.exit(1)


def _lint_line(problem: Any) -> str:
    """A problem's line; a warning is marked after its code (an error's line is left as it is)."""
    from screening_protocols.errors import Severity

    line = str(problem.message())
    if problem.severity is not Severity.WARNING:
        return line
    prefix = f"{problem.file}:{problem.line}: {problem.code.name} "
    return prefix + "(warning) " + line.removeprefix(prefix)


@protocol_group.command("run")
@click.argument("protocol_id")
@click.option(
    "--answers",
    "answers_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON object: question id -> answer.",
)
@click.option("--lang", default="en", show_default=True, help="Language of the text report.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def run_command(protocol_id: str, answers_path: Path, lang: str, as_json: bool) -> None:
    """Run a protocol on a file of answers and print the outcome (decision support, not a verdict)."""
    from screening_protocols import get_protocol
    from screening_protocols.runner import run_answers

    protocol = get_protocol(protocol_id)
    _checked_language(lang)
    answers = _read_answers(answers_path)
    result = run_answers(protocol, answers)
    for note in result.notes():
        click.echo(note, err=True)
    if as_json:
        _emit_json(result.cli_json(lang))
        return
    for line in result.text_report(lang):
        click.echo(line)


def _read_answers(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(
            N_("The answers file {file} is not valid JSON."),
            N_('Write one JSON object of question id -> answer, e.g. {{"in_danger": "no", "age": 30}}.'),
            file=path.name,
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            N_("The answers file {file} must hold one JSON object."),
            N_('Write one JSON object of question id -> answer, e.g. {{"in_danger": "no", "age": 30}}.'),
            file=path.name,
        )
    return data


@protocol_group.command("catalogs")
@click.option("--add", "add", multiple=True, metavar="LANG", help="Create the catalog for a new language.")
@click.option("--lang", "only", multiple=True, metavar="LANG", help="Update only these languages.")
def catalogs_command(add: tuple[str, ...], only: tuple[str, ...]) -> None:
    """Extract locales/protocols.pot and update (or --add) the protocols.po catalogs, in one step.

    It maintains the source files, so it runs in the top folder of a source checkout.
    """
    from screening_protocols.gettext_catalogs import refresh

    root = Path.cwd()
    if not (root / "babel-protocols.cfg").is_file():
        raise ConfigError(  # a translator's tool on the source files: English, like the .po headers
            "This command updates the translation catalogs of a source checkout, and {folder} is not one.",
            "Run it from the checkout's top folder, the one that holds babel-protocols.cfg.",
            folder=str(root),
        )
    for path in refresh(root, add, only):
        click.echo(f"updated {path.relative_to(root)}")
    click.echo(
        "next: translate the new entries, then run `python -m waypoint.core.catalog_compiler`", err=True
    )


@protocol_group.command("translations")
@click.argument("protocol_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print per-language, per-status counts as JSON.")
def translations_command(protocol_id: str | None, as_json: bool) -> None:
    """Show how far each protocol is translated, by status (what still needs a human translator)."""
    from screening_protocols import get_protocol, list_protocols
    from screening_protocols.describe import translations_summary

    protocols = [get_protocol(protocol_id)] if protocol_id else list(list_protocols())
    report = {p.id: translations_summary(p) for p in protocols}
    if as_json:
        _emit_json(report)
        return
    for pid, languages in report.items():
        for lang, summary in languages.items():
            counts = ", ".join(f"{status} {n}" for status, n in sorted(summary["counts"].items()))
            click.echo(f"{pid:<20} {lang:<4} {summary['total']:>4} strings: {counts}")


@protocol_group.command("import")
@click.argument("form", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="ID.yaml to write."
)
@click.option("--skip-unsupported", is_flag=True, help="Leave out what Waypoint cannot express (listed).")
@click.option("--po-dir", type=click.Path(file_okay=False, path_type=Path), help="Where ID.<lang>.po go.")
@click.option("--source-lang", default=None, help="ISO code of the form's unlabelled language column.")
def import_command(
    form: Path, out: Path, skip_unsupported: bool, po_dir: Path | None, source_lang: str | None
) -> None:
    """Turn an XLSForm (.xlsx/.xls) into a draft protocol (status: imported) and .po catalogs."""
    from interop.commands import import_form

    for line, err in import_form(
        form, out, skip_unsupported=skip_unsupported, po_dir=po_dir, source_language=source_lang
    ):
        click.echo(line, err=err)


@protocol_group.command("export-xlsform")
@click.argument("protocol_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.xlsx")
def export_xlsform_command(protocol_id: str, out: Path) -> None:
    """Write a protocol as an XLSForm for ODK Collect / KoboToolbox (checked with pyxform)."""
    from interop.commands import export_form

    for line, err in export_form(protocol_id, out):
        click.echo(line, err=err)


commands: list[click.Command] = [protocol_group]
