"""One browser session: its observable state, its controllers, and rendering.

The session composes the controllers (`app.controllers`) over one shared `SessionRuntime` and offers
them to the screens as `app.actions.Actions`. Every action runs through `Session.run`: it resets the
idle timer, shows the busy bar for slow work, turns a `WaypointError` into a translated message in one
place (`app.errors.error_text`, shown above the buttons), and renders the state once at the end.
Changes made outside an
action (the sender's status, the audio player, the idle lock, the unlock countdown) re-render as the
state announces them, when the screen on show depends on them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import flet as ft

from app.actions import Action
from app.clock import SessionClock
from app.controllers.home import HomeController
from app.controllers.interview import InterviewController
from app.controllers.lock import LockController
from app.controllers.practice import PracticeController
from app.controllers.private import PrivateController
from app.controllers.prompts import PromptController
from app.controllers.referral import ReferralController
from app.controllers.setup import SetupController
from app.errors import error_text
from app.i18n import Translator, translator
from app.runtime import SessionRuntime, Superseded
from app.services import AppServices
from app.shell import render_view
from app.state import Screen, SessionState
from app.vault import VaultLockedError
from sync.provisioning import Provisioning

__all__ = ["Session", "Superseded"]

BUSY_BAR_AFTER_SECONDS = 0.15


class Session:
    """The state and actions of one page (one browser tab or one phone app)."""

    def __init__(self, page: ft.Page, services: AppServices, clock: SessionClock | None = None) -> None:
        self.page = page
        self.services = services
        self.state = SessionState(
            ui_language=services.config.default_language,
            idle_lock_seconds=float(services.config.idle_lock_seconds),
            private_idle_lock_seconds=float(
                max(services.config.private_idle_lock_seconds, services.config.idle_lock_seconds)
            ),
        )
        runtime = SessionRuntime(page, services, self.state, clock or services.session_clock())
        self.prompts = PromptController(runtime)
        self.home = HomeController(runtime)
        self.interview = InterviewController(runtime, self.prompts)
        self.locking = LockController(
            runtime, self.prompts, resume=self.interview.resume_interview, go_home=self.home.go_home
        )
        self.practice = PracticeController(runtime)
        self.referral = ReferralController(runtime, finish=self.interview.finish, go_home=self.home.go_home)
        self.private = PrivateController(runtime, self.interview, self.prompts, self.locking.verify_secret)
        self.setup = SetupController(
            runtime, self.locking, go_home=self.home.go_home, provisioning=Provisioning(join=services.join)
        )
        self._actions_running = 0
        self._render_pending = False
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self.state.subscribe(self._on_change)

    # -- languages ----------------------------------------------------------------------------

    @property
    def officer(self) -> Translator:
        return translator(self.state.officer_language, self.services.config.locales_dir)

    @property
    def respondent(self) -> Translator:
        return translator(self.state.respondent_language, self.services.config.locales_dir)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open this session's vault, show set-up or unlock, and start the idle timer."""
        self._actions_running += 1  # one render at the end, not one per field
        try:
            vault = await asyncio.to_thread(self.services.open_vault)
            self.state.vault = vault
            await self.locking.refresh_device_status()
            has_secret = await asyncio.to_thread(lambda: vault.has_secret)
            self.state.screen = Screen.UNLOCK if has_secret else Screen.SETUP
            worker = await self.services.start_sync_worker()
            self.state.sync_status = worker.status
            self._unsubscribe.append(worker.subscribe(self.home.on_sync_status))
        finally:
            self._actions_running -= 1
        self._tasks.append(asyncio.get_running_loop().create_task(self.locking.watch_idle()))
        if self.state.screen is Screen.SETUP:  # while the officer types: `create` then derives once
            self._tasks.append(asyncio.create_task(asyncio.to_thread(vault.prepare_to_create)))
        self.page.on_disconnect = self._on_disconnect
        self.page.on_close = self._on_close
        self.render()

    async def close(self) -> None:
        """The page is gone: lock, stop the timers, stop listening to the sender."""
        self.locking.lock_now(Screen.UNLOCK)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _on_disconnect(self, _event: object = None) -> None:
        # The tab went away (closed, or the phone slept): nothing stays unlocked without a screen.
        self.locking.lock_now(Screen.UNLOCK)

    async def _on_close(self, _event: object = None) -> None:
        await self.close()

    # -- what screens call --------------------------------------------------------------------

    def touch(self) -> None:
        """Someone interacted: restart the idle countdown (ours and the vault's)."""
        self.locking.touch()

    async def quick_exit(self, _event: object = None) -> None:
        """Instantly replace everything with the neutral screen and lock the vault.

        Async, so that Flet runs it on the session's event loop, not in a worker thread."""
        self.locking.quick_exit()
        self.render()

    async def run(self, action: Action, *args: object) -> None:
        """Run a screen's action: busy bar, errors shown translated, then render the new state."""
        self.touch()
        if self.state.busy:
            return
        self._actions_running += 1
        self.state.busy = True
        self.state.last_error = None
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
            self.locking.lock_now(Screen.UNLOCK)
            self.state.last_error = error_text(exc, self.officer)
        except Exception as exc:
            self.state.last_error = error_text(exc, self.officer)
        finally:
            self.state.busy = False
            self._actions_running -= 1
            self.render()

    # -- rendering ----------------------------------------------------------------------------

    def render(self) -> None:
        """Show the screen the state names, now."""
        self._render_pending = False
        render_view(self.page, self)

    def _on_change(self, name: str) -> None:
        # Inside an action the state is half-way: it renders once, when the action is over.
        if self._actions_running or self._render_pending or not self.state.shows(name):
            return
        self._render_pending = True
        asyncio.get_running_loop().call_soon(self._render_if_pending)

    def _render_if_pending(self) -> None:
        if self._render_pending:
            self.render()
