"""Text in any script, and the two-languages-at-once block.

Every `ft.Text` made here names the bundled script fonts as fallbacks, so Arabic, Devanagari,
Ethiopic, Thai and Burmese render offline even where a size or weight overrides the theme style.
"""

from __future__ import annotations

import flet as ft

from app.theme import FALLBACK_FONTS

__all__ = ["bilingual", "heading", "para"]


def para(
    value: str,
    *,
    rtl: bool = False,
    size: float | None = None,
    weight: ft.FontWeight | None = None,
    color: ft.ColorValue | None = None,
    key: str | None = None,
    selectable: bool = False,
) -> ft.Text:
    """A paragraph of text, aligned to the start of its own language's direction."""
    return ft.Text(
        value,
        key=key,
        rtl=rtl,
        size=size,
        weight=weight,
        color=color,
        text_align=ft.TextAlign.START,
        font_family_fallback=list(FALLBACK_FONTS),
        selectable=selectable,
    )


def heading(value: str, *, rtl: bool = False, key: str | None = None) -> ft.Text:
    return para(value, rtl=rtl, size=22, weight=ft.FontWeight.W_600, key=key)


def bilingual(
    primary: str,
    secondary: str | None,
    *,
    primary_rtl: bool,
    secondary_rtl: bool,
    size: float = 18,
    key: str | None = None,
) -> ft.Control:
    """The respondent's language large, the officer's language small beneath (omitted when the same).

    Each line keeps its own direction, so an Arabic question over a French line reads right to left and
    the French left to right.
    """
    lines: list[ft.Control] = [para(primary, rtl=primary_rtl, size=size, weight=ft.FontWeight.W_500)]
    if secondary and secondary != primary:
        lines.append(
            para(secondary, rtl=secondary_rtl, size=max(12, size * 0.7), color=ft.Colors.ON_SURFACE_VARIANT)
        )
    return ft.Column(
        lines, spacing=2, key=key, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
    )
