"""Private answering: the respondent holds the device, listens, and answers by touching pictures.

The officer hands the device over (the respondent first hears how to answer); each touch marks an
answer and says it aloud; the tick answers with what is marked ("prefer not to say" is stored as
declined). The officer takes the device back with the secret. What plays is `PromptController`'s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from app.controllers.interview import InterviewController
from app.controllers.prompts import CHOOSE_FIRST_CLIP, PromptController
from app.runtime import SessionRuntime
from screening_protocols import AnswerError

__all__ = ["PRIVATE_DECLINE", "PrivateController"]

PRIVATE_DECLINE = "__prefer_not_to_say__"  # the selection "prefer not to say", confirmed with the tick
VerifySecret = Callable[[str], Awaitable[None]]  # proves the officer is back (`LockController`)


class PrivateController:
    """Handing the device over and back, and the respondent's answers by touch."""

    def __init__(
        self,
        runtime: SessionRuntime,
        interview: InterviewController,
        prompts: PromptController,
        verify_secret: VerifySecret,
    ) -> None:
        self._runtime = runtime
        self._interview = interview
        self._prompts = prompts
        self._verify_secret = verify_secret
        self.state = runtime.state

    # -- handing over and back -----------------------------------------------------------------

    async def start_private(self) -> None:
        """The officer hands the device over: the respondent first hears how to answer."""
        self.state.plan = replace(self.state.plan, private_mode=True)
        self._prompts.intro_pending = True
        self._interview.show_step(self._runtime.screening.step)

    async def request_handback(self) -> None:
        self._interview.show_handback()

    async def hand_back(self, secret: str) -> None:
        """The officer takes the device back: the secret proves it is the officer."""
        await self._verify_secret(secret)
        self._prompts.stop()
        self.state.plan = replace(self.state.plan, private_mode=False)
        self._interview.show_step(self._runtime.screening.step)

    # -- answering -----------------------------------------------------------------------------

    async def replay_prompt(self) -> None:
        self.state.private_notice = ""
        self._prompts.play([self._prompts.question_clip()])

    async def choose_private_answer(self, value: str, clip: str) -> None:
        """Mark yes / no / don't know / prefer not to say and say it; the tick then answers."""
        self.state.selection = value
        self.state.private_notice = ""
        self._prompts.play([f"ui:{clip}"])

    async def choose_private_option(self, value: str) -> None:
        """Mark an option tile and say its label, so the respondent hears what they chose."""
        self.state.selection = value
        self.state.private_notice = ""
        self._prompts.play([self._prompts.question_clip(f"option.{value}")])

    # -- consent, spoken -----------------------------------------------------------------------

    async def replay_consent_item(self, context: str) -> None:
        """The respondent touches a consent item's speaker: it is said (again)."""
        self._prompts.play_consent([context])

    def _notice(self, context: str) -> None:
        """Feedback for the respondent: shown in their language on the private screen, and spoken."""
        self.state.private_notice = context
        self._prompts.play([context])

    async def keypad(self, key: str) -> None:
        """A keypad tap: a digit, or "back" to delete the last one (which says "Delete")."""
        selection = self.state.selection
        typed = selection if isinstance(selection, str) and selection.isdigit() else ""
        typed = typed[:-1] if key == "back" else (typed + key)[:3]
        self.state.selection = typed
        self.state.private_notice = ""
        if key == "back":
            self._prompts.play(["ui:private-key-back"])

    async def confirm_private(self) -> None:
        """The tick: answer with what is marked ("prefer not to say" is stored as declined).

        Nothing marked, or a number out of range: the respondent is told in their language, on
        screen and aloud (never an error in the officer's language)."""
        if self.state.selection in (None, "", ()):
            self._notice(CHOOSE_FIRST_CLIP)
            return
        if self.state.selection == PRIVATE_DECLINE:
            await self._interview.decline()
            return
        try:
            await self._interview.answer_selection()
        except AnswerError:
            question = self._interview.current_question()
            part = "constraint" if question.constraint_message else ""
            self._notice(self._prompts.question_clip(part) if part else CHOOSE_FIRST_CLIP)
