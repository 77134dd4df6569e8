"""What every controller of one session shares: the page, the services, the state, the clock, and the
one way to run blocking work (vault, crypto, network) off the event loop.

Locking (quick exit, pause, idle, tab closed) calls `invalidate`: an action still waiting on a thread
when the vault locks finds the generation changed when it resumes, and stops there (`Superseded`)
instead of bringing decrypted content back onto the screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import flet as ft

from app.clock import SessionClock
from app.state import SessionState

if TYPE_CHECKING:
    from app.screening import Screening
    from app.services import AppServices
    from app.vault import Vault

__all__ = ["SessionRuntime", "Superseded"]

T = TypeVar("T")
P = ParamSpec("P")


class Superseded(Exception):
    """The vault locked while this action waited; its result must not reach the screen."""


class SessionRuntime:
    """The shared parts of one session's controllers."""

    def __init__(
        self, page: ft.Page, services: AppServices, state: SessionState, clock: SessionClock
    ) -> None:
        self.page = page
        self.services = services
        self.config = services.config
        self.state = state
        self.clock = clock
        self._generation = 0
        self._vault_lock = asyncio.Lock()  # one vault call at a time per session

    @property
    def vault(self) -> Vault:
        """This session's vault (opened when the session starts)."""
        if self.state.vault is None:
            raise RuntimeError("the session has not opened its vault yet")
        return self.state.vault

    @property
    def screening(self) -> Screening:
        """The interview on screen."""
        if self.state.screening is None:
            raise RuntimeError("no interview is open")
        return self.state.screening

    def invalidate(self) -> None:
        """The vault locked: results of work still running must not reach the screen."""
        self._generation += 1

    async def off_loop(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking call in a thread; `Superseded` if the vault locked meanwhile."""
        generation = self._generation
        async with self._vault_lock:
            if generation != self._generation:
                raise Superseded
            result = await asyncio.to_thread(function, *args, **kwargs)
        if generation != self._generation:
            if self.state.vault is not None:
                self.state.vault.lock()
            raise Superseded
        return result

    async def device_secret(self, *, create: bool) -> bytes | None:
        """The phone's secure-storage secret for the vault; None on web and desktop."""
        return await self.services.device_secret(self.page, create=create)
