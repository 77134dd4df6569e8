"""The end: thanks in the respondent's language; the officer returns to the start."""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button
from app.screens.base import ScreenBody, ScreenContext
from waypoint.core.i18n import N_


def build(ctx: ScreenContext) -> ScreenBody:
    return ScreenBody(
        controls=[
            ft.Icon(ft.Icons.FAVORITE_OUTLINE, size=56, color=ft.Colors.TEAL_700),
            ctx.both(N_("Thank you for talking with us."), size=24, key="title-end"),
        ],
        actions=[
            primary_button(
                "end-done", ctx.officer.gettext(N_("Back to the start")), ctx.on(ctx.actions.home.go_home)
            )
        ],
        respondent_facing=True,
    )
