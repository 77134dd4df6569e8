"""Controls people touch, each with a stable identifier and a spoken label.

Every interactive control gets the same translation-independent name twice: `key=` (what the in-process
view tests find) and `ft.Semantics(identifier=...)` (the `flt-semantics-identifier` attribute the
browser tests click). The visible text doubles as the semantics label, so screen readers say it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from app.theme import MIN_TAP

__all__ = [
    "choice_group",
    "icon_action",
    "primary_button",
    "secondary_button",
    "switch_row",
    "tagged",
    "text_button",
]

Handler = Callable[..., Any]
SWITCH_WIDTH = 60


def tagged(identifier: str, control: ft.Control, label: str | None = None, **semantics: Any) -> ft.Semantics:
    """Give `control` the key and semantics identifier `identifier` and, optionally, a spoken label."""
    control.key = identifier
    return ft.Semantics(identifier=identifier, label=label, content=control, **semantics)


def _style(vertical: int = 14) -> ft.ButtonStyle:
    """Padding instead of a fixed height: a label that wraps (Burmese, Amharic) makes the button taller
    instead of being cut; one line of label text (20 px) plus the padding is at least 48 px."""
    return ft.ButtonStyle(
        padding=ft.Padding.symmetric(horizontal=20, vertical=vertical),
        shape=ft.RoundedRectangleBorder(radius=12),
    )


def primary_button(
    identifier: str, text: str, on_click: Handler, icon: ft.IconData | None = None, disabled: bool = False
) -> ft.Control:
    """The screen's main action: filled, full width, at least 48 px tall (52 for one line)."""
    button = ft.FilledButton(
        content=text, icon=icon, on_click=on_click, style=_style(vertical=16), disabled=disabled
    )
    return tagged(identifier, button, label=text, button=True, expand=True)


def secondary_button(
    identifier: str, text: str, on_click: Handler, icon: ft.IconData | None = None, selected: bool = False
) -> ft.Control:
    """Another action (outlined), or a chosen option (filled tonal when `selected`)."""
    kind = ft.FilledTonalButton if selected else ft.OutlinedButton
    button = kind(content=text, icon=icon, on_click=on_click, style=_style())
    return tagged(identifier, button, label=text, button=True, selected=selected)


def text_button(identifier: str, text: str, on_click: Handler, icon: ft.IconData | None = None) -> ft.Control:
    button = ft.TextButton(content=text, icon=icon, on_click=on_click, style=_style())
    return tagged(identifier, button, label=text, button=True)


def icon_action(
    identifier: str, icon: ft.IconData, label: str, on_click: Handler, size: int = 24
) -> ft.Control:
    """An icon-only button; `label` is its tooltip and what a screen reader says."""
    button = ft.IconButton(
        icon=icon,
        icon_size=size,
        tooltip=label,
        on_click=on_click,
        width=max(MIN_TAP, size + 24),
        height=max(MIN_TAP, size + 24),
    )
    return tagged(identifier, button, label=label, button=True)


def choice_group(
    prefix: str,
    options: Sequence[tuple[str, str]],
    selected: str | None,
    on_select: Callable[[str], Handler],
    rtl: bool = False,
) -> ft.Control:
    """A set of large option buttons; the chosen one is filled. Identifiers are `<prefix>-<value>`.

    `on_select(value)` gives each button its handler (`lambda v: ctx.on(action, v)`).
    """
    buttons = [
        secondary_button(f"{prefix}-{value}", label, on_select(value), selected=value == selected)
        for value, label in options
    ]
    return ft.Row(buttons, wrap=True, spacing=8, run_spacing=8, rtl=rtl)


def switch_row(identifier: str, switch: ft.Switch, words: ft.Control, label: str, rtl: bool) -> ft.Control:
    """A switch and what it means: the switch first (at the right in a mirrored screen), the words
    beside it taking the rest of the line and wrapping, so a long label never pushes the switch off
    screen. The switch keeps its own 48 px tap target; `label` is what a screen reader says."""
    switch.label = None
    switch.height = MIN_TAP  # a browser's switch is 40 px tall: its tap target is made 48 px
    switch.width = SWITCH_WIDTH
    return ft.Row(
        [
            tagged(identifier, switch, label=label, toggled=bool(switch.value)),
            ft.Container(words, expand=True),
        ],
        rtl=rtl,
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
        key=f"{identifier}-row",
    )
