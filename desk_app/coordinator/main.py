"""The coordinator desk's entry point: `create_desk_main(service)` returns the `main(page)` Flet runs
for each browser tab. The service (the organisation key in memory, the server connection) is one per
process; each tab has its own state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.i18n import Translator, translator
from desk_app.coordinator.controller import DeskController
from desk_app.coordinator.screens import SCREEN_TITLES, Context, build_screen
from desk_app.coordinator.state import NAVIGATION, DeskState, Screen
from desk_app.shell import NARROW_WIDTH, Destination, Frame, frame_view, prepare_page
from sync.desk.service import CoordinatorService

__all__ = ["CoordinatorDeskSession", "create_desk_main"]

ICONS = {
    Screen.CASES: ft.Icons.FOLDER_OPEN,
    Screen.REFERRALS: ft.Icons.SEND,
    Screen.DIRECTORY: ft.Icons.MENU_BOOK,
    Screen.DEVICES: ft.Icons.DEVICES,
    Screen.AUDIT: ft.Icons.HISTORY,
    Screen.EXPORTS: ft.Icons.DOWNLOAD,
    Screen.DASHBOARD: ft.Icons.BAR_CHART,
}


class CoordinatorDeskSession:
    """One browser tab of the coordinator's desk: its state, its actions, and the page drawn from them."""

    def __init__(self, page: ft.Page, service: CoordinatorService, translator: Translator) -> None:
        self.page = page
        self.t = translator
        self.state = DeskState()
        self.controller = DeskController(service, self.state, translator)
        self.state.subscribe(self.render)

    async def start(self) -> None:
        self.state.narrow = _narrow(self.page)
        self.page.on_resize = self._resized
        self.page.on_disconnect = self._closed
        self.render()
        await self.controller.open(Screen.CASES)

    def _resized(self, _event: Any) -> None:
        narrow = _narrow(self.page)
        if narrow != self.state.narrow:
            self.state.update(narrow=narrow)

    def _closed(self, _event: Any) -> None:
        self.state.forget()

    def _navigate(self, screen_id: str) -> Callable[[Any], Awaitable[None]]:
        async def handler(_event: Any) -> None:
            await self.controller.open(Screen(screen_id))

        return handler

    def frame(self) -> Frame:
        state, _ = self.state, self.t.gettext
        progress = value = None
        if state.progress is not None:
            done, total = state.progress
            progress = _("{done} of {total} opened").format(
                done=self.t.format_number(done), total=self.t.format_number(total)
            )
            value = done / total if total else None
        current = Screen.CASES if state.screen is Screen.CASE else state.screen
        return Frame(
            route=state.screen.value,
            title=_(SCREEN_TITLES[state.screen]),
            destinations=[Destination(s.value, ICONS[s], _(SCREEN_TITLES[s])) for s in NAVIGATION],
            current=current.value,
            on_navigate=self._navigate,
            busy=state.busy,
            progress=progress,
            progress_value=value,
            error=state.error,
            notice=state.notice,
            narrow=state.narrow,
            rtl=self.t.rtl,
        )

    def view(self) -> ft.View:
        return frame_view(self.frame(), build_screen(Context(self.state, self.controller, self.t)))

    def render(self) -> None:
        self.page.views.clear()
        self.page.views.append(self.view())
        self.page.update()


def _narrow(page: ft.Page) -> bool:
    return bool(page.width) and float(page.width or 0) < NARROW_WIDTH


def create_desk_main(
    service: CoordinatorService, language: str = "en"
) -> Callable[[ft.Page], Awaitable[None]]:
    """The per-tab `main(page)` of the coordinator desk over `service`, in `language`."""

    async def main(page: ft.Page) -> None:
        chosen = prepare_page(page, language)
        session = CoordinatorDeskSession(page, service, translator(chosen))
        page.data = session
        await session.start()

    return main
