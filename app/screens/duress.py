"""The organisation's policy asks for a duress secret: the officer chooses it before going on.

Shown after the device joined an organisation from the home screen (or after an unlock, when it joined
meanwhile). There is no way past it but choosing the secret, or the quick exit: the officer cannot
weaken the organisation's policy.
"""

from __future__ import annotations

import flet as ft

from app.components.duress import duress_fields
from app.components.tagged import primary_button
from app.components.text import heading
from app.screens.base import ScreenBody, ScreenContext, text_of


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    duress, confirm, controls = duress_fields(ctx.officer, "duress")
    save = ctx.on(ctx.actions.setup.choose_duress, text_of(duress), text_of(confirm))

    return ScreenBody(
        controls=[heading(_("Your organisation's setting"), rtl=rtl, key="title-duress"), *controls],
        actions=[primary_button("duress-save", _("Save the duress secret"), save, icon=ft.Icons.LOCK)],
    )
