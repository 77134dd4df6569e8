"""Errors of practice cases: a case file that does not pass lint, a case id not shipped, bad answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

if TYPE_CHECKING:
    from screening_protocols.practice.cases import CaseProblem

__all__ = ["CaseFileError", "PracticeAnswersError", "UnknownCaseError"]


class CaseFileError(WaypointError):
    """A practice case file does not pass lint; `problems` lists each one with its fix."""

    code = "WP-TRAIN-001"
    what = N_("The practice case {file} has {count} problem(s).")
    todo = N_("Run `waypoint training lint` to see each one with its fix.")

    def __init__(self, file: str, problems: Sequence[CaseProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(file=file, count=len(problems))


class UnknownCaseError(WaypointError):
    """No shipped practice case has that id."""

    code = "WP-TRAIN-002"
    what = N_("There is no practice case named {case}.")
    todo = N_("Choose one of: {allowed}.")


class PracticeAnswersError(WaypointError):
    """The trainee's answers do not have the expected shape (never quoting them)."""

    code = "WP-TRAIN-003"
    what = N_("The practice answers in {file} cannot be read.")
    todo = N_(
        'Write one JSON object: {{"answers": {{question id: answer}}, "checks": {{...}}, "steps": [...]}}.'
    )
