"""Text in any script, and the two-languages-at-once block.

Every `ft.Text` made here names the bundled script fonts as fallbacks, so Arabic, Devanagari,
Ethiopic, Thai and Burmese render offline even where a size or weight overrides the theme style.

Each text keeps its own direction. Flet can only switch a control to right-to-left (`rtl=True`); a
left-to-right line inside a mirrored (right-to-left) screen inherits the screen's direction, and its
end punctuation jumps to the start ("?Is the person alone"). So such a line is aligned left and
wrapped in left-to-right marks (`ltr_isolated`), which keep its punctuation where an LTR reader expects.
"""

from __future__ import annotations

import flet as ft

from app.theme import FALLBACK_FONTS

__all__ = ["LRM", "bilingual", "for_officer", "heading", "ltr_isolated", "para"]

LRM = "\u200e"  # LEFT-TO-RIGHT MARK: invisible, strongly left-to-right


def ltr_isolated(value: str) -> str:
    """`value` between left-to-right marks: its neutral characters (punctuation, brackets, bullets)
    then resolve left to right even in a right-to-left paragraph."""
    return f"{LRM}{value}{LRM}" if value else value


def para(
    value: str,
    *,
    rtl: bool = False,
    size: float | None = None,
    weight: ft.FontWeight | None = None,
    color: ft.ColorValue | None = None,
    key: str | None = None,
    selectable: bool = False,
    within_rtl: bool = False,
) -> ft.Text:
    """A paragraph of text, aligned to the start of its own language's direction.

    `within_rtl`: the text sits on a mirrored screen; a left-to-right text is then aligned left and
    kept left to right (module docstring).
    """
    ltr_in_rtl = within_rtl and not rtl
    return ft.Text(
        ltr_isolated(value) if ltr_in_rtl else value,
        key=key,
        rtl=rtl,
        size=size,
        weight=weight,
        color=color,
        text_align=ft.TextAlign.LEFT if ltr_in_rtl else ft.TextAlign.START,
        font_family_fallback=list(FALLBACK_FONTS),
        selectable=selectable,
    )


def heading(value: str, *, rtl: bool = False, key: str | None = None, within_rtl: bool = False) -> ft.Text:
    return para(value, rtl=rtl, size=22, weight=ft.FontWeight.W_600, key=key, within_rtl=within_rtl)


def for_officer(label: str, content: ft.Control, *, rtl: bool, within_rtl: bool, key: str) -> ft.Control:
    """Officer-only words on a screen the respondent may see: small, on a tinted panel under the label
    `label` ("For the officer"), in the officer's language and direction."""
    return ft.Container(
        ft.Column(
            [
                para(
                    label,
                    rtl=rtl,
                    size=12,
                    weight=ft.FontWeight.W_600,
                    color=ft.Colors.ON_SURFACE_VARIANT,
                    within_rtl=within_rtl,
                    key=f"{key}-label",
                ),
                content,
            ],
            spacing=4,
            tight=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
        key=key,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
        padding=10,
        border_radius=8,
    )


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
    the French left to right. The block sits on a screen laid out in the primary (respondent's)
    direction.
    """
    lines: list[ft.Control] = [para(primary, rtl=primary_rtl, size=size, weight=ft.FontWeight.W_500)]
    if secondary and secondary != primary:
        lines.append(
            para(
                secondary,
                rtl=secondary_rtl,
                size=max(12, size * 0.7),
                color=ft.Colors.ON_SURFACE_VARIANT,
                within_rtl=primary_rtl,
            )
        )
    return ft.Column(
        lines, spacing=2, key=key, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
    )
