"""Look and feel: bundled Noto fonts for every shipped script, a calm colour scheme, big tap targets.

With no CDN, Flutter web cannot fetch its fallback fonts and draws boxes for scripts Roboto lacks, so
the app registers the Noto fonts in `waypoint/assets/fonts/` and names them as fallbacks on every text style
(`ft.Theme` has no `font_family_fallback` of its own; see shared docs flet.md §4).
"""

from __future__ import annotations

import flet as ft

__all__ = ["BASE_FONT", "FALLBACK_FONTS", "MIN_TAP", "apply_theme", "fallback_style"]

BASE_FONT = "NotoSans"
FALLBACK_FONTS = (
    "NotoSansArabic",
    "NotoSansDevanagari",
    "NotoSansEthiopic",
    "NotoSansThai",
    "NotoSansMyanmar",
)
MIN_TAP = 48  # px: the smallest tap target on any control a person touches
SEED_COLOR = ft.Colors.TEAL


def fallback_style(**kwargs: object) -> ft.TextStyle:
    """A text style that falls back to the bundled script fonts."""
    return ft.TextStyle(font_family_fallback=list(FALLBACK_FONTS), **kwargs)  # type: ignore[arg-type]


def _theme() -> ft.Theme:
    style = fallback_style()
    text_theme = ft.TextTheme(
        **{
            f"{group}_{size}": style
            for group in ("display", "headline", "title", "body", "label")
            for size in ("large", "medium", "small")
        }
    )
    return ft.Theme(
        color_scheme_seed=SEED_COLOR,
        font_family=BASE_FONT,
        text_theme=text_theme,
        primary_text_theme=text_theme,
        use_material3=True,
        # In a desktop browser Flutter picks the compact density: buttons 32 px tall, icon buttons 40.
        # The standard density keeps every tap target at 48 px, as on a phone.
        visual_density=ft.VisualDensity.STANDARD,
    )


def apply_theme(page: ft.Page) -> None:
    """Register the bundled fonts and set the light theme (dark mode is not offered: screens are shared)."""
    page.fonts = {name: f"fonts/{name}-Regular.ttf" for name in (BASE_FONT, *FALLBACK_FONTS)}
    page.theme = _theme()
    page.theme_mode = ft.ThemeMode.LIGHT
