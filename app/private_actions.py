"""Private answering: the respondent holds the device, listens, and answers by touching pictures.

Mixed into `app.interview_actions.InterviewActions`. What the respondent hears, in their language:

* when the device is handed over, a short instruction (`ui:private-instructions`), then the question;
* when they touch an answer (yes, no, don't know, prefer not to say), its word (`ui:private-yes` ...),
  so a person who cannot read hears what they chose before confirming it with the tick; an option
  tile says its option; the keypad's delete key says "Delete";
* when the device must go back to the officer, "Thank you. Please give the device back to the
  officer." (`ui:handback`).

Clips are looked up in the audio manifest by context and language (`app.audio`); a missing clip shows
the state `unavailable` and the screen still works.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from app.audio import PromptPlayer
from app.errors import ChoiceMissingError
from app.state import Screen, SessionState
from screening_protocols.messages import question_context
from waypoint.core.i18n import N_

if TYPE_CHECKING:
    from app.services import AppServices

__all__ = ["INSTRUCTIONS_CLIP", "PRIVATE_DECLINE", "PrivateActions"]

T = TypeVar("T")
INSTRUCTIONS_CLIP = "ui:private-instructions"
# What the instruction clip says (scripts/generate_audio.py speaks the catalog's translations of it).
INSTRUCTIONS_TEXT = N_("Listen to each question. Then touch a picture to answer.")
HANDBACK_CLIP = "ui:handback"
PRIVATE_DECLINE = "__prefer_not_to_say__"  # the selection "prefer not to say", confirmed with the tick


class PrivateActions:
    """Private answering actions; expects the attributes and helpers `app.session.Session` defines."""

    state: SessionState
    services: AppServices
    player: PromptPlayer | None = None
    private_intro_pending: bool = False  # the next private question starts with the instruction
    _prompt_task: asyncio.Task[None] | None = None
    _stop_task: asyncio.Task[None] | None = None

    if TYPE_CHECKING:

        async def off_loop(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

        def render(self) -> None: ...

        def _show_step(self) -> None: ...

        async def verify_secret(self, secret: str) -> None: ...

        async def answer(self, value: Any) -> None: ...

        async def answer_selection(self) -> None: ...

        async def decline(self) -> None: ...

    # -- handing over and back -----------------------------------------------------------------

    async def start_private(self) -> None:
        """The officer hands the device over: the respondent first hears how to answer."""
        self.state.plan.private_mode = True
        self.private_intro_pending = True
        self._show_step()

    def show_handback(self) -> None:
        """The officer must hold the device now: ask the respondent, aloud, to give it back."""
        self.state.screen = Screen.HANDBACK
        self._play([HANDBACK_CLIP])

    async def request_handback(self) -> None:
        self.show_handback()

    async def hand_back(self, secret: str) -> None:
        """The officer takes the device back: the secret proves it is the officer."""
        await self.verify_secret(secret)
        self.stop_prompt()
        self.state.plan.private_mode = False
        self._show_step()

    # -- answering -----------------------------------------------------------------------------

    def play_question(self) -> None:
        """Play the question on screen, after the instruction when the device was just handed over."""
        clips = [INSTRUCTIONS_CLIP] if self.private_intro_pending else []
        self.private_intro_pending = False
        self._play([*clips, self._question_clip()])

    async def replay_prompt(self) -> None:
        self._play([self._question_clip()])

    async def choose_private_answer(self, value: str, clip: str) -> None:
        """Mark yes / no / don't know / prefer not to say and say it; the tick then answers."""
        self.state.selection = value
        self._play([f"ui:{clip}"])

    async def choose_private_option(self, value: str) -> None:
        """Mark an option tile and say its label, so the respondent hears what they chose."""
        self.state.selection = value
        self._play([self._question_clip(f"option.{value}")])

    async def keypad(self, key: str) -> None:
        """A keypad tap: a digit, or "back" to delete the last one (which says "Delete")."""
        selection = self.state.selection
        typed = selection if isinstance(selection, str) and selection.isdigit() else ""
        typed = typed[:-1] if key == "back" else (typed + key)[:3]
        self.state.selection = typed
        if key == "back":
            self._play(["ui:private-key-back"])

    async def confirm_private(self) -> None:
        """The tick: answer with what is marked ("prefer not to say" is stored as declined)."""
        if self.state.selection is None:
            raise ChoiceMissingError
        if self.state.selection == PRIVATE_DECLINE:
            await self.decline()
        else:
            await self.answer_selection()

    # -- the player ----------------------------------------------------------------------------

    def _question_clip(self, part: str = "") -> str:
        screening = self.state.screening
        return question_context(screening.protocol.id, screening.step.question, part)

    def _play(self, contexts: list[str]) -> None:
        """Play these clips one after the other in the respondent's language (the first available)."""
        catalog = self.services.audio_catalog()
        clips = [c for c in (catalog.clip(key, self.state.respondent_language) for key in contexts) if c]
        if self._prompt_task is not None:
            self._prompt_task.cancel()
            self._prompt_task = None
        if not clips:
            self._on_audio_state("unavailable")
            return
        if self.player is None:
            self.player = PromptPlayer(self._on_audio_state)
        self._prompt_task = asyncio.get_running_loop().create_task(
            self.player.play_all([(clip.context, clip.src) for clip in clips])
        )

    def _on_audio_state(self, audio_state: str) -> None:
        self.state.audio_state = audio_state
        if self.player is not None:
            self.state.audio_clip = self.player.current_context
        if self.state.screen is Screen.PRIVATE:
            self.render()

    def stop_prompt(self) -> None:
        """Silence the prompt now (quick exit, pause, hand-back)."""
        self.state.audio_state = "idle"
        self.state.audio_clip = ""
        if self._prompt_task is not None:
            self._prompt_task.cancel()
            self._prompt_task = None
        if self.player is not None:
            self._stop_task = asyncio.get_running_loop().create_task(self.player.stop())
