"""The one place a `WaypointError` becomes a message on screen, in the officer's language.

Screens never build error text themselves: an action that fails raises a `WaypointError` (from the
engine, the vault or sync); the session keeps `error_text` in its state and the shell shows it
in `error_banner`, above the screen's buttons. Anything else is a bug: the person
sees the generic message, and the details go to the log without any respondent data (exception
messages in this project never carry answers; see waypoint/core/errors.py).
"""

from __future__ import annotations

import logging
import traceback

import flet as ft

from app.components.text import para
from app.i18n import Translator
from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = [
    "ChoiceMissingError",
    "DuressMissingError",
    "SecretMismatchError",
    "error_banner",
    "error_text",
]

log = logging.getLogger(__name__)
ERROR_KEY = "error-message"


class SecretMismatchError(WaypointError):
    """The secret and its confirmation differ."""

    code = "WP-APP-001"
    what = N_("The two secrets are not the same.")
    todo = N_("Type the same secret in both fields.")


class DuressMissingError(WaypointError):
    """The organisation's policy requires a duress secret and none was typed."""

    code = "WP-APP-002"
    what = N_("Your organisation asks for a duress secret on this device.")
    todo = N_("Choose a second secret, different from your own, and type it in both duress fields.")


class ChoiceMissingError(WaypointError):
    """A required choice on a screen was left empty; `choice` names it (a translated label, not data)."""

    code = "WP-APP-003"
    what = N_("Something on this screen still needs an answer.")
    todo = N_("Choose an option for each question marked on the screen, then continue.")


def error_text(exc: BaseException, translator: Translator) -> str:
    """The translated what-happened-and-what-to-do message for `exc`."""
    if isinstance(exc, WaypointError):
        # The code and the class only: enough to look the error up (docs/errors.md), nothing said.
        log.info("error shown: %s %s", exc.code, type(exc).__name__)
        return exc.coded_message(translator.gettext)
    # Only the type and the frames: a foreign exception's message might quote what it was given.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unexpected %s in the app\n%s", type(exc).__name__, frames)
    return WaypointError().coded_message(translator.gettext)


def error_banner(text: str, rtl: bool, within_rtl: bool) -> ft.Control:
    """The message of the last failed action, in the screen's layout just above its buttons: it wraps,
    and pushes the content up rather than covering the main button as a snack bar would. `rtl`: the
    message's language (the officer's); `within_rtl`: the screen's direction."""
    return ft.Semantics(
        identifier=ERROR_KEY,
        label=text,
        live_region=True,
        content=ft.Container(
            ft.Row(
                [
                    ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ON_ERROR_CONTAINER),
                    ft.Container(
                        para(
                            text,
                            rtl=rtl,
                            color=ft.Colors.ON_ERROR_CONTAINER,
                            key=ERROR_KEY,
                            within_rtl=within_rtl,
                        ),
                        expand=True,
                    ),
                ],
                rtl=within_rtl,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
            bgcolor=ft.Colors.ERROR_CONTAINER,
            padding=10,
            border_radius=8,
        ),
    )
