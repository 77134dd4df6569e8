"""The frame around every desk screen: the navigation (a rail at desktop width, a scrolling bar on a
phone-sized window), the busy bar with progress, the error banner and the last action's notice.

Both desks use it; each passes its own destinations. At 412 px the rail's labels would not fit beside
the content, so the same buttons line up in one row above it instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import flet as ft

from app.components.chrome import APP_TITLE
from app.components.text import para
from app.errors import error_banner
from app.i18n import SHIPPED_LANGUAGES
from app.theme import apply_theme
from desk_app.components import tagged

__all__ = ["NARROW_WIDTH", "Destination", "Frame", "frame_view", "prepare_page"]

NARROW_WIDTH = 700  # px: below this the rail becomes a bar
RAIL_WIDTH = 200


@dataclass(frozen=True)
class Destination:
    """One entry of the navigation: its identifier (`nav-<id>`), icon and translated label."""

    id: str
    icon: ft.IconData
    label: str


@dataclass(frozen=True)
class Frame:
    """What the frame shows around a screen's content."""

    route: str
    title: str
    destinations: Sequence[Destination]
    current: str | None
    on_navigate: Callable[[str], Callable[..., Any]]
    busy: bool = False
    progress: str | None = None  # "12 of 40 opened" while long work runs
    progress_value: float | None = None  # 0..1, None: indeterminate
    error: str | None = None
    notice: str | None = None
    narrow: bool = False
    rtl: bool = False


def _nav_button(
    destination: Destination, selected: bool, on_click: Callable[..., Any], narrow: bool
) -> ft.Control:
    kind = ft.FilledTonalButton if selected else ft.TextButton
    button = kind(
        content=destination.label,
        icon=destination.icon,
        on_click=on_click,
        style=ft.ButtonStyle(
            padding=ft.Padding.symmetric(horizontal=14, vertical=14),
            alignment=ft.Alignment.CENTER_LEFT,
        ),
        width=None if narrow else RAIL_WIDTH - 16,
    )
    return tagged(f"nav-{destination.id}", button, label=destination.label, button=True, selected=selected)


def _navigation(frame: Frame) -> ft.Control:
    buttons = [
        _nav_button(d, d.id == frame.current, frame.on_navigate(d.id), frame.narrow)
        for d in frame.destinations
    ]
    if frame.narrow:
        bar = ft.Row(buttons, scroll=ft.ScrollMode.AUTO, spacing=4, key="nav-bar", rtl=frame.rtl)
        return ft.Semantics(identifier="nav-bar", container=True, content=bar)
    rail = ft.Container(
        ft.Column(buttons, spacing=4, scroll=ft.ScrollMode.AUTO),
        width=RAIL_WIDTH,
        padding=ft.Padding.only(top=8, left=8, right=8),
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        key="nav-rail",
    )
    return ft.Semantics(identifier="nav-rail", container=True, content=rail)


def _busy(frame: Frame) -> ft.Control:
    if not frame.busy and frame.progress is None:
        return ft.Container(height=4, key="idle")
    parts: list[ft.Control] = [ft.ProgressBar(value=frame.progress_value, height=4, key="busy")]
    if frame.progress is not None:
        parts.append(para(frame.progress, size=13, key="progress"))
    return ft.Semantics(
        identifier="busy", label=frame.progress or "…", live_region=True, content=ft.Column(parts)
    )


def _notice(text: str, rtl: bool) -> ft.Control:
    return ft.Semantics(
        identifier="notice",
        label=text,
        live_region=True,
        content=ft.Container(
            para(text, rtl=rtl, key="notice"),
            bgcolor=ft.Colors.SECONDARY_CONTAINER,
            padding=10,
            border_radius=8,
        ),
    )


def frame_view(frame: Frame, content: Sequence[ft.Control]) -> ft.View:
    """The whole page: title bar, navigation, messages, then the screen's content (scrolling)."""
    messages: list[ft.Control] = [_busy(frame)]
    if frame.error:
        messages.append(error_banner(frame.error, frame.rtl, frame.rtl))
    if frame.notice:
        messages.append(_notice(frame.notice, frame.rtl))
    body = ft.Column(
        [*messages, para(frame.title, size=24, weight=ft.FontWeight.W_600, key="screen-title"), *content],
        spacing=12,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
        key=f"screen-{frame.route}",
    )
    screen = ft.Semantics(identifier=f"screen-{frame.route}", container=True, content=body, expand=True)
    padded = ft.Container(screen, padding=16, expand=True)
    if frame.narrow:
        layout: ft.Control = ft.Column([_navigation(frame), padded], expand=True, spacing=0)
    else:
        layout = ft.Row(
            [_navigation(frame), padded],
            expand=True,
            spacing=0,
            rtl=frame.rtl,
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
        )
    return ft.View(
        route=f"/{frame.route}",
        appbar=ft.AppBar(title=ft.Text(APP_TITLE, key="app-title"), automatically_imply_leading=False),
        controls=[layout],
        padding=0,
    )


def prepare_page(page: ft.Page, language: str) -> str:
    """Title, fonts, theme and locale of a desk's tab, as the field app sets them; the language used
    (a language without a catalog falls back to English)."""
    language = language if language in SHIPPED_LANGUAGES else "en"
    page.title = APP_TITLE
    apply_theme(page)
    page.locale_configuration = ft.LocaleConfiguration(
        supported_locales=[ft.Locale(code) for code in SHIPPED_LANGUAGES],
        current_locale=ft.Locale(language),
    )
    return language
