"""The partner desk on a Flet page: `create_partner_main(service)` returns the `main(page)` Flet runs per tab.

    flet_web.fastapi.app(create_partner_main(desk), assets_dir=str(ASSETS_DIR), no_cdn=True, ...)

Each tab gets its own state and controller over the one shared service; the page is re-rendered from
the state on every change, and the state forgets every opened referral when the tab disconnects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.i18n import translator
from desk_app.partner.controller import PartnerController
from desk_app.partner.screens import Actions, build_view
from desk_app.partner.state import Answer, PartnerDeskState
from desk_app.shell import NARROW_WIDTH, prepare_page
from sync.desk.service import PartnerService

__all__ = ["create_partner_main"]


def _actions(controller: PartnerController) -> Actions:
    def value_of(event: Any) -> str:
        return str(getattr(event.control, "value", None) or getattr(event, "data", None) or "")

    async def refresh(_event: object = None) -> None:
        await controller.refresh()

    def open_(referral_id: str) -> Callable[..., Awaitable[None]]:
        async def handler(_event: object = None) -> None:
            await controller.open(referral_id)

        return handler

    def start(answer: Answer) -> Callable[..., None]:
        return lambda _event=None: controller.start(answer)

    async def accept(_event: object = None) -> None:
        await controller.accept()

    async def confirm(_event: object = None) -> None:
        await controller.confirm()

    return Actions(
        refresh=refresh,
        open=open_,
        back=lambda _event=None: controller.back(),
        accept=accept,
        start=start,
        cancel=lambda _event=None: controller.cancel(),
        confirm=confirm,
        type_draft=lambda event: controller.type_draft(value_of(event)),
        set_language=lambda event: controller.set_language(value_of(event)),
    )


def create_partner_main(
    service: PartnerService, language: str = "en"
) -> Callable[[ft.Page], Awaitable[None]]:
    """The per-tab `main(page)` of the partner desk over `service` (which holds the partner's keys)."""

    async def main(page: ft.Page) -> None:
        language_used = prepare_page(page, language)
        state = PartnerDeskState(
            language=language_used, narrow=bool(page.width and page.width < NARROW_WIDTH)
        )
        controller = PartnerController(service, state)
        page.data = state  # the tab's one state (what tests read)
        actions = _actions(controller)

        def render() -> None:
            view = build_view(state, translator(state.language), actions, page.width)
            page.views.clear()
            page.views.append(view)
            page.update()

        def resized(_event: object = None) -> None:
            controller.set_narrow(bool(page.width and page.width < NARROW_WIDTH))

        async def disconnected(_event: object = None) -> None:
            state.forget()

        state.subscribe(render)
        page.on_resize = resized
        page.on_disconnect = disconnected
        render()
        await asyncio.sleep(0)
        await controller.refresh()

    return main
