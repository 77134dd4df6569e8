"""Audio prompts for private answering: the manifest of recorded or synthetic clips, and the player.

The manifest, `waypoint/assets/audio/manifest.json`, lists one clip per respondent-facing string and language.
A clip is found by the string's message context (the same `msgctxt` the protocol catalogs use, e.g.
`border-rapid:q_age` for a question's text) and its language:

    {"format": "waypoint-audio/1",
     "clips": [{"context": "border-rapid:q_age", "language": "ar",
                "file": "border-rapid/ar/q_age.ogg", "synthetic": true, "voice": "espeak-ng"}]}

`file` is relative to `waypoint/assets/audio/`. `synthetic: true` marks generated speech, so an
organisation can replace it with a recorded human voice by swapping the file and setting it false.

The player wraps one `flet_audio.Audio` per session. It reports the player's state back to the session
(`on_state`), which shows it in a semantics label: that is how a test (and a screen reader) knows the
prompt really played.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["AudioCatalog", "Clip", "PromptPlayer"]

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
AUDIO_SUBDIR = "audio"
LOAD_TIMEOUT_SECONDS = 10.0
COMPLETION_TIMEOUT_SECONDS = 30.0  # longer than any prompt; then the next clip plays anyway


@dataclass(frozen=True)
class Clip:
    context: str
    language: str
    src: str  # path relative to the assets folder, as Flet serves it
    synthetic: bool


class AudioCatalog:
    """Every clip the manifest lists, by (message context, language)."""

    def __init__(self, clips: dict[tuple[str, str], Clip]) -> None:
        self._clips = clips

    @classmethod
    def load(cls, assets_dir: Path) -> AudioCatalog:
        """Read the manifest; no manifest (or a broken one) means no audio, never a crash."""
        path = assets_dir / AUDIO_SUBDIR / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls({})
        except (OSError, ValueError):
            log.warning("the audio manifest %s cannot be read; private mode has no audio", path)
            return cls({})
        clips: dict[tuple[str, str], Clip] = {}
        for entry in data.get("clips", []):
            try:
                clip = Clip(
                    context=str(entry["context"]),
                    language=str(entry["language"]),
                    src=f"{AUDIO_SUBDIR}/{entry['file']}",
                    synthetic=bool(entry.get("synthetic", True)),
                )
            except (KeyError, TypeError):
                continue
            if (assets_dir / clip.src).is_file():
                clips[clip.context, clip.language] = clip
        return cls(clips)

    def clip(self, context: str, language: str) -> Clip | None:
        return self._clips.get((context, language))

    def __len__(self) -> int:
        return len(self._clips)


class PromptPlayer:
    """Plays prompts in one session, one at a time, and reports what the player does.

    Each clip gets its own `flet_audio.Audio`, built with its `src`: the web client loads a source
    given at construction (and then reports `loaded`), but not one changed afterwards. The previous
    player is released and dropped, and Flet unregisters services nothing references any more.

    Every call to the browser (`play`, `release`) runs in a task of its own that holds its player until
    the browser has answered, even when the prompt that asked was cancelled (hand-back, quick exit):
    Flet's web server ends the connection, which locks the app, when an answer comes for a control
    it has already unregistered.
    """

    def __init__(self, on_state: Callable[[str], None]) -> None:
        self._on_state = on_state
        self._audio: Any = None
        self._loaded = asyncio.Event()
        self._completed = asyncio.Event()
        self.current_context = ""  # the manifest context of the clip playing (or last played)
        self._calls: set[asyncio.Task[Any]] = set()  # calls the browser has not answered yet

    def _new_audio(self, src: str) -> Any:
        import flet_audio  # only sessions that use private mode load it

        self._loaded = asyncio.Event()
        # The handlers look at `event.control`, never close over the player: a reference cycle would
        # keep a dropped player registered with the page.
        return flet_audio.Audio(
            src=src,
            release_mode=flet_audio.ReleaseMode.STOP,
            on_loaded=self._handle_loaded,
            on_state_change=self._handle_state,
            on_position_change=self._handle_position,
        )

    def _handle_loaded(self, event: Any) -> None:
        if event.control is self._audio:
            self._loaded.set()
            self._on_state("loaded")

    def _handle_state(self, event: Any) -> None:
        if event.control is self._audio:
            state = str(getattr(event.state, "value", event.state))
            if state == "completed":
                self._completed.set()
            self._on_state(state)

    def _handle_position(self, event: Any) -> None:
        if event.control is self._audio and getattr(event, "position", None):
            self._on_state("playing")

    async def play(self, src: str, context: str = "") -> bool:
        """Play `src` from the start (loading it first unless it is the clip already loaded).

        Returns:
            True once playing was asked for; False when the clip did not load in time.
        """
        if self._audio is None or self._audio.src != src:
            await self.stop()
            self._audio = self._new_audio(src)
        audio = self._audio
        self.current_context = context
        try:
            await asyncio.wait_for(self._loaded.wait(), LOAD_TIMEOUT_SECONDS)
        except TimeoutError:
            self._on_state("unavailable")
            return False
        if self._audio is not audio:
            return False
        self._completed = asyncio.Event()
        self._on_state("starting")
        await self._call(audio, "play")
        return True

    async def play_all(
        self, clips: list[tuple[str, str]], on_started: Callable[[str], None] | None = None
    ) -> None:
        """Play (context, src) clips one after the other, each after the previous one completed;
        `on_started(context)` once playing a clip was asked for."""
        for index, (context, src) in enumerate(clips):
            played = await self.play(src, context)
            if played and on_started is not None:
                on_started(context)
            if played and index < len(clips) - 1:
                try:
                    await asyncio.wait_for(self._completed.wait(), COMPLETION_TIMEOUT_SECONDS)
                except TimeoutError:
                    pass  # no "completed" from the client: go on rather than fall silent

    async def stop(self) -> None:
        """Stop at once (quick exit, pause, hand-back) and drop the player and its clip."""
        audio, self._audio = self._audio, None
        self._loaded = asyncio.Event()
        if audio is not None:
            with contextlib.suppress(Exception):  # the tab may already be gone
                await self._call(audio, "release")

    def _call(self, audio: Any, method: str) -> asyncio.Future[Any]:
        """Ask the browser to run `audio.<method>()`; the call outlives a cancelled caller."""
        call = asyncio.ensure_future(getattr(audio, method)())
        self._calls.add(call)
        call.add_done_callback(self._answered)
        return asyncio.shield(call)

    def _answered(self, call: asyncio.Task[Any]) -> None:
        self._calls.discard(call)
        if not call.cancelled() and (error := call.exception()) is not None:
            log.debug("audio player call failed: %s", type(error).__name__)
