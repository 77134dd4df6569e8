"""The fields people type into: secrets hidden, never kept in state, never autofilled; nothing typed
is learnt by the keyboard (no autocorrection, suggestions or personalised learning)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.components.tagged import tagged
from app.theme import fallback_style

__all__ = ["secret_field", "text_field"]


def secret_field(
    identifier: str,
    label: str,
    rtl: bool,
    on_submit: Callable[..., Any] | None = None,
    autofocus: bool = False,
    within_rtl: bool = False,
) -> tuple[ft.TextField, ft.Control]:
    """A password field and its semantics wrapper; read `field.value` when the action runs.

    `within_rtl`: the field sits on a mirrored screen; for a left-to-right officer what is typed then
    still starts at the left.
    """
    field = ft.TextField(
        label=label,
        password=True,
        can_reveal_password=True,
        autocorrect=False,
        enable_suggestions=False,
        smart_dashes_type=False,
        smart_quotes_type=False,
        enable_ime_personalized_learning=False,
        rtl=rtl,
        text_align=ft.TextAlign.LEFT if within_rtl and not rtl else None,
        on_submit=on_submit,
        autofocus=autofocus,
        text_style=fallback_style(),
        label_style=fallback_style(),
    )
    return field, tagged(identifier, field, label=label, obscured=True)


def text_field(
    identifier: str,
    label: str,
    rtl: bool,
    value: str = "",
    on_change: Callable[..., Any] | None = None,
    keyboard: ft.KeyboardType = ft.KeyboardType.TEXT,
    multiline: bool = False,
    max_length: int | None = None,
) -> tuple[ft.TextField, ft.Control]:
    """A plain text field and its semantics wrapper; read `field.value` when the action runs."""
    field = ft.TextField(
        label=label,
        value=value,
        rtl=rtl,
        on_change=on_change,
        keyboard_type=keyboard,
        multiline=multiline,
        min_lines=1,
        max_lines=4 if multiline else 1,
        max_length=max_length,
        autocorrect=False,  # names, answers and notes must not enter the keyboard's dictionary
        enable_suggestions=False,
        smart_dashes_type=False,
        smart_quotes_type=False,
        enable_ime_personalized_learning=False,
        text_style=fallback_style(),
        label_style=fallback_style(),
    )
    return field, tagged(identifier, field, label=label)
