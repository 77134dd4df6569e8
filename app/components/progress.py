"""How far along the interview is, without naming the topic of the question."""

from __future__ import annotations

import flet as ft

from app.components.text import para
from app.i18n import Translator

__all__ = ["progress_header"]


def progress_header(
    position: int, estimated_total: int, respondent: Translator, officer: Translator
) -> ft.Control:
    total = max(estimated_total, position, 1)
    _ = respondent.gettext
    label = _("Question {position} of about {total}").format(
        position=respondent.format_number(position), total=respondent.format_number(total)
    )
    return ft.Semantics(
        identifier="progress",
        label=label,
        value=f"{position}/{total}",
        content=ft.Column(
            [
                para(
                    label,
                    rtl=respondent.rtl,
                    size=14,
                    color=ft.Colors.ON_SURFACE_VARIANT,
                    key="progress-label",
                ),
                ft.ProgressBar(value=min(position / total, 1.0), rtl=respondent.rtl, key="progress-bar"),
            ],
            spacing=4,
            tight=True,
        ),
    )
