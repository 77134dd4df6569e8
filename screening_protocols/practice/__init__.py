"""Practice before the field: case stories with scripted replies, and feedback on a trainee's record.

Pure like the rest of the engine: the app and the CLI run the real screens and hand the trainee's
answers here; nothing in this package stores anything.
"""

from screening_protocols.practice.cases import (
    SAFETY_STEPS,
    CaseProblem,
    PracticeCase,
    case_paths,
    get_case,
    lint_case,
    list_cases,
    load_case,
)
from screening_protocols.practice.errors import CaseFileError, PracticeAnswersError, UnknownCaseError
from screening_protocols.practice.scoring import Attempt, Feedback, attempt_from_json, score

__all__ = [
    "SAFETY_STEPS",
    "Attempt",
    "CaseFileError",
    "CaseProblem",
    "Feedback",
    "PracticeAnswersError",
    "PracticeCase",
    "UnknownCaseError",
    "attempt_from_json",
    "case_paths",
    "get_case",
    "lint_case",
    "list_cases",
    "load_case",
    "score",
]
