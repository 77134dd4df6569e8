"""What the quick exit shows: a plain, empty notes page that says nothing about what was on screen."""

from __future__ import annotations

import flet as ft

from app.components.tagged import text_button
from app.components.text import para
from app.screens.base import ScreenBody, ScreenContext


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    return ScreenBody(
        controls=[
            para(_("Notes"), rtl=rtl, size=22, key="title-neutral"),
            para(_("No notes yet."), rtl=rtl, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Container(height=240),
            ft.Row(
                [text_button("neutral-open", _("Open"), ctx.on(ctx.actions.locking.leave_neutral))],
                alignment=ft.MainAxisAlignment.END,
                rtl=rtl,
            ),
        ],
        quick_exit=False,
    )
