"""The interview, from choosing a protocol to the rights notice.

Each action changes the session state and, where it touches the vault, goes through `off_loop` (one
thread hop, one transaction, `Superseded` if the vault locked meanwhile). The screening service saves
every answer in its own transaction, so a quick exit or a closed tab never loses more than the
question on screen. The step an answer returns is the step the screens show: it is computed once.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from app.controllers.prompts import HANDBACK_CLIP, PromptController
from app.errors import ChoiceMissingError
from app.prechecks import RedFlagsUnconfirmedError, precheck_facts, red_flags, with_red_flags
from app.runtime import SessionRuntime
from app.screening import Screening
from app.state import CHECK_OPTIONS, Consent, DeletionReceipt, InterviewPlan, Screen, Selection
from app.wording import private_answerable, step_kind
from screening_protocols import DECLINED, AnswerValue, AskQuestion, Question, QuestionKind, Step
from screening_protocols.runner import child_follow_up

__all__ = ["InterviewController"]

REQUIRED_CHECKS = ("alone", "interpreter")

# Digits in other scripts (Arabic-Indic, Persian, Devanagari, Thai, Myanmar, ...) typed on a phone keyboard.
_DIGITS = {
    ord(c): str(unicodedata.digit(c))
    for c in map(chr, range(0x660, 0x1100))
    if unicodedata.digit(c, None) is not None
}


def typed_answer(question: Question, value: Selection) -> AnswerValue:
    """A typed number as a number; anything that is not one is passed on for the engine to refuse."""
    if question.kind is QuestionKind.NUMBER and isinstance(value, str):
        text = value.strip().translate(_DIGITS)
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def earlier_selection(value: AnswerValue | None) -> Selection:
    """An answer given before, as the question screen marks it; "prefer not to answer" marks nothing."""
    if value is None or value == DECLINED:
        return None
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class InterviewController:
    """Planning, consent, questions, stopping and finishing one interview."""

    def __init__(self, runtime: SessionRuntime, prompts: PromptController) -> None:
        self._runtime = runtime
        self._prompts = prompts
        self.state = runtime.state

    # -- starting and resuming -----------------------------------------------------------------

    async def new_screening(self) -> None:
        protocols = self._runtime.services.protocols()
        only = protocols[0].id if len(protocols) == 1 else None
        self.state.plan = InterviewPlan(protocol_id=only, officer_language=self.state.ui_language)
        self.state.screen = Screen.PROTOCOL

    async def resume_interview(self, interview_id: str, screen: Screen | None = None) -> None:
        """Reopen a draft at the question it stopped on (after a pause, idle lock or quick exit)."""
        service = self._runtime.services.screening_service(self._runtime.vault)
        screening = await self._runtime.off_loop(service.resume, interview_id)
        await self._read_emergency_numbers()
        self._open(screening, private=screen in (Screen.PRIVATE, Screen.HANDBACK))
        if screen in (Screen.STOP, Screen.HANDBACK):
            self.state.screen = screen
        self.state.resume_interview_id = None
        self.state.resume_screen = None

    def _open(self, screening: Screening, private: bool) -> None:
        self.state.screening = screening
        self.state.plan = replace(
            self.state.plan,
            respondent_language=screening.respondent_language,
            officer_language=screening.officer_language,
            protocol_id=screening.protocol.id,
            private_mode=private,
        )
        self.state.ui_language = screening.officer_language
        self._prompts.intro_pending = private
        self.show_step(screening.step)

    # -- protocol, languages, checks, consent --------------------------------------------------

    async def choose_protocol(self, protocol_id: str) -> None:
        self.state.plan = replace(self.state.plan, protocol_id=protocol_id, respondent_language=None)

    async def choose_respondent_language(self, language: str) -> None:
        self.state.plan = replace(self.state.plan, respondent_language=language)

    async def choose_officer_language(self, language: str) -> None:
        self.state.plan = replace(self.state.plan, officer_language=language)
        self.state.ui_language = language

    async def to_checks(self) -> None:
        plan = self.state.plan
        if not (plan.protocol_id and plan.respondent_language and plan.officer_language):
            raise ChoiceMissingError
        self.state.screen = Screen.CHECKS

    async def set_check(self, name: str, value: str) -> None:
        if value in CHECK_OPTIONS[name]:
            checks = {**self.state.plan.checks, name: value}
            self.state.plan = replace(self.state.plan, checks=checks, red_flags_confirmed=False)

    async def confirm_red_flags(self, confirmed: bool) -> None:
        self.state.plan = replace(self.state.plan, red_flags_confirmed=confirmed)

    async def set_private_mode(self, private: bool) -> None:
        self.state.plan = replace(self.state.plan, private_mode=private)

    async def to_consent(self) -> None:
        if any(name not in self.state.plan.checks for name in REQUIRED_CHECKS):
            raise ChoiceMissingError
        if red_flags(self.state.plan.checks) and not self.state.plan.red_flags_confirmed:
            raise RedFlagsUnconfirmedError
        self.state.screen = Screen.CONSENT
        if self.state.plan.private_mode:
            self._prompts.play_consent()

    async def back_to(self, screen: Screen) -> None:
        self.state.screen = screen

    async def give_consent(self, research_use: bool) -> None:
        """The person agreed: only now is anything written to the vault."""
        plan = self.state.plan
        if not (plan.protocol_id and plan.respondent_language and plan.officer_language):
            raise ChoiceMissingError
        consent: Consent = {
            "agreed": True,
            "research_use": research_use,
            "language": plan.respondent_language,
        }
        practice = self.state.practice  # practice: in memory only, never the vault
        service = practice or self._runtime.services.screening_service(self._runtime.vault)
        protocol = self._runtime.services.protocol(plan.protocol_id)
        facts = {} if practice else {**precheck_facts(protocol, plan.checks), **self.state.carried_facts}
        screening = await self._runtime.off_loop(
            service.begin,
            plan.protocol_id,
            respondent_language=plan.respondent_language,
            officer_language=plan.officer_language,
            checks=with_red_flags(plan.checks, confirmed=plan.red_flags_confirmed),
            consent=consent,
            facts=facts,
        )
        self.state.carried_facts = {}
        self.state.plan = replace(plan, consent=consent)
        await self._read_emergency_numbers()
        self._open(screening, private=plan.private_mode)

    async def _read_emergency_numbers(self) -> None:
        """The organisation's emergency and duty numbers, ready before an emergency can stop the screen."""
        vault = self._runtime.vault
        policy = await self._runtime.off_loop(lambda: vault.policy)
        self.state.emergency_numbers = policy.emergency_numbers

    async def refuse_consent(self) -> None:
        """The person did not agree: nothing is stored; they still get the rights information."""
        self.state.plan = replace(self.state.plan, consent={"agreed": False})
        self.state.screen = Screen.RIGHTS

    # -- questions ----------------------------------------------------------------------------

    def show_step(self, step: Step) -> None:
        """Show `step` (as the engine returned it) on the screen of whoever holds the device."""
        self.state.step = step
        self.state.selection = None
        self.state.private_notice = ""
        kind = step_kind(step)
        private = self.state.plan.private_mode
        if private and not (kind == "question" and private_answerable(step)):
            # An officer's question, an emergency or the end: the officer must hold the device.
            self.show_handback()
        elif private:
            self.state.screen = Screen.PRIVATE
            self._prompts.play_question()
        elif kind == "emergency":
            self.state.screen = Screen.EMERGENCY
        elif kind == "finished":
            self._show_summary()
        else:
            self.state.screen = Screen.QUESTION

    def show_handback(self) -> None:
        """The officer must hold the device now: ask the respondent, aloud, to give it back."""
        self.state.screen = Screen.HANDBACK
        self._prompts.play([HANDBACK_CLIP])

    def _show_summary(self) -> None:
        """The outcome so far, for the officer; the interview is completed only with the notes."""
        self.state.outcome = self._runtime.screening.outcome()
        self.state.screen = Screen.SUMMARY

    def current_question(self) -> Question:
        step = self.state.step
        if not isinstance(step, AskQuestion):
            raise RuntimeError("no question is on screen")
        return step.question

    async def select(self, value: str) -> None:
        """Mark an option on screen (answered with Next)."""
        self.state.selection = value

    def remember_typed(self, text: str) -> None:
        """What is typed in the answer field, kept for Next without re-rendering the field."""
        self.state.set_quietly(text)

    async def toggle(self, value: str, exclusive: bool) -> None:
        """Tick or untick an option of a multiple choice (an exclusive option clears the others)."""
        selection = self.state.selection
        chosen = list(selection) if isinstance(selection, tuple) else []
        if value in chosen:
            chosen.remove(value)
        elif exclusive:
            chosen = [value]
        else:
            exclusive_values = {o.value for o in self.current_question().options if o.exclusive}
            chosen = [v for v in chosen if v not in exclusive_values] + [value]
        self.state.selection = tuple(chosen)

    async def answer(self, value: AnswerValue) -> None:
        """Answer the question on screen; the step it returns is shown."""
        self.show_step(await self._runtime.off_loop(self._runtime.screening.answer, value))

    async def answer_selection(self) -> None:
        """Next: send the marked option, the ticked options or the typed value."""
        question = self.current_question()
        if question.kind is QuestionKind.INFO:
            await self.answer(None)
            return
        if self.state.selection in (None, "", ()):
            raise ChoiceMissingError
        await self.answer(typed_answer(question, self.state.selection))

    async def decline(self) -> None:
        """ "Prefer not to answer": recorded as declined (unknown), never as "no"."""
        self.show_step(await self._runtime.off_loop(self._runtime.screening.decline))

    async def not_asked_distress(self) -> None:
        """The officer did not ask the question because the person is distressed: unknown, recorded."""
        screening = self._runtime.screening
        self.show_step(await self._runtime.off_loop(screening.decline, distress=True))

    async def back(self) -> None:
        """The question before, showing the answer given to it (marked, or typed), ready to change."""
        screening = self._runtime.screening
        earlier = dict(screening.interview.answers)
        step = await self._runtime.off_loop(screening.back)
        self.show_step(step)
        if isinstance(step, AskQuestion):
            self.state.selection = earlier_selection(earlier.get(step.question.id))

    # -- stopping and finishing ----------------------------------------------------------------

    async def ask_stop(self) -> None:
        self.state.confirming_discard = False
        self.state.screen = Screen.STOP

    async def continue_interview(self) -> None:
        self.state.confirming_discard = False
        self.show_step(self._runtime.screening.step)

    async def stop(self, keep: bool) -> None:
        """Stop now, as the respondent chooses. Keep: the summary (referral needs) first, completed
        there with the officer's notes. Delete: asked once more (`confirm_discard`)."""
        if not keep:
            self.state.confirming_discard = True
            return
        self.state.stopped_early = True
        self._show_summary()

    async def confirm_discard(self) -> None:
        """Delete the answers so far (only a content-free record remains); the person gets a receipt."""
        screening = self._runtime.screening
        deleted_at = await self._runtime.off_loop(screening.discard)
        self.state.deletion_receipt = DeletionReceipt(screening.interview_id, deleted_at)
        self.state.confirming_discard = False
        self.state.screening = None
        self.state.step = None
        self.state.screen = Screen.DELETED

    async def finish(self, notes: str = "") -> None:
        """The officer has read the summary: complete the interview with the notes (sealed to the
        organisation at once when the device is enrolled), then the rights information."""
        await self._complete(notes)
        if self.state.practice is None:
            self.state.screen = Screen.RIGHTS

    async def _complete(self, notes: str) -> None:
        screening = self._runtime.screening
        if self.state.stopped_early:  # the person stopped and chose to keep what they said
            self.state.outcome = await self._runtime.off_loop(
                screening.stop, keep=True, notes=notes.strip() or None
            )
        else:
            self.state.outcome = await self._runtime.off_loop(screening.finish, notes=notes.strip() or None)
        self.state.stopped_early = False
        if self.state.practice is not None:  # practice: feedback instead of anything to send
            self.state.screen = Screen.FEEDBACK
            return
        worker = self._runtime.services.sync_worker()
        worker.poke()  # queued at once: the sender looks now, and home counts it
        self.state.sync_status = await worker.refresh()

    async def continue_with_child_screen(self, notes: str = "") -> None:
        """The child rule applies in an adult protocol: complete this screening (with the notes), then
        start `child-screen` with assent, carrying forward what the person already said."""
        screening = self._runtime.screening
        follow_up = child_follow_up(screening.protocol, screening.interview, screening.outcome())
        if follow_up is None:
            raise RuntimeError("the child rule does not apply")
        plan = self.state.plan
        await self._complete(notes)
        if self.state.practice is not None:
            return
        self.state.carried_facts = dict(follow_up["facts"])
        self.state.notes = ""
        self.state.outcome = None
        self.state.screening = None
        self.state.step = None
        self.state.plan = replace(plan, protocol_id=str(follow_up["protocol"]), consent={})
        self.state.screen = Screen.CONSENT

    async def emergency_continue(self) -> None:
        self._show_summary()

    async def emergency_resume(self) -> None:
        """Once the person is safe: back to the questions after an emergency stop, answers kept."""
        self.show_step(await self._runtime.off_loop(self._runtime.screening.resume_after_emergency))

    async def to_rights(self) -> None:
        self.state.screen = Screen.RIGHTS

    async def to_end(self) -> None:
        self.state.screen = Screen.END
