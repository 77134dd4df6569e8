"""Immediate danger: stop questioning and act (emergency numbers, protection, shelter).

The numbers to call are the organisation's, by country (`waypoint enroll create --emergency-numbers`),
never a vague "call the emergency number"; a device without them says who to ask.
"""

from __future__ import annotations

import flet as ft
from babel import Locale

from app.components.tagged import primary_button, secondary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext
from app.wording import emergency_wording
from screening_protocols import EmergencyStop


def _numbers(ctx: ScreenContext) -> list[ft.Control]:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    numbers = ctx.state.emergency_numbers
    if not numbers:
        return [
            para(
                _(
                    "Your organisation has not set emergency numbers for this device. Call your supervisor "
                    "or the local emergency services, and ask your organisation to add the numbers."
                ),
                rtl=rtl,
                weight=ft.FontWeight.W_600,
                key="emergency-numbers-missing",
            )
        ]
    controls: list[ft.Control] = [para(_("Call now:"), rtl=rtl, weight=ft.FontWeight.W_600)]
    for entry in numbers:
        country = Locale.parse(ctx.officer.language).territories.get(entry.country, entry.country)
        texts = [
            country,
            _("Emergency: {number}").format(number=entry.emergency),
            _("Duty officer: {number}").format(number=entry.duty),
        ]
        lines: list[ft.Control] = [
            para(texts[0], rtl=rtl, weight=ft.FontWeight.W_500),
            *[para(text, rtl=rtl, size=18) for text in texts[1:]],
        ]
        label = " · ".join(texts)
        controls.append(
            ft.Semantics(
                identifier=f"emergency-numbers-{entry.country}",
                label=label,
                content=ft.Container(
                    ft.Column(lines, spacing=2, tight=True, key=f"emergency-numbers-{entry.country}"),
                    bgcolor=ft.Colors.ERROR_CONTAINER,
                    padding=12,
                    border_radius=8,
                ),
            )
        )
    return controls


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
    controls += _numbers(ctx)
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
