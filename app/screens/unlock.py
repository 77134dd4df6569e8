"""Unlock (also after an idle lock, a pause or a quick exit): the secret opens the vault again.

Honest about the vault: after wrong secrets the screen shows how long to wait, counting down, with
the field and the button off until then; it never offers a way to change the organisation's settings.
"""

from __future__ import annotations

import flet as ft

from app.components.secret_field import secret_field
from app.components.tagged import primary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext, text_of
from app.state import Screen


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    paused = ctx.state.screen is Screen.PAUSED
    wait = ctx.state.unlock_wait

    secret, secret_control = secret_field("unlock-secret", _("Secret"), rtl, autofocus=True)
    unlock = ctx.on(ctx.actions.locking.unlock, text_of(secret))
    secret.on_submit = unlock
    if paused:
        title, explanation = _("Paused"), _("The interview is paused. Enter your secret to continue.")
    elif ctx.state.resume_interview_id:
        title, explanation = _("Locked"), _("Enter your secret to continue where you stopped.")
    else:
        title, explanation = _("Locked"), _("Enter your secret to open Waypoint.")
    controls: list[ft.Control] = [heading(title, rtl=rtl, key="title-unlock"), para(explanation, rtl=rtl)]
    if wait > 0:
        text = _("Too many wrong secrets. You can try again in {time}.").format(
            time=ctx.officer.format_duration(wait)
        )
        controls.append(
            ft.Semantics(
                identifier="unlock-wait",
                label=text,
                value=str(wait),
                live_region=True,
                content=para(text, rtl=rtl, color=ft.Colors.ERROR, key="unlock-wait"),
            )
        )
    secret.disabled = wait > 0
    controls.append(secret_control)
    button = primary_button("unlock-submit", _("Unlock"), unlock, icon=ft.Icons.LOCK_OPEN)
    button.content.disabled = wait > 0  # type: ignore[attr-defined]
    return ScreenBody(controls=controls, actions=[button], quick_exit=False)
