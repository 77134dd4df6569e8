"""Immediate danger: stop questioning and act (emergency numbers, protection, shelter)."""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button, secondary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext
from app.wording import emergency_wording
from screening_protocols import EmergencyStop


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    screening, step = ctx.state.screening, ctx.state.step
    if screening is None or not isinstance(step, EmergencyStop):
        raise RuntimeError("the emergency screen needs an interview")
    guidance, needs = emergency_wording(screening.protocol, step, ctx.officer.language)
    controls: list[ft.Control] = [
        ft.Icon(ft.Icons.EMERGENCY, color=ft.Colors.ERROR, size=48),
        heading(_("Stop the questions now"), rtl=rtl, key="title-emergency"),
        *[para(text, rtl=rtl, key=f"emergency-guidance-{i}") for i, text in enumerate(guidance)],
    ]
    if needs:
        controls.append(para(_("Referral needed:"), rtl=rtl, weight=ft.FontWeight.W_600))
        controls += [para(f"• {need}", rtl=rtl) for need in needs]
    return ScreenBody(
        controls=controls,
        actions=[  # the main action last
            secondary_button(
                "emergency-resume",
                _("The person is safe: continue the questions"),
                ctx.on(ctx.actions.interview.emergency_resume),
            ),
            primary_button(
                "emergency-continue",
                _("Save and see the summary"),
                ctx.on(ctx.actions.interview.emergency_continue),
            ),
        ],
    )
