"""Consent (or assent for a child) before any substantive question, in the person's language.

The items come from the protocol: purpose, use, retention, withdrawal, and the rights not to answer,
to stop at any time and to restrict use. Nothing is stored until the person agrees.
"""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button, secondary_button, switch_row
from app.components.text import bilingual
from app.screens.base import ScreenBody, ScreenContext, checked
from app.state import Screen
from app.wording import consent_wording
from waypoint.core.i18n import N_


def build(ctx: ScreenContext) -> ScreenBody:
    interview = ctx.actions.interview
    protocol = ctx.protocols.protocol(ctx.state.plan.protocol_id or "")
    mine = consent_wording(protocol, ctx.respondent.language)
    theirs = consent_wording(protocol, ctx.officer.language)
    r_rtl, o_rtl = ctx.respondent.rtl, ctx.officer.rtl
    title = N_("Before we talk") if mine.kind == "consent" else N_("Before we talk (for young people)")
    controls: list[ft.Control] = [ctx.both(title, size=22, key="title-consent")]
    for index, (item, officer_item) in enumerate(zip(mine.items, theirs.items, strict=True)):
        controls.append(
            ft.Container(
                bilingual(item, officer_item, primary_rtl=r_rtl, secondary_rtl=o_rtl, size=17),
                key=f"consent-item-{index}",
                padding=ft.Padding.only(bottom=4),
            )
        )

    async def switched(event: ft.Event[ft.Switch]) -> None:
        ft.context.disable_auto_update()  # type: ignore[no-untyped-call]  # the switch shows it already
        ctx.actions.touch()
        ctx.state.keep_research_use(bool(event.control.value))

    research = ft.Switch(value=ctx.state.research_use, on_change=switched)
    statistics = N_("My answers may be used, without my name, for statistics")
    controls.append(
        switch_row(
            "consent-research-use",
            research,
            ctx.both(statistics, size=15),
            ctx.respondent.gettext(statistics),
            r_rtl,
        )
    )
    controls.append(
        bilingual(mine.agreement, theirs.agreement, primary_rtl=r_rtl, secondary_rtl=o_rtl, size=20)
    )

    yes = ctx.respondent.gettext(N_("Yes, I agree"))
    no = ctx.respondent.gettext(N_("No"))
    return ScreenBody(
        controls=controls,
        actions=[
            secondary_button(
                "consent-back", ctx.officer.gettext(N_("Back")), ctx.on(interview.back_to, Screen.CHECKS)
            ),
            secondary_button("consent-refuse", no, ctx.on(interview.refuse_consent), icon=ft.Icons.CLOSE),
            primary_button(
                "consent-agree", yes, ctx.on(interview.give_consent, checked(research)), icon=ft.Icons.CHECK
            ),
        ],
        respondent_facing=True,
    )
