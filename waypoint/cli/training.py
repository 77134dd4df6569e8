"""`waypoint training ...`: list, lint and score the practice cases (issue 16, docs/training.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_


@click.group("training")
def training_group() -> None:
    """Practice cases for officers: list them, check case files, score a trainee's answers."""


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@training_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (protocol, expected outcome, languages).")
def list_command(as_json: bool) -> None:
    """List the shipped practice cases."""
    from screening_protocols.practice import list_cases

    cases = list_cases()
    if as_json:
        _emit_json([case.summary() for case in cases])
        return
    for case in cases:
        levels = "/".join(level.value for level in case.expected_levels)
        click.echo(f"{case.id:24} {case.protocol_id:18} {levels:24} {case.title}")


@training_group.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def lint_command(paths: tuple[Path, ...]) -> None:
    """Check practice case files (default: the shipped ones); print every problem, exit 1 on any.

    Each case is answered as scripted through its protocol: it must land on its expected outcome
    with its expected indicators. One line per problem, `file:line: CODE message — how to fix`.
    """
    from screening_protocols.practice import case_paths, lint_case

    files: list[Path] = []
    for path in paths or case_paths():
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    problems = [problem for path in files for problem in lint_case(path)]
    for problem in problems:
        click.echo(problem.message())
    click.echo(f"{len(files)} case file(s): {len(problems)} problem(s)", err=True)
    if problems:
        sys.exit(1)


@training_group.command("score")
@click.argument("case_id")
@click.option(
    "--answers",
    "answers_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON: {"answers": {question: answer}, "checks": {...}, "steps": [...]} or just the answers.',
)
@click.option("--lang", default="en", show_default=True, help="Language of labels and teaching notes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (what the feedback screen shows).")
def score_command(case_id: str, answers_path: Path, lang: str, as_json: bool) -> None:
    """Score a trainee's answers to a practice case: outcome, indicators found, missed and wrong."""
    from screening_protocols.practice import attempt_from_json, get_case, score

    case = get_case(case_id)
    try:
        data = json.loads(answers_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(
            N_("The answers file {file} is not valid JSON."),
            N_('Write one JSON object, e.g. {{"answers": {{"in_danger": "no"}}}}.'),
            file=answers_path.name,
        ) from None
    feedback = score(case, attempt_from_json(data, answers_path.name), lang).to_dict()
    if as_json:
        _emit_json(feedback)
        return
    mark = "as expected" if feedback["outcome_ok"] else "expected " + "/".join(feedback["expected_outcome"])
    click.echo(f"{case.id}: {feedback['outcome']} ({mark})")
    for key in ("indicators_found", "indicators_missed", "indicators_wrongly_recorded"):
        names = ", ".join(item["label"] for item in feedback[key]) or "none"
        click.echo(f"{key.replace('_', ' ').capitalize()}: {names}")
    for key in ("safety_taken", "safety_skipped"):
        click.echo(
            f"{key.replace('_', ' ').capitalize()}: "
            + ("; ".join(s["text"] for s in feedback[key]) or "none")
        )
    for note in feedback["teaching_notes"]:
        click.echo(f"- {note}")
    click.echo(f"Score: {feedback['score']['points']}/{feedback['score']['possible']}")


commands = [training_group]
