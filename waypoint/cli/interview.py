"""`waypoint interview`: record a complete interview from a file, and list what the vault holds.

    WAYPOINT_PIN=... waypoint interview record --data-dir DIR --protocol ID --answers FILE.json
    WAYPOINT_PIN=... waypoint interview list --data-dir DIR [--json]

`record` runs the same `ScreeningService` the app's screens use. The answers file is checked against
the protocol first (a dry run through the engine); a value that does not fit stops everything before
anything is written. The secret comes from `WAYPOINT_PIN` only, never from an option (options end up
in shell history and process lists). `list` needs it too: nothing is listed without a secret, and it
shows metadata only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from waypoint.cli.options import data_dir_option, existing_vault, pin_from_environment
from waypoint.core.data_folder import ensure_private_dir
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

CLI_CONSENT = {"agreed": True, "recorded_by": "cli"}
_DECLINE = object()  # in a plan: record "prefer not to answer"


@dataclass
class AnswerPlan:
    """What recording the file will do: the answers in the order the engine asks for them."""

    steps: list[tuple[str, Any]] = field(default_factory=list)  # (question id, value or _DECLINE)
    declined: list[str] = field(default_factory=list)  # asked, but missing from the file
    not_asked: list[str] = field(default_factory=list)  # in the file, but never asked (skip logic)


MAX_IDS_SHOWN = 10
MAX_ID_LENGTH = 40


def plan_answers(protocol: Any, answers: Mapping[str, Any]) -> AnswerPlan:
    """Run the whole file through the engine without saving anything.

    Raises:
        ConfigError: the file answers questions the protocol does not have (a typo, most often).
        AnswerError: a value does not fit its question (the message names the question and what fits).
    """
    from screening_protocols import AskQuestion, answer_next, decline_next, next_step, start

    unknown = [qid for qid in answers if qid not in protocol.by_id]
    if unknown:
        raise ConfigError(
            N_("The answers file has question ids that protocol {protocol} does not have: {ids}."),
            N_(
                "Correct or remove them (`waypoint protocol show {protocol}` lists its question ids), "
                "then run the command again. Nothing was recorded."
            ),
            protocol=protocol.id,
            ids=_id_list(unknown),
        )
    plan = AnswerPlan()
    interview = start(protocol)
    step = next_step(protocol, interview)
    for _ in range(len(protocol.questions) + 1):
        if not isinstance(step, AskQuestion):
            break
        question = step.question
        if question.id in answers:
            interview, step = answer_next(protocol, interview, question.id, answers[question.id])
            plan.steps.append((question.id, answers[question.id]))
        elif not question.kind.answerable:
            interview, step = answer_next(protocol, interview, question.id, None)
            plan.steps.append((question.id, None))
        else:
            interview, step = decline_next(protocol, interview, question.id)
            plan.steps.append((question.id, _DECLINE))
            plan.declined.append(question.id)
    plan.not_asked = [qid for qid in answers if qid not in interview.answers]
    return plan


def _id_list(ids: list[str]) -> str:
    """Question ids from a file, for a message: the first few, each cut to a sane length."""
    shown = [qid if len(qid) <= MAX_ID_LENGTH else qid[:MAX_ID_LENGTH] + "…" for qid in ids[:MAX_IDS_SHOWN]]
    more = len(ids) - len(shown)
    return ", ".join(shown) + (f" (+{more})" if more else "")


_FILE_FORMAT = N_(
    'Use {{"answers": {{"question id": value}}, "notes": "text", "respondent_language": "fr"}}.'
)


def _read_answers_file(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(N_("The answers file is not readable JSON (UTF-8)."), _FILE_FORMAT) from None
    if not isinstance(document, dict) or not isinstance(document.get("answers"), dict):
        raise ConfigError(
            N_('The answers file needs an "answers" object of question id -> value.'), _FILE_FORMAT
        )
    if not isinstance(document.get("respondent_language"), str):
        raise ConfigError(
            N_(
                'The answers file does not say which language the person answered in ("respondent_language").'
            ),
            N_(
                'Add "respondent_language" next to "answers", with the two-letter ISO 639-1 code of that '
                'language, for example "respondent_language": "fr".'
            ),
        )
    if not isinstance(document.get("notes", ""), str | None):
        raise ConfigError(N_('"notes" in the answers file must be text.'), _FILE_FORMAT)
    for optional in ("checks", "consent"):
        if not isinstance(document.get(optional, {}), dict):
            raise ConfigError(
                N_('"{name}" in the answers file must be an object.'), _FILE_FORMAT, name=optional
            )
    return document


@click.group("interview")
def interview() -> None:
    """Record interviews into this device's encrypted vault, and list them."""


