"""After the person chose to delete their answers: a receipt they can note down (id and time).

Nothing here says that anything was kept: only a content-free record of the deletion remains.
"""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button
from app.components.text import para
from app.screens.base import ScreenBody, ScreenContext
from waypoint.core.i18n import N_


def build(ctx: ScreenContext) -> ScreenBody:
    receipt = ctx.state.deletion_receipt
    if receipt is None:
        raise RuntimeError("the deletion screen needs a receipt")
    when = ctx.respondent.format_datetime(receipt.deleted_at)
    receipt_text = ctx.respondent.gettext(N_("Deletion receipt: {id}, {time}")).format(
        id=receipt.interview_id, time=when
    )
    return ScreenBody(
        controls=[
            ft.Icon(ft.Icons.DELETE_OUTLINE, size=48, color=ft.Colors.TEAL_700),
            ctx.both(N_("Your answers have been deleted."), size=22, key="title-deleted"),
            ctx.both(
                N_(
                    "Nothing you said today is stored. Only a note that an interview was deleted remains, "
                    "with this number and time, so you can check it later."
                )
            ),
            ft.Semantics(
                identifier="deletion-receipt",
                label=receipt_text,
                content=ft.Container(
                    para(
                        receipt_text, rtl=ctx.respondent.rtl, size=16, selectable=True, key="deletion-receipt"
                    ),
                    bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                    padding=12,
                    border_radius=8,
                ),
            ),
        ],
        actions=[
            primary_button(
                "deleted-continue",
                ctx.respondent.gettext(N_("Continue")),
                ctx.on(ctx.actions.interview.to_rights),
            )
        ],
        respondent_facing=True,
    )
