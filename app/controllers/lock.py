"""Unlocking and locking: the secret, the idle lock, pause, quick exit, and what the lock shows.

The unlock screen is honest about the vault's state: how long the officer must wait after wrong
secrets (counted down on the session's clock), and that the organisation's limit erased the vault.
The idle lock counts on the same clock, so tests move time instead of sleeping. While the respondent
holds the device (private answering) the limit is the longer private one, and when it runs out the
respondent first sees and hears "please give the device back" in their language; only if nobody
touches the device for `IDLE_WARNING_SECONDS` more does it lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable, Callable

from app.controllers.prompts import HANDBACK_CLIP, PromptController
from app.device_status import read_device_status
from app.runtime import SessionRuntime, Superseded
from app.state import LOCKED_SCREENS, Screen
from app.vault import ThrottledError, VaultWipedError, WrongSecretError
from sync.enrollment_code import EnrollmentCode
from waypoint.core.errors import WaypointError

__all__ = ["LockController"]

IDLE_WARNING_SECONDS = 30.0  # "please give the device back" is on screen (and spoken) this long

Resume = Callable[[str, Screen | None], Awaitable[None]]
GoHome = Callable[[], Awaitable[None]]


class LockController:
    """The secret opens the vault; idleness, a pause, a quick exit or a closed tab locks it."""

    def __init__(
        self, runtime: SessionRuntime, prompts: PromptController, *, resume: Resume, go_home: GoHome
    ) -> None:
        self._runtime = runtime
        self._prompts = prompts
        self._resume = resume
        self._go_home = go_home
        self.state = runtime.state
        self._last_touch = runtime.clock.monotonic()
        self._unlock_allowed_at = 0.0
        self._asked_back_at: float | None = None  # when the idle lock asked for the device back

    # -- unlocking -----------------------------------------------------------------------------

    async def unlock(self, secret: str) -> None:
        vault = self._runtime.vault
        device_secret = await self._runtime.device_secret(create=False)
        try:
            await self._runtime.off_loop(vault.unlock, secret, device_secret)
        except VaultWipedError:
            self.lock_now(Screen.SETUP)
            self.state.resume_interview_id = None
            await self.refresh_device_status()
            raise
        except (WrongSecretError, ThrottledError):
            await self.refresh_device_status()  # the wait this attempt started, shown counting down
            raise
        await self.refresh_device_status()
        if self.state.duress_required:
            self.state.screen = Screen.DURESS  # enrolled meanwhile under a policy that asks for one
        else:
            await self.resume_or_home()

    async def resume_or_home(self) -> None:
        """After unlocking: back to the interview that was on screen, or home."""
        if self.state.resume_interview_id:
            await self._resume(self.state.resume_interview_id, self.state.resume_screen)
        else:
            await self._go_home()

    async def verify_secret(self, secret: str) -> None:
        """Prove the officer is back (hand-back). `Vault.verify_secret` counts the attempt like an
        unlock but never changes what is unlocked: a duress secret cannot switch the vault here.

        Raises:
            WrongSecretError: the secret is not the one this session was opened with.
        """
        device_secret = await self._runtime.device_secret(create=False)
        try:
            verified = await self._runtime.off_loop(self._runtime.vault.verify_secret, secret, device_secret)
        except VaultWipedError:
            self.lock_now(Screen.SETUP)
            self.state.resume_interview_id = None
            await self.refresh_device_status()
            raise
        if not verified:
            raise WrongSecretError()

    # -- locking -------------------------------------------------------------------------------

    async def lock(self) -> None:
        """The officer locks on purpose (home screen): no interview to return to."""
        self.lock_now(Screen.UNLOCK)
        self.state.resume_interview_id = None
        self.state.resume_screen = None

    async def pause(self) -> None:
        """Pause the interview: hide it and lock; the secret resumes it at the same question.

        First its saved changes are folded into one snapshot (`Screening.compact`), so a paused
        interview is one encrypted document again; if that fails (the vault already locked), the
        change rows stay and resuming replays them: nothing is lost either way.
        """
        screening = self.state.screening
        if screening is not None:
            with contextlib.suppress(WaypointError, Superseded):
                await self._runtime.off_loop(screening.compact)
        self.lock_now(Screen.PAUSED)

    def quick_exit(self) -> None:
        """Instantly replace everything with the neutral screen and lock the vault."""
        self.lock_now(Screen.NEUTRAL)
        self._runtime.page.pop_dialog()

    async def leave_neutral(self) -> None:
        self.state.screen = Screen.UNLOCK

    def lock_now(self, screen: Screen) -> None:
        """Lock the vault, forget everything decrypted, silence the prompt, and show `screen`."""
        state = self.state
        if state.screen not in LOCKED_SCREENS and state.screen is not Screen.PAUSED:
            state.resume_screen = state.screen
        self._runtime.invalidate()
        if state.vault is not None:
            state.vault.lock()
        self._prompts.stop()
        state.forget_sensitive()
        state.busy = False
        state.screen = screen

    # -- the idle lock and the wait after wrong secrets ----------------------------------------

    def touch(self) -> None:
        """Someone interacted: restart the idle countdown (ours and the vault's)."""
        self._last_touch = self._runtime.clock.monotonic()
        self._asked_back_at = None
        if self.state.vault is not None:
            self.state.vault.touch()

    async def watch_idle(self) -> None:
        """Lock after the idle limit without a touch; count the unlock wait down. Forever."""
        clock = self._runtime.clock
        while True:
            await clock.sleep(min(1.0, self.state.idle_lock_seconds / 4))
            self.tick_unlock_wait()
            self.check_idle()

    def check_idle(self) -> None:
        """Lock when the limit has passed; while handed over, ask for the device back first."""
        state = self.state
        if state.screen in LOCKED_SCREENS | {Screen.PAUSED}:
            return
        idle = self._runtime.clock.monotonic() - self._last_touch
        if not state.handed_over:
            if idle >= state.idle_lock_seconds:
                self._idle_lock()
            return
        if self._asked_back_at is not None:
            if self._runtime.clock.monotonic() - self._asked_back_at >= IDLE_WARNING_SECONDS:
                self._idle_lock()
            return
        if idle >= state.private_idle_lock_seconds:
            self._ask_device_back()
        elif state.vault is not None:
            # The vault's own idle limit is the shorter one: the private limit keeps its session open.
            state.vault.touch()

    def _ask_device_back(self) -> None:
        """The respondent sees and hears, in their language, that the device must go back."""
        self._asked_back_at = self._runtime.clock.monotonic()
        if self.state.vault is not None:
            self.state.vault.touch()  # the request stays on screen until the lock, not a second more
        self.state.private_notice = ""
        self.state.screen = Screen.HANDBACK
        self._prompts.play([HANDBACK_CLIP])

    def _idle_lock(self) -> None:
        self._asked_back_at = None
        self.lock_now(Screen.UNLOCK)
        self._runtime.page.pop_dialog()

    def tick_unlock_wait(self) -> None:
        """Count the wait down on the unlock screen (called about once a second)."""
        remaining = max(0, math.ceil(self._unlock_allowed_at - self._runtime.clock.monotonic()))
        self.state.unlock_wait = remaining

    async def refresh_device_status(self) -> None:
        """Re-read enrollment, wait, wipe and the organisation's idle lock (one thread hop)."""
        config = self._runtime.config
        status = await asyncio.to_thread(read_device_status, self._runtime.vault, config.idle_lock_seconds)
        self.state.enrolled_server = status.enrolled_server
        self.state.vault_wiped = status.wiped
        self.state.duress_required = status.duress_required or self._code_requires_duress()
        self.state.idle_lock_seconds = status.idle_lock_seconds
        private = (
            status.private_idle_lock_seconds or config.private_idle_lock_seconds
        )  # the organisation's first
        self.state.private_idle_lock_seconds = max(private, status.idle_lock_seconds)
        self._unlock_allowed_at = self._runtime.clock.monotonic() + status.unlock_wait
        self.state.unlock_wait = status.unlock_wait

    def _code_requires_duress(self) -> bool:
        if not self.state.setup_code:
            return False
        policy = EnrollmentCode.decode(self.state.setup_code).policy
        return policy is not None and policy.require_duress
