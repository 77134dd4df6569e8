"""Errors of the protocol format and of answering, from one coded catalogue.

    WaypointError (waypoint.core.errors)
    ├── ProtocolError   a protocol file is invalid: fix the file (carries every Problem found)
    └── AnswerError     an answer does not fit its question: ask again or choose an allowed value

Every definition problem comes from `ErrorCode`: a stable code, a message and the fix, formatted as
`file:line: CODE message — how to fix`. Lint, the loader and the tests all use this one catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_


class Severity(StrEnum):
    """An error makes a protocol unusable; a warning is advice the author may overrule."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Detail:
    """One entry of the catalogue: a short name, the message and how to fix it."""

    name: str
    message: str
    fix: str
    severity: Severity = Severity.ERROR


class ErrorCode(Enum):
    """Every problem a protocol file can have. Messages take `str.format` fields."""

    PR001 = Detail(
        "YAML syntax",
        "The file is not valid YAML: {reason}.",
        "fix the indentation or quoting on this line (quote strings containing ': ' or '#')",
    )
    PR002 = Detail(
        "Schema",
        "{where}: {reason}.",
        "compare the field with docs/protocols.md and the shipped schema (protocol.schema.json)",
    )
    PR003 = Detail(
        "Duplicate id",
        "The id '{id}' is already used on line {other_line}.",
        "give each question, section, indicator and rule its own id",
    )
    PR004 = Detail(
        "Unknown reference",
        "The expression refers to '${{{ref}}}', which is not a question or calculate of this protocol.",
        "use the id of a question or calculate defined in this file, spelled exactly",
    )
    PR005 = Detail(
        "Expression syntax",
        "The expression '{expression}' cannot be read: {reason}.",
        "write it in the XLSForm subset: ${{q}}, = != < <= > >=, and/or/not, selected(), count-selected()",
    )
    PR006 = Detail(
        "Forward reference",
        "The {field} of question '{qid}' refers to '${{{ref}}}', "
        "which is asked later, is the question itself, or is a calculate that reads one of those.",
        "refer only to questions that come earlier in the file, or move this question after '{ref}'",
    )
    PR007 = Detail(
        "Unknown catalogue entry",
        "'{value}' is not a known {kind}.",
        "choose one of: {allowed}",
    )
    PR008 = Detail(
        "Duplicate fact",
        "The fact '{fact}' is already established by question '{other}' (line {other_line}).",
        "let one question establish each fact: a fact is asked once and carried forward",
    )
    PR009 = Detail(
        "Labelling word",
        "Respondent-facing text uses the word '{word}'.",
        "use plain, neutral words about the situation (work, pay, papers, travel), "
        "never a label for the person",
    )
    PR010 = Detail(
        "Short text question",
        "Question '{qid}' asks for free text.",
        "prefer a choice or yes/no (data minimisation); "
        "keep free text only when nothing else can hold the answer",
        Severity.WARNING,
    )
    PR011 = Detail(
        "Unknown option in expression",
        "'{value}' is not an answer that question '{qid}' can have.",
        "use one of: {allowed}",
    )
    PR012 = Detail(
        "Unknown is never equal",
        "The expression compares '${{{qid}}}' with '{value}', which always counts as unknown.",
        "'declined' and 'unsure' are unknown in conditions; list the unknown questions in 'key' instead",
    )
    PR013 = Detail(
        "Wrong function for question",
        "{function}() is used on '${{{qid}}}', a {kind} question.",
        "use selected()/count-selected() only on choice questions, and compare yes/no answers with = 'yes'",
    )
    PR014 = Detail(
        "Too many questions",
        "The protocol has {count} answerable questions, more than its max_questions ({limit}).",
        "remove or merge questions, or raise max_questions if the screen may be longer",
    )
    PR015 = Detail(
        "Consent topic missing",
        "The {kind} items do not cover '{topic}'.",
        "add a consent item with topic '{topic}' (purpose, data use, retention, withdrawal and the rights "
        "not to answer, to stop and to restrict use are required)",
    )
    PR016 = Detail(
        "Age question",
        "{reason}.",
        "give the child rule an unconditional number question that establishes fact '{fact}'",
    )
    PR017 = Detail(
        "Choice question without options",
        "Question '{qid}' is a {kind} question with {count} option(s).",
        "give a choice question at least two options",
    )
    PR018 = Detail(
        "Unused question",
        "Question '{qid}' is not used by any indicator, referral, emergency or condition.",
        "remove it (ask only what the decision needs), or mark it `key: true` if its answer matters",
        Severity.WARNING,
    )
    PR019 = Detail(
        "Emergency not first",
        "The emergency rule '{rule}' depends on question '{qid}', which comes after other questions.",
        "move the immediate-danger questions to the start: danger is checked before anything else",
        Severity.WARNING,
    )
    PR020 = Detail(
        "File name",
        "The protocol id '{id}' does not match the file name '{stem}'.",
        "name the file <id>.yaml so the library can find it",
    )
    PR021 = Detail(
        "Unreadable file",
        "The file cannot be read: {reason}.",
        "check the path, and save the file as UTF-8 text (most editors: 'Save with encoding')",
    )
    PR022 = Detail(
        "YAML feature not allowed",
        "{feature} is not allowed in a protocol file.",
        "write every value out in full: protocol files use plain YAML without anchors (&), aliases (*), "
        "tags (!!) or lists and mappings as keys",
    )
    PR023 = Detail(
        "Over a limit",
        "{what} is over the limit of {limit}.",
        "keep protocol files small and plain: {advice}",
    )
    PR024 = Detail(
        "Same indicator mapping",
        "Questions '{qid}' and '{other}' (line {other_line}) raise indicators with the same element and "
        "ILO mapping ({mapping}).",
        "check that they do not ask the same fact twice in different words; merge them if they do",
        Severity.WARNING,
    )
    PR025 = Detail(
        "Calculate cycle",
        "The calculate '{id}' depends on itself: {cycle}.",
        "break the cycle: a calculate may read questions and other calculates, never itself through them",
    )
    PR030 = Detail(
        "Imported draft",
        "This protocol was imported (status: imported) and {missing}.",
        "{todo}",
        Severity.WARNING,
    )
    PR031 = Detail(
        "Question without guidance",
        "Question '{qid}' has no guidance for the officer.",
        "add `guidance:` saying why we ask and how to ask it (plainly, without suggesting an answer), "
        "and what to do if the person is distressed",
        Severity.WARNING,
    )

    def format(self, **params: object) -> str:
        """The message with `params` filled in, then the fix: `CODE message — fix`."""
        detail = self.value
        return f"{self.name} {detail.message.format(**params)} — {detail.fix.format(**params)}"


