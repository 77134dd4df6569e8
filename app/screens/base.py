"""What every screen builder receives and returns.

A screen is a pure function `build(ctx) -> ScreenBody` of the session state: no I/O, no awaiting.
Buttons call the session's actions through `ctx.on(action, *args)`, which wraps them as Flet event
handlers; the session runs them (slow work off the event loop) and renders the next screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import flet as ft

from app.components.text import bilingual
from app.i18n import Translator
from app.state import SessionState

if TYPE_CHECKING:
    from app.session import Session

__all__ = ["ScreenBody", "ScreenContext"]


@dataclass
class ScreenBody:
    """A screen's content; the shell adds the title bar, quick exit, busy bar and direction."""

    controls: list[ft.Control]
    actions: list[ft.Control] = field(default_factory=list)  # pinned under the content, main action last
    respondent_facing: bool = False  # laid out in the respondent's direction instead of the officer's
    quick_exit: bool = True


@dataclass
class ScreenContext:
    state: SessionState
    officer: Translator
    respondent: Translator
    session: Session

    def on(self, action: Callable[..., Awaitable[Any]], *args: Any) -> Callable[..., Awaitable[None]]:
        """A Flet event handler that runs `action(*args)` through the session."""

        async def handler(_event: object = None) -> None:
            await self.session.run(action, *args)

        return handler

    def both(self, message: str, size: float = 18, key: str | None = None) -> ft.Control:
        """`message` (a msgid marked with N_) in the respondent's language, the officer's beneath."""
        return bilingual(
            self.respondent.gettext(message),
            self.officer.gettext(message),
            primary_rtl=self.respondent.rtl,
            secondary_rtl=self.officer.rtl,
            size=size,
            key=key,
        )
