"""The duress secret's fields and the plain explanation of what it does (set-up and duress screens)."""

from __future__ import annotations

import flet as ft

from app.components.secret_field import secret_field
from app.components.text import para
from app.i18n import Translator

__all__ = ["duress_fields"]


def duress_fields(officer: Translator, prefix: str) -> tuple[ft.TextField, ft.TextField, list[ft.Control]]:
    """The duress secret twice, under what it is for; identifiers `<prefix>-duress(-confirm)`.

    Returns:
        The two fields (read their values when the action runs) and the controls to show.
    """
    _ = officer.gettext
    rtl = officer.rtl
    duress, duress_control = secret_field(f"{prefix}-duress", _("Duress secret"), rtl)
    confirm, confirm_control = secret_field(
        f"{prefix}-duress-confirm", _("The same duress secret again"), rtl
    )
    controls: list[ft.Control] = [
        para(_("Duress secret"), rtl=rtl, weight=ft.FontWeight.W_600, key=f"{prefix}-duress-title"),
        para(
            _(
                "Your organisation asks for a second secret, for your safety. If someone forces you to "
                "open the app, type this duress secret instead of your own: the app then opens empty and "
                "shows none of your interviews. Choose one that is different from your own secret, and "
                "keep it to yourself."
            ),
            rtl=rtl,
            key=f"{prefix}-duress-help",
        ),
        duress_control,
        confirm_control,
    ]
    return duress, confirm, controls
