"""Rights information for the respondent: no punishment, where to get help, what happens next."""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button
from app.screens.base import ScreenBody, ScreenContext
from waypoint.core.i18n import N_

RIGHTS = (
    N_("You will not be punished for anything you told us today."),
    N_(
        "What you said is kept confidential. It is not shared with your employer or the people you came with."
    ),
    N_(
        "You can get help if you want it: a safe place to stay, medical care, legal advice, and help to "
        "contact your family or go home. The officer can put you in touch with an organisation that helps."
    ),
    N_("You decide whether to accept help. Saying no does not change how you are treated."),
    N_("You can ask at any time for your answers to be deleted."),
)


def build(ctx: ScreenContext) -> ScreenBody:
    controls: list[ft.Control] = [ctx.both(N_("Your rights"), size=22, key="title-rights")]
    controls += [
        ft.Row(
            [ft.Icon(ft.Icons.CHECK, color=ft.Colors.TEAL_700), ft.Container(ctx.both(text), expand=True)],
            vertical_alignment=ft.CrossAxisAlignment.START,
            key=f"right-{index}",
            rtl=ctx.respondent.rtl,
        )
        for index, text in enumerate(RIGHTS)
    ]
    return ScreenBody(
        controls=controls,
        actions=[
            primary_button(
                "rights-done", ctx.respondent.gettext(N_("Continue")), ctx.on(ctx.actions.interview.to_end)
            )
        ],
        respondent_facing=True,
    )
