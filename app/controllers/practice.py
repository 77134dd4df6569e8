"""Practice mode: choose a case from home, read its story, run the real screens, read the feedback.

Practice starts only from home (no interview is open) and ends by going home; quick exit and the
locks drop it like any interview (`SessionState.forget_sensitive`). The interview controller runs the
questions; it asks `state.practice` for an in-memory screening instead of the vault's.
"""

from __future__ import annotations

from app.errors import ChoiceMissingError
from app.practice import PracticeRun, PracticeScores
from app.runtime import SessionRuntime
from app.state import InterviewPlan, Screen
from screening_protocols.practice import get_case

__all__ = ["PracticeController"]


class PracticeController:
    """Choosing a practice case, starting it, offering a break, and leaving practice."""

    def __init__(self, runtime: SessionRuntime) -> None:
        self._runtime = runtime
        self.state = runtime.state
        self.scores = PracticeScores(runtime.config.data_dir)

    async def open_practice(self) -> None:
        """The list of cases, with the running score per protocol."""
        self.state.practice = None
        self.state.screen = Screen.PRACTICE

    async def choose_case(self, case_id: str) -> None:
        """Show the case's story; the trainee starts when ready."""
        self.state.practice = PracticeRun(get_case(case_id), self.scores)
        self.state.screen = Screen.PRACTICE

    async def start_case(self) -> None:
        """On to the real pre-checks, with the case's protocol, in the officer's language."""
        run = self.state.practice
        if run is None:
            raise ChoiceMissingError
        language = self.state.ui_language
        self.state.plan = InterviewPlan(
            protocol_id=run.case.protocol_id, respondent_language=language, officer_language=language
        )
        self.state.screen = Screen.CHECKS

    async def offer_break(self) -> None:
        """The trainee offered the person a break (a safety step the feedback counts)."""
        if self.state.practice is not None:
            self.state.practice.steps.add("offer_break")
            self.state.last_error = None

    def running_scores(self) -> dict[str, dict[str, int]]:
        return self.scores.load()
