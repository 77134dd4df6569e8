"""First start: join the organisation (paste the enrollment code) and choose the secret."""

from __future__ import annotations

import flet as ft

from app.components.secret_field import secret_field, text_field
from app.components.tagged import primary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    session = ctx.session
    secret, secret_control = secret_field("setup-secret", _("New secret (passphrase)"), rtl, autofocus=True)
    confirm, confirm_control = secret_field("setup-confirm", _("The same secret again"), rtl)
    code, code_control = text_field(
        "setup-enrollment-code", _("Enrollment code from your organisation (optional)"), rtl, multiline=True
    )

    async def create() -> None:
        await session.create_vault(secret.value or "", confirm.value or "", code.value or "")

    return ScreenBody(
        controls=[
            heading(_("Set up this device"), rtl=rtl, key="title-setup"),
            para(
                _(
                    "Choose a secret only you know. It protects every interview on this device and is "
                    "needed to open the app. It cannot be recovered if you forget it."
                ),
                rtl=rtl,
            ),
            secret_control,
            confirm_control,
            ft.Divider(),
            para(
                _(
                    "To send finished interviews to your organisation, paste the enrollment code your "
                    "coordinator gave you. You can also do this later."
                ),
                rtl=rtl,
            ),
            code_control,
        ],
        actions=[primary_button("setup-create", _("Create secret"), ctx.on(create), icon=ft.Icons.LOCK)],
        quick_exit=False,
    )
