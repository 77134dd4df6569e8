"""Turn the session's state into the one view on the page.

Every render replaces `page.views` with a single `ft.View` for `state.screen`: there is no view stack
and no route history, so the browser's back button and URL never reveal or restore an earlier screen.
The view is mirrored (`rtl=True`) when the language of its audience is written right to left: the
officer's language on officer screens, the respondent's on respondent screens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.components.chrome import APP_TITLE, app_bar, busy_bar, quick_exit_button
from app.components.practice_band import practice_band
from app.errors import error_banner
from app.screens import SCREENS
from app.screens.base import ScreenContext
from app.state import LOCKED_SCREENS, Screen

if TYPE_CHECKING:
    from app.session import Session

__all__ = ["MAX_CONTENT_WIDTH", "render_view"]

MAX_CONTENT_WIDTH = 640  # px: phones use their full width, tablets get a readable column


def _content_width(page: ft.Page) -> float | None:
    width = page.width
    if not width:
        return None
    return min(float(width) - 32, MAX_CONTENT_WIDTH)


def build_view(session: Session) -> ft.View:
    """The view for the session's current screen (pure: reads state, does no I/O)."""
    state = session.state
    ctx = ScreenContext(
        state=state,
        officer=session.officer,
        respondent=session.respondent,
        actions=session,
        protocols=session.services,
    )
    body = SCREENS[state.screen](ctx)
    language = ctx.respondent if body.respondent_facing else ctx.officer
    _ = language.gettext
    bar_actions: list[ft.Control] = []
    if body.quick_exit and state.screen not in LOCKED_SCREENS:
        bar_actions.append(quick_exit_button(_("Exit"), session.quick_exit))
    content = ft.Column(
        body.controls, spacing=16, rtl=language.rtl, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
    )
    scrolling = ft.Column(
        [ft.Semantics(identifier=f"screen-{state.screen.value}", container=True, content=content)],
        scroll=ft.ScrollMode.AUTO,
        expand=True,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    column: list[ft.Control] = [busy_bar(state.busy), scrolling]
    band = practice_band(ctx) if state.screen not in LOCKED_SCREENS else None
    if band is not None:  # practice: on every screen, above everything else
        column.insert(1, band)
    if state.last_error and state.screen is not Screen.NEUTRAL:
        column.append(error_banner(state.last_error, ctx.officer.rtl, language.rtl))
    if body.actions:
        *others, main = body.actions
        if others:
            column.append(ft.Row(others, spacing=8, wrap=True, run_spacing=8, rtl=language.rtl))
        column.append(ft.Row([main], rtl=language.rtl, key="screen-actions"))
    frame = ft.Container(
        ft.Column(column, expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
        width=_content_width(session.page),
        expand=True,
    )
    return ft.View(
        route=f"/{state.screen.value}",
        appbar=app_bar(bar_actions, language.rtl),
        controls=[ft.SafeArea(frame, expand=True)],
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        padding=ft.Padding.symmetric(horizontal=16, vertical=8),
        rtl=language.rtl,
        key=f"screen-{state.screen.value}",
    )


def render_view(page: ft.Page, session: Session) -> None:
    """Replace the page's view with the current screen and send the change to the client."""
    view = build_view(session)
    page.title = APP_TITLE
    page.views.clear()
    page.views.append(view)
    page.update()
