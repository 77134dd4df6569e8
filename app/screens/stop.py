"""Stop at any time: the respondent chooses whether what they said so far is kept or deleted.

Both choices have the same weight (same kind of button, neither preselected). Deleting asks once more,
then deletes and shows the person a receipt (`app/screens/deleted.py`); keeping shows the officer the
summary (referral needs) before the rights information.
"""

from __future__ import annotations

import flet as ft

from app.components.tagged import secondary_button
from app.screens.base import ScreenBody, ScreenContext
from waypoint.core.i18n import N_


def build(ctx: ScreenContext) -> ScreenBody:
    interview = ctx.actions.interview
    _ = ctx.respondent.gettext
    if ctx.state.confirming_discard:
        return ScreenBody(
            controls=[
                ctx.both(N_("Delete everything you said?"), size=22, key="title-stop-confirm"),
                ctx.both(N_("Your answers will be deleted now. This cannot be undone.")),
            ],
            actions=[
                secondary_button("stop-confirm-no", _("No, go back"), ctx.on(interview.ask_stop)),
                secondary_button(
                    "stop-confirm-delete",
                    _("Yes, delete my answers"),
                    ctx.on(interview.confirm_discard),
                    icon=ft.Icons.DELETE,
                ),
            ],
            respondent_facing=True,
        )
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
            secondary_button(
                "stop-keep", _("Keep my answers"), ctx.on(interview.stop, True), icon=ft.Icons.SAVE
            ),
        ],
        respondent_facing=True,
    )
