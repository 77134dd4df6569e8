"""The actions of an interview, from choosing a protocol to the rights notice.

Mixed into `app.session.Session`: each action changes the session state and, where it touches the
vault, goes through `off_loop` (one thread hop, one transaction, `Superseded` if the vault locked
meanwhile). The screening service saves every answer in its own transaction, so a quick exit or a
closed tab never loses more than the question on screen.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from app.errors import ChoiceMissingError
from app.home_data import load_home
from app.private_actions import PrivateActions
from app.state import CHECK_OPTIONS, InterviewPlan, Screen, SessionState
from app.wording import private_answerable, step_kind
from screening_protocols import QuestionKind

if TYPE_CHECKING:
    from app.services import AppServices

__all__ = ["InterviewActions"]

T = TypeVar("T")
REQUIRED_CHECKS = ("alone", "interpreter")


def _typed(question: Any, value: Any) -> Any:
    """A typed number as a number; anything that is not one is passed on for the engine to refuse."""
    if question.kind is QuestionKind.NUMBER and isinstance(value, str):
        text = value.strip().translate(_DIGITS)
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


# Digits in other scripts (Arabic-Indic, Persian, Devanagari, Thai, Myanmar, ...) typed on a phone keyboard.
_DIGITS = {
    ord(c): str(unicodedata.digit(c))
    for c in map(chr, range(0x660, 0x1100))
    if unicodedata.digit(c, None) is not None
}


class InterviewActions(PrivateActions):
    """Interview actions; expects the attributes and helpers `app.session.Session` defines."""

    state: SessionState
    services: AppServices
    screening_service: Any
    home: Any = None

    if TYPE_CHECKING:

        async def off_loop(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

        def render(self) -> None: ...

    # -- home and drafts ----------------------------------------------------------------------

    async def go_home(self) -> None:
        self.state.forget_sensitive()
        self.state.resume_interview_id = None
        self.state.resume_screen = None
        self.home = await self.off_loop(load_home, self.state.vault)
        self.state.screen = Screen.HOME

    async def new_screening(self) -> None:
        self.state.plan = InterviewPlan(officer_language=self.state.ui_language)
        protocols = self.services.protocols()
        if len(protocols) == 1:
            self.state.plan.protocol_id = protocols[0].id
        self.state.screen = Screen.PROTOCOL

    async def resume_interview(self, interview_id: str, screen: Screen | None = None) -> None:
        """Reopen a draft at the question it stopped on (after a pause, idle lock or quick exit)."""
        screening = await self.off_loop(self.screening_service.resume, interview_id)
        self._open(screening, private=screen in (Screen.PRIVATE, Screen.HANDBACK))
        if screen in (Screen.STOP, Screen.HANDBACK):
            self.state.screen = screen
        self.state.resume_interview_id = None
        self.state.resume_screen = None

    def _open(self, screening: Any, private: bool) -> None:
        self.state.screening = screening
        self.state.plan.respondent_language = screening.respondent_language
        self.state.plan.officer_language = screening.officer_language
        self.state.plan.protocol_id = screening.protocol.id
        self.state.plan.private_mode = private
        self.state.ui_language = screening.officer_language
        self.private_intro_pending = private
        self._show_step()

    # -- protocol, languages, checks, consent --------------------------------------------------

    async def choose_protocol(self, protocol_id: str) -> None:
        self.state.plan.protocol_id = protocol_id
        self.state.plan.respondent_language = None

    async def choose_respondent_language(self, language: str) -> None:
        self.state.plan.respondent_language = language

    async def choose_officer_language(self, language: str) -> None:
        self.state.plan.officer_language = language
        self.state.ui_language = language

    async def to_checks(self) -> None:
        plan = self.state.plan
        if not (plan.protocol_id and plan.respondent_language and plan.officer_language):
            raise ChoiceMissingError
        self.state.screen = Screen.CHECKS

    async def set_check(self, name: str, value: str) -> None:
        if value in CHECK_OPTIONS[name]:
            self.state.plan.checks[name] = value

    async def set_private_mode(self, private: bool) -> None:
        self.state.plan.private_mode = private

    async def to_consent(self) -> None:
        if any(name not in self.state.plan.checks for name in REQUIRED_CHECKS):
            raise ChoiceMissingError
        self.state.screen = Screen.CONSENT

    async def back_to(self, screen: Screen) -> None:
        self.state.screen = screen

    async def give_consent(self, research_use: bool) -> None:
        """The person agreed: only now is anything written to the vault."""
        plan = self.state.plan
        consent = {"agreed": True, "research_use": research_use, "language": plan.respondent_language}
        screening = await self.off_loop(
            self.screening_service.begin,
            plan.protocol_id,
            respondent_language=plan.respondent_language,
            officer_language=plan.officer_language,
            checks=dict(plan.checks),
            consent=consent,
        )
        plan.consent = consent
        self._open(screening, private=plan.private_mode)

    async def refuse_consent(self) -> None:
        """The person did not agree: nothing is stored; they still get the rights information."""
        self.state.plan.consent = {"agreed": False}
        self.state.screen = Screen.RIGHTS

    # -- questions ----------------------------------------------------------------------------

    def _show_step(self) -> None:
        """Show what the engine says comes next, on the screen of whoever holds the device."""
        self.state.selection = None
        kind = step_kind(self.state.screening.step)
        private = self.state.plan.private_mode
        if private and not (kind == "question" and self._respondent_can_answer_alone()):
            # An officer's question, an emergency or the end: the officer must hold the device.
            self.show_handback()
        elif private:
            self.state.screen = Screen.PRIVATE
            self.play_question()
        elif kind == "emergency":
            self.state.screen = Screen.EMERGENCY
        elif kind == "finished":
            self._show_summary()
        else:
            self.state.screen = Screen.QUESTION

    def _show_summary(self) -> None:
        """The outcome so far, for the officer; the interview is completed only with the notes."""
        self.state.outcome = self.state.screening.outcome()
        self.state.screen = Screen.SUMMARY

    def _respondent_can_answer_alone(self) -> bool:
        return private_answerable(self.state.screening.step)

    async def select(self, value: Any) -> None:
        """Mark an option on screen (answered with Next)."""
        self.state.selection = value

    async def toggle(self, value: str, exclusive: bool) -> None:
        """Tick or untick an option of a multiple choice (an exclusive option clears the others)."""
        chosen = list(self.state.selection or [])
        if value in chosen:
            chosen.remove(value)
        elif exclusive:
            chosen = [value]
        else:
            chosen = [v for v in chosen if v not in self._exclusive_values()] + [value]
        self.state.selection = chosen

    def _exclusive_values(self) -> set[str]:
        question = self.state.screening.step.question
        return {option.value for option in question.options if option.exclusive}

    async def answer(self, value: Any) -> None:
        screening = self.state.screening
        await self.off_loop(screening.answer, value)
        await self._after_move()

    async def answer_selection(self) -> None:
        """Next: send the marked option, the ticked options or the typed value."""
        question = self.state.screening.step.question
        if question.kind is QuestionKind.INFO:
            await self.answer(None)
            return
        if self.state.selection in (None, "", []):
            raise ChoiceMissingError
        await self.answer(_typed(question, self.state.selection))

    async def decline(self) -> None:
        """ "Prefer not to answer": recorded as declined (unknown), never as "no"."""
        await self.off_loop(self.state.screening.decline)
        await self._after_move()

    async def back(self) -> None:
        await self.off_loop(self.state.screening.back)
        await self._after_move()

    async def _after_move(self) -> None:
        self._show_step()

    # -- stopping and finishing ----------------------------------------------------------------

    async def ask_stop(self) -> None:
        self.state.screen = Screen.STOP

    async def continue_interview(self) -> None:
        self._show_step()

    async def stop(self, keep: bool) -> None:
        """Stop now: keep the partial answers or discard them, as the respondent chooses."""
        await self.off_loop(self.state.screening.stop, keep=keep)
        self.state.screening = None
        self.state.screen = Screen.RIGHTS

    async def finish(self, notes: str = "") -> None:
        """The officer has read the summary: complete the interview with the notes (sealed to the
        organisation at once when the device is enrolled), then the rights information."""
        screening = self.state.screening
        self.state.outcome = await self.off_loop(screening.finish, notes=notes.strip() or None)
        self.services.sync_worker().poke()
        self.state.screen = Screen.RIGHTS

    async def emergency_continue(self) -> None:
        self._show_summary()

    async def emergency_resume(self) -> None:
        """Once the person is safe: back to the questions after an emergency stop, answers kept."""
        await self.off_loop(self.state.screening.resume_after_emergency)
        await self._after_move()

    async def to_end(self) -> None:
        self.state.screen = Screen.END
