"""The app's entry point: `create_main(config)` returns the `main(page)` Flet runs for each session.

    ft.run(create_main(AppConfig(data_dir=...)), export_asgi_app=True, no_cdn=True, assets_dir=...)

The process-wide services are built once, when `create_main` is called; each page (a browser tab, or
the phone app) gets its own `Session`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from app.components.chrome import APP_TITLE
from app.components.text import para
from app.config import AppConfig
from app.errors import error_text
from app.i18n import SHIPPED_LANGUAGES
from app.services import AppServices
from app.session import Session
from app.theme import apply_theme
from waypoint.core.errors import WaypointError

__all__ = ["create_main", "warm_up"]


def create_main(
    config: AppConfig | None = None, services: AppServices | None = None
) -> Callable[[ft.Page], Awaitable[None]]:
    """Build the process's services and return the per-session `main(page)`.

    Args:
        config: the app's settings; defaults when None.
        services: prebuilt services (tests pass their own); built from `config` when None.
    """
    services = services or AppServices(config or AppConfig())

    async def main(page: ft.Page) -> None:
        page.title = APP_TITLE
        apply_theme(page)
        page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=[ft.Locale(code) for code in SHIPPED_LANGUAGES],
            current_locale=ft.Locale(services.config.default_language),
        )
        session = Session(page, services)
        page.data = session
        try:
            await session.start()
        except WaypointError as error:  # e.g. a damaged vault file, a data folder that is not private
            _show_startup_error(page, error_text(error, session.officer), session.officer.rtl)

    return main


def warm_up(services: AppServices) -> None:
    """Pay once, before the first page connects, what the first page would otherwise wait for: the
    vault's first open and status read in this process (SQLAlchemy builds and compiles its statements
    on first use) and the screens' modules."""
    from app.device_status import read_device_status
    from app.shell import build_view  # noqa: F401 - imports every screen module

    vault = services.open_vault()
    try:
        read_device_status(vault, services.config.idle_lock_seconds)
        _ = vault.has_secret
    finally:
        vault.close()


def _show_startup_error(page: ft.Page, text: str, rtl: bool) -> None:
    """The app cannot start its session: say why and what to do, on an otherwise empty page."""
    page.controls.clear()
    page.add(ft.SafeArea(ft.Container(para(text, rtl=rtl, key="startup-error"), padding=24)))