@dataclass(frozen=True)
class Problem:
    """One problem found in a protocol file, located by file and line."""

    code: ErrorCode
    file: str
    line: int
    params: tuple[tuple[str, str], ...] = ()

    @property
    def severity(self) -> Severity:
        """Whether this problem is an error or a warning."""
        return self.code.value.severity

    def message(self) -> str:
        """`file:line: CODE message — how to fix`."""
        return f"{self.file}:{self.line}: {self.code.format(**dict(self.params))}"


def problem(code: ErrorCode, file: str, line: int, **params: object) -> Problem:
    """Build a Problem; parameters are kept as strings so problems stay hashable and sortable."""
    return Problem(code, file, line, tuple((k, str(v)) for k, v in params.items()))


class ProtocolError(WaypointError):
    """A protocol file is invalid; `problems` lists every problem found, each with its fix."""

    code = "WP-ENGINE-001"
    what = N_("The protocol file {file} has {count} problem(s).")
    todo = N_("Run `waypoint protocol lint {file}` to see each one with its fix.")

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(file=file, count=len(problems))

    def details(self) -> str:
        """Every problem, one per line, in lint format."""
        return "\n".join(p.message() for p in self.problems)


class AnswerError(WaypointError):
    """An answer does not fit its question. `params` hold question ids and allowed values, never answers."""

    code = "WP-ENGINE-002"
    what = N_("The answer to question {qid} does not fit.")
    todo = N_("Allowed: {allowed}.")


NOT_CURRENT = N_("Question {qid} is not the question being asked now (that is {current}).")
NOT_CURRENT_TODO = N_("Answer the current question, or go back first.")
STOPPED = N_("This interview has stopped ({reason}); question {qid} cannot be answered.")
STOPPED_TODO = N_("Go back if the last answer was a mistake, or read the outcome.")
NEEDS_ANSWER = N_("Question {qid} needs an answer.")
NEEDS_ANSWER_TODO = N_("Choose an answer, or 'prefer not to answer'.")
INFO_ONLY = N_("Question {qid} is an information screen and takes no answer.")
INFO_ONLY_TODO = N_("Acknowledge it with answer(..., None).")
CONSTRAINT = N_("The answer to question {qid} is outside what the question allows.")
NO_PREVIOUS = N_("There is no earlier question to go back to.")
NO_PREVIOUS_TODO = N_("Continue with the current question.")
UNKNOWN_QUESTION = N_("Question {qid} is not part of protocol {protocol}.")
UNKNOWN_QUESTION_TODO = N_(
    "Use a question id from this protocol (`waypoint protocol show {protocol} --json`)."
)
UNKNOWN_PROTOCOL = N_("There is no protocol named {protocol} in the library.")
UNKNOWN_PROTOCOL_TODO = N_("Choose one of: {allowed}.")
WRONG_PROTOCOL = N_("This interview belongs to protocol {interview_protocol}, not {protocol}.")
WRONG_PROTOCOL_TODO = N_("Run it with the protocol it was started with.")
BAD_FACT = N_("The fact {fact} given at the start does not fit question {qid}.")
UNKNOWN_FACT = N_("Protocol {protocol} has no question that establishes the fact {fact}.")
UNKNOWN_FACT_TODO = N_("Pass only facts the protocol declares: {allowed}.")
BAD_STATE = N_("The saved interview cannot be read ({reason}).")
BAD_STATE_TODO = N_("It was not written by this version of Waypoint; start the interview again.")


class InterviewStateError(WaypointError):
    """A saved interview state cannot be read back (`Interview.from_dict`)."""

    code = "WP-ENGINE-003"
    what = BAD_STATE
    todo = BAD_STATE_TODO


class UnknownProtocolError(ProtocolError):
    """No protocol with that id is in the library."""

    code = "WP-ENGINE-004"
    what = UNKNOWN_PROTOCOL
    todo = UNKNOWN_PROTOCOL_TODO

    def __init__(self, protocol: str, allowed: str) -> None:
        self.problems = ()
        WaypointError.__init__(self, protocol=protocol, allowed=allowed)
