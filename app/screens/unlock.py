"""Unlock (also after an idle lock, a pause or a quick exit): the secret opens the vault again."""

from __future__ import annotations

import flet as ft

from app.components.secret_field import secret_field
from app.components.tagged import primary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext
from app.state import Screen


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    session = ctx.session
    paused = ctx.state.screen is Screen.PAUSED

    async def unlock() -> None:
        await session.unlock(secret.value or "")

    secret, secret_control = secret_field(
        "unlock-secret", _("Secret"), rtl, on_submit=ctx.on(unlock), autofocus=True
    )
    if paused:
        title, explanation = _("Paused"), _("The interview is paused. Enter your secret to continue.")
    elif ctx.state.resume_interview_id:
        title, explanation = _("Locked"), _("Enter your secret to continue where you stopped.")
    else:
        title, explanation = _("Locked"), _("Enter your secret to open Waypoint.")
    return ScreenBody(
        controls=[heading(title, rtl=rtl, key="title-unlock"), para(explanation, rtl=rtl), secret_control],
        actions=[primary_button("unlock-submit", _("Unlock"), ctx.on(unlock), icon=ft.Icons.LOCK_OPEN)],
        quick_exit=False,
    )
