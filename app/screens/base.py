"""What every screen builder receives and returns.

A screen is a pure function `build(ctx) -> ScreenBody` of the session state: no I/O, no awaiting.
It depends on the actions protocol (`app.actions.Actions`), never on the concrete session. There is
one way to give a control a handler: `ctx.on(action, *args)`, which the session runs (busy bar,
errors, render). A value a control holds when it is tapped (a typed secret, a switch) is passed as
`text_of(field)` or `checked(switch)`, read at that moment. Typing itself is activity, not an
action: `ctx.typing()` restarts the idle timer (and can keep the text, without a re-render).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import flet as ft

from app.actions import Action, Actions, ProtocolLibrary
from app.components.text import bilingual
from app.i18n import Translator
from app.state import SessionState

__all__ = ["Deferred", "Handler", "ScreenBody", "ScreenContext", "checked", "text_of"]

Handler = Callable[..., Awaitable[None]]


@dataclass
class ScreenBody:
    """A screen's content; the shell adds the title bar, quick exit, busy bar and direction."""

    controls: list[ft.Control]
    actions: list[ft.Control] = field(default_factory=list)  # pinned under the content, main action last
    respondent_facing: bool = False  # laid out in the respondent's direction instead of the officer's
    quick_exit: bool = True


@dataclass(frozen=True)
class Deferred:
    """An action argument read when the control is tapped, not when the screen is built."""

    read: Callable[[], object]


def text_of(control: ft.TextField) -> Deferred:
    """What is typed in `control` when the action runs ("" when empty)."""
    return Deferred(lambda: control.value or "")


def checked(control: ft.Switch) -> Deferred:
    """Whether `control` is on when the action runs."""
    return Deferred(lambda: bool(control.value))


@dataclass
class ScreenContext:
    state: SessionState
    officer: Translator
    respondent: Translator
    actions: Actions
    protocols: ProtocolLibrary

    def on(self, action: Action, *args: object) -> Handler:
        """The Flet event handler that runs `action(*args)` through the session."""

        async def handler(_event: object = None) -> None:
            values = [arg.read() if isinstance(arg, Deferred) else arg for arg in args]
            await self.actions.run(action, *values)

        return handler

    def typing(self, keep: Callable[[str], None] | None = None) -> Handler:
        """The handler for a text field's changes: activity for the idle lock; `keep(text)` if given.

        No update goes back to the browser per keystroke. (Async on purpose: Flet runs plain
        handlers in a thread, where the session's event loop is not reachable.)
        """

        async def handler(event: ft.Event[ft.TextField]) -> None:
            ft.context.disable_auto_update()  # type: ignore[no-untyped-call]
            self.actions.touch()
            if keep is not None:
                keep(event.control.value or "")

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
