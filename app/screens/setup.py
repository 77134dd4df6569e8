"""First start, in two steps: the enrollment code (paste it, or choose a picture of its QR image),
then the secret, and the duress secret when the organisation's policy asks for one.

A device enrolled before the app first starts (`waypoint run`, or `waypoint enroll join` without a
vault) skips the first step and says which organisation server it sends to. After the organisation's
wrong-secret limit erased the vault, the screen says so and what to do.
"""

from __future__ import annotations

import flet as ft

from app.components.duress import duress_fields
from app.components.secret_field import secret_field, text_field
from app.components.tagged import primary_button, secondary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext, text_of


def _wiped_notice(ctx: ScreenContext) -> list[ft.Control]:
    _ = ctx.officer.gettext
    if not ctx.state.vault_wiped:
        return []
    text = _(
        "The secret was entered wrongly too many times, so this device erased its interviews, as your "
        "organisation decided. They cannot be recovered. Interviews already sealed will still be sent. "
        "Set the device up again below, and tell your coordinator."
    )
    return [
        ft.Semantics(
            identifier="vault-wiped",
            label=text,
            content=ft.Container(
                para(text, rtl=ctx.officer.rtl, key="vault-wiped"),
                bgcolor=ft.Colors.ERROR_CONTAINER,
                padding=12,
                border_radius=8,
            ),
        )
    ]


def _code_step(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    setup = ctx.actions.setup
    code, code_control = text_field(
        "setup-enrollment-code", _("Enrollment code from your organisation (optional)"), rtl, multiline=True
    )

    return ScreenBody(
        controls=[
            heading(_("Set up this device"), rtl=rtl, key="title-setup"),
            *_wiped_notice(ctx),
            para(
                _(
                    "To send finished interviews to your organisation, paste the enrollment code your "
                    "coordinator gave you. You can also do this later."
                ),
                rtl=rtl,
            ),
            code_control,
            para(_("Or choose a photo of the code's QR image."), rtl=rtl),
            secondary_button(
                "setup-scan",
                _("Choose a photo of the QR code"),
                ctx.on(setup.scan_code),
                icon=ft.Icons.QR_CODE,
            ),
        ],
        actions=[
            secondary_button("setup-skip", _("Continue without a code"), ctx.on(setup.accept_code, "")),
            primary_button(
                "setup-code-continue",
                _("Continue"),
                ctx.on(setup.accept_code, text_of(code)),
                icon=ft.Icons.ARROW_FORWARD,
            ),
        ],
        quick_exit=False,
    )


def _secret_step(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    setup = ctx.actions.setup
    state = ctx.state
    secret, secret_control = secret_field("setup-secret", _("New secret (passphrase)"), rtl, autofocus=True)
    confirm, confirm_control = secret_field("setup-confirm", _("The same secret again"), rtl)
    controls: list[ft.Control] = [
        heading(_("Set up this device"), rtl=rtl, key="title-setup"),
        *_wiped_notice(ctx),
    ]
    if state.enrolled_server:
        controls.append(
            para(
                _("This device sends finished interviews to your organisation at {server}.").format(
                    server=state.enrolled_server
                ),
                rtl=rtl,
                key="setup-enrolled",
            )
        )
    controls += [
        para(
            _(
                "Choose a secret only you know. It protects every interview on this device and is "
                "needed to open the app. It cannot be recovered if you forget it."
            ),
            rtl=rtl,
        ),
        secret_control,
        confirm_control,
    ]
    duress = duress_confirm = None
    if state.duress_required:
        duress, duress_confirm, duress_controls = duress_fields(ctx.officer, "setup")
        controls += [ft.Divider(), *duress_controls]

    duress_values = [text_of(duress), text_of(duress_confirm)] if duress and duress_confirm else []
    create = ctx.on(setup.create_vault, text_of(secret), text_of(confirm), *duress_values)
    actions: list[ft.Control] = []
    if not state.enrolled_server:
        label = _("Change the enrollment code") if state.setup_code else _("Add an enrollment code")
        actions.append(secondary_button("setup-back", label, ctx.on(setup.back_to_code)))
    actions.append(primary_button("setup-create", _("Create secret"), create, icon=ft.Icons.LOCK))
    return ScreenBody(controls=controls, actions=actions, quick_exit=False)


def build(ctx: ScreenContext) -> ScreenBody:
    if ctx.state.enrolled_server or ctx.state.setup_code_step_done:
        return _secret_step(ctx)
    return _code_step(ctx)
