"""Pieces both desks draw with: tagged controls (reused from the field app), cards, chips, bars.

Every control a person touches has one translation-independent identifier, as `key=` (the in-process
tests) and as the semantics identifier (`flt-semantics-identifier`, the browser tests): `tagged`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from app.components.tagged import icon_action, secondary_button, tagged, text_button
from app.components.text import para

__all__ = [
    "bar",
    "card",
    "dropdown",
    "heading",
    "icon_action",
    "labelled",
    "para",
    "secondary_button",
    "tagged",
    "text_button",
    "text_field",
]

Handler = Callable[..., Any]
BAR_WIDTH = 260  # px of the longest bar in a chart


def heading(value: str, key: str | None = None, size: int = 22) -> ft.Text:
    return para(value, size=size, weight=ft.FontWeight.W_600, key=key)


def labelled(label: str, value: str, key: str | None = None) -> ft.Control:
    """A small label above its value (a field of a record)."""
    return ft.Column(
        [para(label, size=12, color=ft.Colors.ON_SURFACE_VARIANT), para(value, key=key, selectable=True)],
        spacing=2,
    )


def card(
    controls: Sequence[ft.Control], key: str | None = None, color: ft.ColorValue | None = None
) -> ft.Control:
    return ft.Container(
        ft.Column(list(controls), spacing=8),
        padding=12,
        border_radius=12,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        bgcolor=color,
        key=key,
    )


def dropdown(
    identifier: str,
    label: str,
    options: Sequence[tuple[str, str]],
    value: str | None,
    on_select: Handler,
    width: int | None = 220,
) -> ft.Control:
    """A labelled choice among `options` (value, text); the empty value means "any" in filters."""
    control = ft.Dropdown(
        label=label,
        options=[ft.DropdownOption(key=key, text=text) for key, text in options],
        value=value,
        on_select=on_select,
        width=width,
    )
    return tagged(identifier, control, label=label)


def text_field(
    identifier: str,
    label: str,
    value: str,
    on_change: Handler,
    multiline: bool = False,
    width: int | None = None,
) -> ft.Control:
    control = ft.TextField(
        label=label, value=value, on_change=on_change, multiline=multiline, width=width, min_lines=1
    )
    return tagged(identifier, control, label=label)


def bar(label: str, value: int | None, largest: int, shown: str, key: str) -> ft.Control:
    """One bar of a chart: its label, a filled box in proportion to `value`, and the number shown
    (a suppressed cell, `value` None, draws no box and shows `shown`, e.g. "<11")."""
    width = 0 if not value or largest <= 0 else max(2, round(BAR_WIDTH * value / largest))
    box = ft.Container(width=width, height=16, bgcolor=ft.Colors.PRIMARY, border_radius=4)
    return ft.Semantics(
        identifier=key,
        label=f"{label}: {shown}",
        content=ft.Row(
            [
                ft.Container(para(label, size=13), width=180),
                box,
                para(shown, size=13, key=key),
            ],
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
    )
