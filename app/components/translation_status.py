"""How far a protocol's translation can be trusted, as the officer sees it (never the respondent).

Per protocol and language: source text, machine draft, reviewed, field-tested, or incomplete (some
strings fall back to the source language). Shown on the protocol choice screen and on the summary; a
single question whose translation is still a machine draft carries a small marker in the officer's line.
"""

from __future__ import annotations

import flet as ft

from app.components.text import para
from app.i18n import Translator
from waypoint.core.i18n import N_

__all__ = ["DRAFT_STATUSES", "draft_marker", "translation_badge"]

STATUS_LABELS = {
    "source": N_("original text"),
    "missing": N_("incomplete: some text shown in the original language"),
    "machine-draft": N_("machine draft, not yet checked by a person"),
    "reviewed": N_("reviewed by a translator"),
    "field-tested": N_("field-tested"),
}
DRAFT_STATUSES = frozenset({"missing", "machine-draft"})


def translation_badge(officer: Translator, status: str, language_name: str, key: str) -> ft.Control:
    """'Translation (Arabic): machine draft, ...' in the officer's language, amber while a draft."""
    _ = officer.gettext
    text = _("Translation ({language}): {status}").format(
        language=language_name, status=_(STATUS_LABELS.get(status, status))
    )
    draft = status in DRAFT_STATUSES
    return ft.Semantics(
        identifier=key,
        label=text,
        value=status,
        content=ft.Container(
            para(text, rtl=officer.rtl, size=13, key=key),
            bgcolor=ft.Colors.AMBER_100 if draft else ft.Colors.SURFACE_CONTAINER_HIGHEST,
            padding=8,
            border_radius=8,
        ),
    )


def draft_marker(officer: Translator, status: str, key: str) -> ft.Control | None:
    """A small marker for one string still in draft (None when it is reviewed or better)."""
    if status not in DRAFT_STATUSES:
        return None
    text = officer.gettext(N_("Draft translation"))
    return ft.Semantics(
        identifier=key,
        label=text,
        value=status,
        content=ft.Container(
            para(text, rtl=officer.rtl, size=11, key=key),
            bgcolor=ft.Colors.AMBER_100,
            padding=ft.Padding.symmetric(horizontal=6, vertical=2),
            border_radius=4,
        ),
    )
