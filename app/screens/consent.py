"""Consent (or assent for a child) before any substantive question, in the person's language.

The items come from the protocol: purpose, use, retention, withdrawal, and the rights not to answer,
to stop at any time and to restrict use. Nothing is stored until the person agrees.
"""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button, secondary_button, switch_row, tagged
from app.components.text import bilingual
from app.screens.base import ScreenBody, ScreenContext, checked
from app.spoken import consent_clips
from app.state import Screen
from app.wording import consent_wording
from waypoint.core.i18n import N_


def _spoken(ctx: ScreenContext, context: str, index: int, content: ft.Control) -> ft.Control:
    """Private answering: a consent item with its speaker button (marked once the item was heard)."""
    heard = context in ctx.state.consent_heard
    speaker = tagged(
        f"consent-play-{index}",
        ft.IconButton(
            ft.Icons.VOLUME_UP if heard else ft.Icons.PLAY_CIRCLE,
            on_click=ctx.on(ctx.actions.private.replay_consent_item, context),
            icon_size=32,
        ),
        label=ctx.respondent.gettext(N_("Play the question again")),
        button=True,
        selected=heard,
    )
    return ft.Row(
        [speaker, ft.Container(content, expand=True)],
        rtl=ctx.respondent.rtl,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def build(ctx: ScreenContext) -> ScreenBody:
    interview = ctx.actions.interview
    protocol = ctx.protocols.protocol(ctx.state.plan.protocol_id or "")
    mine = consent_wording(protocol, ctx.respondent.language)
    theirs = consent_wording(protocol, ctx.officer.language)
    r_rtl, o_rtl = ctx.respondent.rtl, ctx.officer.rtl
    title = N_("Before we talk") if mine.kind == "consent" else N_("Before we talk (for young people)")
    controls: list[ft.Control] = [ctx.both(title, size=22, key="title-consent")]
    # Private answering: every item is spoken; "agree" waits until each one was heard (or, with no
    # audio in this language, shown).
    private = ctx.state.plan.private_mode
    clips = consent_clips(protocol)[1:-2]  # the items, without title, switch and agreement
    for index, (item, officer_item) in enumerate(zip(mine.items, theirs.items, strict=True)):
        text: ft.Control = bilingual(item, officer_item, primary_rtl=r_rtl, secondary_rtl=o_rtl, size=17)
        if private:
            text = _spoken(ctx, clips[index], index, text)
        controls.append(ft.Container(text, key=f"consent-item-{index}", padding=ft.Padding.only(bottom=4)))

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
    agreement: ft.Control = bilingual(
        mine.agreement, theirs.agreement, primary_rtl=r_rtl, secondary_rtl=o_rtl, size=20
    )
    agreement_clip = f"{protocol.id}:consent.agreement"
    if private:
        agreement = _spoken(ctx, agreement_clip, len(clips), agreement)
    controls.append(agreement)

    required = {*clips, agreement_clip}
    heard = len(required & ctx.state.consent_heard)
    if private:  # how much of the consent has been heard; "agree" turns on at the end
        controls.append(
            ft.Semantics(
                identifier="consent-heard",
                label=f"{heard}/{len(required)}",
                content=ft.ProgressBar(value=heard / len(required), rtl=r_rtl),
            )
        )

    yes = ctx.respondent.gettext(N_("Yes, I agree"))
    no = ctx.respondent.gettext(N_("No"))
    agree = primary_button(
        "consent-agree",
        yes,
        ctx.on(interview.give_consent, checked(research)),
        icon=ft.Icons.CHECK,
        disabled=private and heard < len(required),
    )
    return ScreenBody(
        controls=controls,
        actions=[
            secondary_button(
                "consent-back", ctx.officer.gettext(N_("Back")), ctx.on(interview.back_to, Screen.CHECKS)
            ),
            secondary_button("consent-refuse", no, ctx.on(interview.refuse_consent), icon=ft.Icons.CLOSE),
            agree,
        ],
        respondent_facing=True,
    )
