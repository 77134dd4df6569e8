"""Rights information for the respondent: no punishment, where to get help, what happens next."""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button
from app.screens.base import ScreenBody, ScreenContext
from waypoint.core.i18n import N_

KEPT_CONFIDENTIAL = N_(
    "What you said is kept confidential. It is not shared with your employer or the people you came with."
)
ASK_TO_DELETE = N_("You can ask at any time for your answers to be deleted.")
RIGHTS = (
    N_("You will not be punished for anything you told us today."),
    KEPT_CONFIDENTIAL,
    N_(
        "You can get help if you want it: a safe place to stay, medical care, legal advice, and help to "
        "contact your family or go home. The officer can put you in touch with an organisation that helps."
    ),
    N_("You decide whether to accept help. Saying no does not change how you are treated."),
    ASK_TO_DELETE,
)
# After the person's answers were deleted nothing is kept: the screen never says it is.
AFTER_DELETION = tuple(text for text in RIGHTS if text not in (KEPT_CONFIDENTIAL, ASK_TO_DELETE))


def build(ctx: ScreenContext) -> ScreenBody:
    controls: list[ft.Control] = [ctx.both(N_("Your rights"), size=22, key="title-rights")]
    rights = AFTER_DELETION if ctx.state.deletion_receipt is not None else RIGHTS
    controls += [
        ft.Row(
            [ft.Icon(ft.Icons.CHECK, color=ft.Colors.TEAL_700), ft.Container(ctx.both(text), expand=True)],
            vertical_alignment=ft.CrossAxisAlignment.START,
            key=f"right-{index}",
            rtl=ctx.respondent.rtl,
        )
        for index, text in enumerate(rights)
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