@interview.command("record")
@data_dir_option
@click.option("--protocol", "protocol_id", required=True, help="Protocol id, e.g. border-rapid.")
@click.option(
    "--answers",
    "answers_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON: {"answers": {question id: value}, "notes": "...", "respondent_language": "fr"}.',
)
@click.option("--officer-language", default="en", show_default=True, help="ISO 639-1 code of the officer.")
@pin_from_environment(required=True)
def record(data_dir: Path, protocol_id: str, answers_file: Path, officer_language: str, pin: str) -> None:
    """Record one complete interview and print its id (secret: the WAYPOINT_PIN variable).

    Questions the protocol asks that the file lacks are recorded as declined; answers to questions it
    never asks (skip logic) are not stored. Both are listed on stderr. Question ids the protocol does
    not have at all (a typo) stop the command before anything is written.
    """
    from screening_protocols import get_protocol

    # Everything that can be checked without the vault is checked first: a mistake then costs a
    # fraction of a second, not the vault's start-up, and nothing is opened or created.
    document = _read_answers_file(answers_file)
    protocol = get_protocol(protocol_id)
    plan = plan_answers(protocol, document["answers"])

    from app.screening import ScreeningService, check_language_code
    from app.vault import Vault

    respondent_language = check_language_code(document["respondent_language"], field="respondent language")
    check_language_code(officer_language, field="officer language")

    vault = Vault.open(ensure_private_dir(data_dir))
    try:
        if vault.has_secret:
            vault.unlock(pin)
        else:
            vault.create(pin)
        screening = ScreeningService(vault).begin(
            protocol.id,
            respondent_language=respondent_language,
            officer_language=officer_language,
            checks=document.get("checks") or {},
            consent=document.get("consent") or CLI_CONSENT,
        )
        for _qid, value in plan.steps:
            if value is _DECLINE:
                screening.decline()
            else:
                screening.answer(value)
        screening.finish(notes=document.get("notes") or None)
    finally:
        vault.close()
    if plan.declined:
        click.echo(f"declined (not in the file): {', '.join(plan.declined)}", err=True)
    if plan.not_asked:
        click.echo(f"not stored (never asked): {', '.join(plan.not_asked)}", err=True)
    click.echo(screening.interview_id)


@interview.command("list")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@pin_from_environment(required=True)
def list_(data_dir: Path, as_json: bool, pin: str) -> None:
    """List interviews: id, protocol, state and times only. Needs WAYPOINT_PIN.

    A folder without a vault is refused (exit 1) and left as it is: it is most often a mistyped
    --data-dir, which an empty list would hide.
    """

    vault = existing_vault(data_dir)
    try:
        summaries = []
        if vault.has_secret:  # a vault never created holds no interview
            vault.unlock(pin)
            summaries = [summary.to_dict() for summary in vault.list_interviews()]
    finally:
        vault.close()
    if as_json:
        click.echo(json.dumps(summaries, indent=2))
        return
    for row in summaries:
        click.echo(
            f"{row['id']}  {row['protocol_id']} {row['protocol_version']}  {row['state']:<11}  "
            f"started {row['started_at']}  updated {row['updated_at']}"
        )


commands: list[click.Command] = [interview]
