"""The band every practice screen carries: unmistakable colour and words, and the scripted reply.

The trainee is the officer, so the band speaks the officer's language and follows its direction.
On a question it also shows what the made-up person replies, and offers a break (a safety step).
"""

from __future__ import annotations

import flet as ft

from app.components.tagged import text_button
from app.components.text import para
from app.practice import scripted_reply
from app.screens.base import ScreenContext
from app.state import Screen
from screening_protocols import AskQuestion

__all__ = ["BAND_ID", "practice_band"]

BAND_ID = "practice-band"
BAND_COLOUR = "#FFD54F"  # amber: unlike any colour a real screen uses
BAND_TEXT_COLOUR = "#3E2723"


def practice_band(ctx: ScreenContext) -> ft.Control | None:
    """The band, or None outside practice (the case list is practice too)."""
    run = ctx.state.practice
    if run is None and ctx.state.screen is not Screen.PRACTICE:
        return None
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    title = _("Practice — nothing is saved")
    lines: list[ft.Control] = [
        para(
            title,
            rtl=rtl,
            size=16,
            weight=ft.FontWeight.W_700,
            color=BAND_TEXT_COLOUR,
            key="practice-band-title",
        )
    ]
    step = ctx.state.step
    if run is not None and ctx.state.screening is not None and isinstance(step, AskQuestion):
        reply = scripted_reply(run.case, step.question.id, ctx.officer)
        said = _("The person replies: {reply}").format(reply=reply)
        lines.append(para(said, rtl=rtl, color=BAND_TEXT_COLOUR, key="practice-reply"))
        lines.append(
            text_button("practice-break", _("Offer a break"), ctx.on(ctx.actions.practice.offer_break))
        )
    return ft.Semantics(
        identifier=BAND_ID,
        label=title,
        container=True,
        content=ft.Container(
            ft.Column(lines, spacing=4, rtl=rtl, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            bgcolor=BAND_COLOUR,
            border=ft.Border.all(3, BAND_TEXT_COLOUR),
            border_radius=8,
            padding=ft.Padding.symmetric(horizontal=12, vertical=8),
            key=BAND_ID,
        ),
    )
