"""The respondent's audio prompts in private answering: what plays, in their language, and when.

* when the device is handed over, a short instruction (`ui:private-instructions`), then the question;
* when they touch an answer (yes, no, don't know, prefer not to say), its word (`ui:private-yes` ...),
  so a person who cannot read hears what they chose before confirming it with the tick; an option
  tile says its option; the keypad's delete key says "Delete";
* when the device must go back to the officer, "Thank you. Please give the device back to the
  officer." (`ui:handback`), also when the idle lock is about to close a handed-over session;
* on the consent screen in private mode, the title, every item, the statistics switch and the
  agreement question, one after the other; each item counts as heard once its clip has started;
* feedback in the respondent's language: "Please touch an answer first." (`ui:private-choose-first`)
  or the question's own range message.

Clips are looked up in the audio manifest by context and language (`app.audio`); a missing clip shows
the state `unavailable` and the screen still works. The player's state is kept in the session state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app.audio import PromptPlayer
from app.runtime import SessionRuntime
from app.spoken import CHOOSE_FIRST_CLIP, HANDBACK_CLIP, INSTRUCTIONS_CLIP, consent_clips
from screening_protocols import AskQuestion
from screening_protocols.messages import question_context

__all__ = ["CHOOSE_FIRST_CLIP", "HANDBACK_CLIP", "INSTRUCTIONS_CLIP", "PromptController"]


class PromptController:
    """Plays and stops the respondent's prompts; one player per session, made on first use."""

    def __init__(self, runtime: SessionRuntime) -> None:
        self._runtime = runtime
        self.player: PromptPlayer | None = None
        self.intro_pending = False  # the next private question starts with the instruction
        self._prompt_task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None

    def play_question(self) -> None:
        """Play the question on screen, after the instruction when the device was just handed over."""
        clips = [INSTRUCTIONS_CLIP] if self.intro_pending else []
        self.intro_pending = False
        self.play([*clips, self.question_clip()])

    def question_clip(self, part: str = "") -> str:
        """The manifest context of the question on screen (or of one of its parts, e.g. an option)."""
        step = self._runtime.state.step
        if not isinstance(step, AskQuestion):
            raise RuntimeError("no question is on screen")
        return question_context(self._runtime.screening.protocol.id, step.question, part)

    def play(self, contexts: list[str], on_started: Callable[[str], None] | None = None) -> None:
        """Play these clips one after the other in the respondent's language (those that exist);
        `on_started(context)` is called as each one starts playing."""
        state = self._runtime.state
        catalog = self._runtime.services.audio_catalog()
        clips = [c for c in (catalog.clip(key, state.respondent_language) for key in contexts) if c]
        self._cancel()
        if not clips:
            self._on_audio_state("unavailable")
            return
        if self.player is None:
            self.player = PromptPlayer(self._on_audio_state)
        self._prompt_task = asyncio.get_running_loop().create_task(
            self.player.play_all([(clip.context, clip.src) for clip in clips], on_started)
        )

    def play_consent(self, contexts: list[str] | None = None) -> None:
        """Say the consent screen (or some of its parts); each item counts as heard once it starts."""
        state = self._runtime.state
        if contexts is None:
            contexts = consent_clips(self._runtime.services.protocol(state.plan.protocol_id or ""))
            # An item with no audio in this language counts as shown: its text is on screen.
            state.consent_heard = frozenset(c for c in contexts if not self.has_clip(c))
        self.play(contexts, self._heard)

    def _heard(self, context: str) -> None:
        state = self._runtime.state
        state.consent_heard = state.consent_heard | {context}

    def has_clip(self, context: str) -> bool:
        """Whether `context` has audio in the respondent's language."""
        catalog = self._runtime.services.audio_catalog()
        return catalog.clip(context, self._runtime.state.respondent_language) is not None

    def stop(self) -> None:
        """Silence the prompt now (quick exit, pause, hand-back)."""
        state = self._runtime.state
        state.audio_state = "idle"
        state.audio_clip = ""
        self._cancel()
        if self.player is not None:
            self._stop_task = asyncio.get_running_loop().create_task(self.player.stop())

    def _cancel(self) -> None:
        if self._prompt_task is not None:
            self._prompt_task.cancel()
            self._prompt_task = None

    def _on_audio_state(self, audio_state: str) -> None:
        state = self._runtime.state
        state.audio_state = audio_state
        if self.player is not None:
            state.audio_clip = self.player.current_context
