"""Stop at any time: the respondent chooses whether what they said so far is kept or deleted."""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button, secondary_button
from app.screens.base import ScreenBody, ScreenContext
from waypoint.core.i18n import N_


def build(ctx: ScreenContext) -> ScreenBody:
    interview = ctx.actions.interview
    _ = ctx.respondent.gettext
    return ScreenBody(
        controls=[
            ctx.both(N_("We can stop here."), size=22, key="title-stop"),
            ctx.both(
                N_(
                    "You can stop at any time. You decide what happens to the answers you gave so far: we "
                    "keep them to help you, or we delete them now."
                )
            ),
        ],
        actions=[
            secondary_button(
                "stop-continue", _("Continue the interview"), ctx.on(interview.continue_interview)
            ),
            secondary_button(
                "stop-discard", _("Delete my answers"), ctx.on(interview.stop, False), icon=ft.Icons.DELETE
            ),
            primary_button(
                "stop-keep", _("Keep my answers"), ctx.on(interview.stop, True), icon=ft.Icons.SAVE
            ),
        ],
        respondent_facing=True,
    )
