"""What an XLSForm can say and Waypoint cannot: one coded catalogue, and the import's errors.

Each finding prints as `FORM.xlsx:survey:ROW: CODE message — what to do`.
"""

from __future__ import annotations

from dataclasses import dataclass

from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

STRUCTURE = {  # pyxform JSON type -> code
    "repeat": "XL001",
    "loop": "XL002",
    "include": "XL003",
}
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
}
UNSUPPORTED_COLUMNS = {
    "default": "a default answer",
    "readonly": "read_only",
    "trigger": "a trigger",
    "repeat_count": "repeat_count",
}


CATALOGUE: dict[str, tuple[str, str]] = {
    "XL001": (
        "The repeat '{name}' asks its questions several times; Waypoint asks each question once.",
        "screen one person at a time: remove the repeat, or ask what it asked as single questions",
    ),
    "XL002": (
        "The loop '{name}' cannot be expressed.",
        "write one question per loop item",
    ),
    "XL003": (
        "The include '{name}' pulls in another form.",
        "copy the included form's rows into this sheet",
    ),
    "XL004": (
        "The question type '{type}' has no Waypoint kind.",
        "use select_one, select_multiple, integer, decimal, text, date or note, or remove the row",
    ),
    "XL005": (
        "The calculate field '{name}' has no calculation.",
        "write its expression in the calculation column, or remove the row",
    ),
    "XL006": (
        "The {where} cannot be expressed: {reason}.",
        "use ${{name}}, = != < <= > >=, and/or/not, + - * div mod, selected(), count-selected(), "
        "if(), coalesce(), sum(), concat(), round()",
    ),
    "XL007": (
        "The question type '{type}' reads its choices from a file or an external list.",
        "put the choices in the choices sheet",
    ),
    "XL008": (
        "Media (image, audio or video) is not shown by Waypoint.",
        "remove the media columns; Waypoint's own audio prompts are added per language",
    ),
    "XL009": (
        "The choice_filter of '{name}' cannot be expressed: Waypoint shows every option.",
        "split the question into one question per case, each with its own relevance",
    ),
    "XL010": (
        "The {what} name '{name}' is not a Waypoint id.",
        "rename it with lowercase letters, digits and _ (starting with a letter), and update the expressions",
    ),
    "XL011": (
        "The language '{language}' has no ISO 639 code.",
        "name the column like label::French (fr)",
    ),
    "XL012": (
        "The {column} column ({what}) is not supported.",
        "remove the value: Waypoint starts every question unanswered and lets every answer change",
    ),
    "XL013": (
        "The metadata field '{type}' is not collected (Waypoint records its own start and end times).",
        "remove the row",
    ),
    "XL014": (
        "The required condition of '{name}' is an expression; Waypoint's required is yes or no.",
        "write yes or no in the required column",
    ),
    "XL015": (
        "The {where} reads {names}, which the import left out.",
        "the condition was removed; add it again after the questions it needs exist",
    ),
    "XL017": (
        "The choice name '{value}' (list {list}) is not a Waypoint option value.",
        "rename the choice with lowercase letters, digits and _ (starting with a letter)",
    ),
    "XL018": (
        "'or specify other' adds a free-text question Waypoint does not ask.",
        "remove 'or_other'; add an 'other' choice (and a text question with a relevance if it is needed)",
    ),
    "XL020": (
        "The label or hint of '{name}' shows an earlier answer (${{...}}); Waypoint shows texts as written.",
        "write the text without ${{...}}",
    ),
    "XL019": (
        "The {column} value '{value}' is not valid.",
        "write a number (or yes/no) as the export does",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One thing the import cannot carry over, located by file, sheet and row."""

    file: str
    sheet: str
    row: int
    code: str
    message: str
    todo: str

    def line(self) -> str:
        """`FORM.xlsx:survey:ROW: CODE message — what to do`."""
        return f"{self.file}:{self.sheet}:{self.row}: {self.code} {self.message} — {self.todo}"


def finding(file: str, sheet: str, row: int, code: str, **params: object) -> Finding:
    """A finding from the catalogue, with `params` filled in."""
    message, todo = CATALOGUE[code]
    return Finding(file, sheet, row, code, message.format(**params), todo.format(**params))


class LocatedProblemsError(WaypointError):
    """An import that stopped on problems, each one a located line (`details()`)."""

    code = "WP-INTEROP-001"

    def __init__(self, file: str, lines: list[str]) -> None:
        self.lines = tuple(lines)
        super().__init__(file=file, count=len(lines))

    def details(self) -> str:
        """One located line per problem."""
        return "\n".join(self.lines)


class UnsupportedFormError(LocatedProblemsError):
    """The form uses what Waypoint cannot express; `findings` lists each place."""

    code = "WP-INTEROP-002"

    what = N_("The XLSForm {file} uses {count} thing(s) Waypoint cannot express; nothing was written.")
    todo = N_("Change the form as each line says, or import with --skip-unsupported to leave them out.")

    def __init__(self, file: str, findings: list[Finding]) -> None:
        self.findings = tuple(findings)
        super().__init__(file, [f.line() for f in findings])


class ImportedProtocolError(LocatedProblemsError):
    """The draft the import built does not pass Waypoint's own checks (lint lines say where)."""

    code = "WP-INTEROP-003"

    what = N_("The protocol imported from {file} does not pass Waypoint's checks ({count} error(s)).")
    todo = N_("Change the form as each line says, then import it again.")


class XLSFormReadError(WaypointError):
    """pyxform could not read or accept the workbook."""

    code = "WP-INTEROP-004"

    what = N_("The XLSForm {file} cannot be read: {reason}")
    todo = N_("Fix the form where pyxform's message says, then import it again.")
