"""One browser session: its state, its vault, the actions its screens call, and rendering.

Every action runs through `Session.run`: it resets the idle timer, shows the busy bar, runs the action
(slow calls go off the event loop through `off_loop`), turns a `WaypointError` into a translated
message in one place (`app.errors.show_error`), and renders the screen the state now names.

Locking (quick exit, pause, idle, tab closed) bumps a generation counter: an action still waiting on a
thread when the vault locks finds the generation changed when it resumes, and stops there (`Superseded`)
instead of bringing decrypted content back onto the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import flet as ft

from app.errors import show_error
from app.i18n import Translator, translator
from app.interview_actions import InterviewActions
from app.services import AppServices
from app.setup_actions import SetupActions
from app.shell import render_view
from app.state import LOCKED_SCREENS, Screen, SessionState
from app.sync_worker import SyncStatus
from app.vault import ThrottledError, VaultLockedError, VaultWipedError, WrongSecretError

__all__ = ["Session", "Superseded"]

log = logging.getLogger(__name__)
T = TypeVar("T")
BUSY_BAR_AFTER_SECONDS = 0.15


class Superseded(Exception):
    """The vault locked while this action waited; its result must not reach the screen."""


class Session(InterviewActions, SetupActions):
    """The state and actions of one page (one browser tab or one phone app)."""

    def __init__(self, page: ft.Page, services: AppServices) -> None:
        self.page = page
        self.services = services
        self.config = services.config
        self.state = SessionState(ui_language=services.config.default_language)
        self.sync_status = SyncStatus()
        self.last_error: str | None = None
        self._generation = 0
        self._vault_lock = asyncio.Lock()  # one vault call at a time per session
        self._last_touch = asyncio.get_running_loop().time()
        self._tasks: list[asyncio.Task[Any]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._idle_limit = float(services.config.idle_lock_seconds)
        self.screening_service: Any = None

    # -- languages ----------------------------------------------------------------------------

    @property
    def officer(self) -> Translator:
        return translator(self.state.officer_language, self.config.locales_dir)

    @property
    def respondent(self) -> Translator:
        return translator(self.state.respondent_language, self.config.locales_dir)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open this session's vault, show set-up or unlock, and start the idle timer."""
        self.state.vault = await asyncio.to_thread(self.services.open_vault)
        self.screening_service = self.services.screening_service(self.state.vault)
        await self.refresh_device_status()
        has_secret = await asyncio.to_thread(lambda: self.state.vault.has_secret)
        self.state.screen = Screen.UNLOCK if has_secret else Screen.SETUP
        worker = await self.services.start_sync_worker()
        self.sync_status = worker.status
        self._unsubscribe = worker.subscribe(self._on_sync_status)
        self._tasks.append(asyncio.get_running_loop().create_task(self._idle_watch()))
        self.page.on_disconnect = self._on_disconnect
        self.page.on_close = self._on_close
        self.render()

    async def close(self) -> None:
        """The page is gone: lock, stop the timers, stop listening to the sender."""
        self._lock_now(Screen.UNLOCK)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _on_disconnect(self, _event: object = None) -> None:
        # The tab went away (closed, or the phone slept): nothing stays unlocked without a screen.
        self._lock_now(Screen.UNLOCK)

    async def _on_close(self, _event: object = None) -> None:
        await self.close()

    # -- running actions ----------------------------------------------------------------------

    def touch(self) -> None:
        """Someone interacted: restart the idle countdown (ours and the vault's)."""
        self._last_touch = asyncio.get_running_loop().time()
        if self.state.vault is not None:
            self.state.vault.touch()

    @property
    def idle_lock_seconds(self) -> float:
        """The organisation's idle lock once it has set one; until then the app's (`AppConfig`).

        Read from the vault by `refresh_device_status` (at start, unlock and enrollment), not on
        every tick of the timer.
        """
        return self._idle_limit

    async def run(self, action: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run a screen's action: busy bar, errors shown translated, then render the new state."""
        self.touch()
        if self.state.busy:
            return
        self.state.busy = True
        self.last_error = None
        task = asyncio.ensure_future(action(*args))
        try:
            # Quick actions render once; the busy bar shows only for what takes a noticeable time.
            done, _pending = await asyncio.wait({task}, timeout=BUSY_BAR_AFTER_SECONDS)
            if not done:
                self.render()
            await task
        except Superseded:
            pass
        except VaultLockedError as exc:  # the vault's own idle lock came first: same as ours
            self._lock_now(Screen.UNLOCK)
            self.last_error = show_error(self.page, exc, self.officer)
        except Exception as exc:
            self.last_error = show_error(self.page, exc, self.officer)
        finally:
            self.state.busy = False
            self.render()

    async def off_loop(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking call (vault, crypto, network) in a thread; `Superseded` if the vault locked."""
        generation = self._generation
        async with self._vault_lock:
            if generation != self._generation:
                raise Superseded
            result = await asyncio.to_thread(function, *args, **kwargs)
        if generation != self._generation:
            self._lock_vault()
            raise Superseded
        return result

    def render(self) -> None:
        """Show the screen the state names."""
        render_view(self.page, self)

    # -- secret, unlock, lock -----------------------------------------------------------------

    async def device_kwargs(self, *, create: bool) -> dict[str, Any]:
        """`device_secret=...` for the vault on phones (secure storage); nothing on web and desktop."""
        return _device_kwargs(await self.services.device_secret(self.page, create=create))

    async def unlock(self, secret: str) -> None:
        vault = self.state.vault
        device = await self.device_kwargs(create=False)
        try:
            await self.off_loop(vault.unlock, secret, **device)
        except VaultWipedError:
            self._lock_now(Screen.SETUP)
            self.state.resume_interview_id = None
            await self.refresh_device_status()
            raise
        except (WrongSecretError, ThrottledError):
            await self.refresh_device_status()  # the wait this attempt started, shown counting down
            raise
        await self.refresh_device_status()
        if self.state.duress_required:
            self.state.screen = Screen.DURESS  # enrolled meanwhile under a policy that asks for one
        elif self.state.resume_interview_id:
            await self.resume_interview(self.state.resume_interview_id, self.state.resume_screen)
        else:
            await self.go_home()

    async def lock(self) -> None:
        """The officer locks on purpose (home screen): no interview to return to."""
        self._lock_now(Screen.UNLOCK)
        self.state.resume_interview_id = None
        self.state.resume_screen = None

    async def verify_secret(self, secret: str) -> None:
        """Prove the officer is back (hand-back). `Vault.verify_secret` counts the attempt like an
        unlock but never changes what is unlocked: a duress secret cannot switch the vault here.

        Raises:
            WrongSecretError: the secret is not the one this session was opened with.
        """
        device = await self.device_kwargs(create=False)
        try:
            verified = await self.off_loop(self.state.vault.verify_secret, secret, **device)
        except VaultWipedError:
            self._lock_now(Screen.SETUP)
            self.state.resume_interview_id = None
            await self.refresh_device_status()
            raise
        if not verified:
            raise WrongSecretError()

    def quick_exit(self, _event: object = None) -> None:
        """Instantly replace everything with the neutral screen and lock the vault."""
        self._lock_now(Screen.NEUTRAL)
        self.page.pop_dialog()
        self.render()

    async def leave_neutral(self) -> None:
        self.state.screen = Screen.UNLOCK

    async def pause(self) -> None:
        """Pause the interview: hide it and lock; the secret resumes it at the same question."""
        self._lock_now(Screen.PAUSED)

    def _lock_now(self, screen: Screen) -> None:
        if self.state.screen not in LOCKED_SCREENS and self.state.screen is not Screen.PAUSED:
            self.state.resume_screen = self.state.screen
        self._generation += 1
        self._lock_vault()
        self.stop_prompt()
        self.state.forget_sensitive()
        self.state.busy = False
        self.state.screen = screen

    def _lock_vault(self) -> None:
        if self.state.vault is not None:
            self.state.vault.lock()

    async def _idle_watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            limit = self.idle_lock_seconds
            await asyncio.sleep(min(1.0, limit / 4))
            self.tick_unlock_wait()
            showing_content = self.state.screen not in LOCKED_SCREENS | {Screen.PAUSED}
            if showing_content and loop.time() - self._last_touch >= limit:
                self._lock_now(Screen.UNLOCK)
                self.page.pop_dialog()
                self.render()

    # -- sending ------------------------------------------------------------------------------

    def _on_sync_status(self, status: SyncStatus) -> None:
        self.sync_status = status
        if self.state.screen is Screen.HOME:
            self.render()

    async def send_now(self) -> None:
        self.sync_status = await self.services.sync_worker().send_now()
        if self.sync_status.last_error is not None:
            raise self.sync_status.last_error
        await self.go_home()


def _device_kwargs(device_secret: bytes | None) -> dict[str, Any]:
    return {} if device_secret is None else {"device_secret": device_secret}
