"""The answer area of a question, by kind: option buttons, ticks, or a short field.

Choosing marks the option (filled); Next sends it. The chosen value lives in the session state, so a
re-render (busy bar, language) keeps it; nothing here saves anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.components.secret_field import text_field
from app.components.tagged import secondary_button
from app.wording import QuestionWording
from screening_protocols import Audience, Question

if TYPE_CHECKING:
    from app.screens.base import ScreenContext

__all__ = ["answer_input"]


def _bilingual_label(mine: str, theirs: str) -> str:
    return mine if mine == theirs else f"{mine} · {theirs}"


def answer_input(
    ctx: ScreenContext, question: Question, mine: QuestionWording, theirs: QuestionWording
) -> ft.Control:
    _ = ctx.officer.gettext
    interview = ctx.actions.interview
    selection = ctx.state.selection
    kind = str(question.kind)
    rtl = ctx.officer.rtl if question.audience is Audience.OFFICER else ctx.respondent.rtl
    officer_labels = {o.value: o.label for o in theirs.options}
    if kind in ("yes_no", "single_choice"):
        buttons = [
            secondary_button(
                f"answer-{option.value}",
                _bilingual_label(option.label, officer_labels.get(option.value, option.label)),
                ctx.on(interview.select, option.value),
                selected=selection == option.value,
            )
            for option in mine.options
        ]
        return ft.Column(
            buttons, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, key="answers"
        )
    if kind == "multiple_choice":
        chosen = selection if isinstance(selection, tuple) else ()
        buttons = [
            secondary_button(
                f"answer-{option.value}",
                _bilingual_label(option.label, officer_labels.get(option.value, option.label)),
                ctx.on(interview.toggle, option.value, option.exclusive),
                icon=ft.Icons.CHECK_BOX if option.value in chosen else ft.Icons.CHECK_BOX_OUTLINE_BLANK,
                selected=option.value in chosen,
            )
            for option in mine.options
        ]
        return ft.Column(
            buttons, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, key="answers"
        )
    if kind == "info":
        return ft.Container(key="answers")
    keyboard = {"number": ft.KeyboardType.NUMBER, "date": ft.KeyboardType.DATETIME}.get(
        kind, ft.KeyboardType.TEXT
    )
    hint = {"date": "YYYY-MM-DD"}.get(kind, "")

    field, control = text_field(
        "answer-field",
        _("Answer") + (f" ({hint})" if hint else ""),
        rtl,
        value=selection if isinstance(selection, str) else "",
        on_change=ctx.typing(interview.remember_typed),
        keyboard=keyboard,
    )
    del field
    return control
