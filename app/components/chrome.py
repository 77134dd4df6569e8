"""The frame around every screen: a neutral title bar with the quick-exit control, and the busy bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.components.tagged import tagged
from app.theme import MIN_TAP

__all__ = ["APP_TITLE", "QUICK_EXIT_ID", "app_bar", "busy_bar", "quick_exit_button"]

APP_TITLE = "Waypoint"  # the only name a respondent or onlooker ever sees: neutral on purpose
QUICK_EXIT_ID = "quick-exit"


def quick_exit_button(label: str, on_exit: Callable[..., Any]) -> ft.Control:
    """The always-visible exit: one tap swaps to the neutral screen and locks the vault."""
    button = ft.FilledTonalButton(
        content=label,
        icon=ft.Icons.CLOSE,
        on_click=on_exit,
        style=ft.ButtonStyle(
            shape=ft.RoundedRectangleBorder(radius=24),
            padding=ft.Padding.symmetric(horizontal=16, vertical=(MIN_TAP - 20) // 2),
        ),
    )
    return tagged(QUICK_EXIT_ID, button, label=label, button=True)


def app_bar(actions: list[ft.Control], rtl: bool) -> ft.AppBar:
    return ft.AppBar(
        title=ft.Text(APP_TITLE, key="app-title"),
        automatically_imply_leading=False,
        actions=[*actions, ft.Container(width=8)],
        toolbar_height=64,
        rtl=rtl,
    )


def busy_bar(busy: bool) -> ft.Control:
    """A thin progress bar shown while slow work (unlocking, sealing, sending) runs off the event loop."""
    if not busy:
        return ft.Container(height=4, key="idle")
    return ft.Semantics(identifier="busy", label="…", content=ft.ProgressBar(height=4, key="busy"))
