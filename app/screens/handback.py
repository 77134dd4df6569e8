"""The device goes back to the officer: the respondent is asked to hand it over; the secret takes it."""

from __future__ import annotations

import flet as ft

from app.components.secret_field import secret_field
from app.components.tagged import primary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext, text_of
from waypoint.core.i18n import N_


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl, within_rtl = ctx.officer.rtl, ctx.respondent.rtl  # the officer's part of a respondent's screen
    secret, secret_control = secret_field(
        "handback-secret", _("Officer's secret"), rtl, within_rtl=within_rtl
    )
    take_back = ctx.on(ctx.actions.private.hand_back, text_of(secret))
    secret.on_submit = take_back
    return ScreenBody(
        controls=[
            ft.Icon(ft.Icons.PHONE_ANDROID, size=64, key="handback-icon"),
            ctx.both(
                N_("Thank you. Please give the device back to the officer."), size=22, key="title-handback"
            ),
            ft.Divider(),
            heading(_("Officer"), rtl=rtl, within_rtl=within_rtl),
            para(_("Enter your secret to take the device back."), rtl=rtl, within_rtl=within_rtl),
            secret_control,
        ],
        actions=[primary_button("handback-submit", _("Take back"), take_back, icon=ft.Icons.LOCK_OPEN)],
        respondent_facing=True,
    )
