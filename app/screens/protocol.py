"""Choose the protocol, the respondent's language and the officer's language (chosen separately)."""

from __future__ import annotations

import flet as ft

from app.components.tagged import choice_group, primary_button, secondary_button
from app.components.text import heading, para
from app.components.translation_status import translation_badge
from app.i18n import SHIPPED_LANGUAGES, language_name
from app.screens.base import ScreenBody, ScreenContext
from app.wording import protocol_languages, protocol_title, translation_level


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    interview = ctx.actions.interview
    plan = ctx.state.plan
    protocols = ctx.protocols.protocols()
    controls: list[ft.Control] = [
        heading(_("New screening"), rtl=rtl, key="title-protocol"),
        para(_("Questionnaire"), rtl=rtl, weight=ft.FontWeight.W_500),
        choice_group(
            "protocol",
            [(p.id, protocol_title(p, ctx.officer.language)) for p in protocols],
            plan.protocol_id,
            lambda value: ctx.on(interview.choose_protocol, value),
            rtl=rtl,
        ),
    ]
    if plan.protocol_id:
        protocol = ctx.protocols.protocol(plan.protocol_id)
        controls += [
            para(_("The person's language"), rtl=rtl, weight=ft.FontWeight.W_500),
            choice_group(
                "respondent-language",
                [(code, language_name(code)) for code in protocol_languages(protocol)],
                plan.respondent_language,
                lambda value: ctx.on(interview.choose_respondent_language, value),
            ),
        ]
        if plan.respondent_language:
            level = translation_level(protocol, plan.respondent_language)
            name = language_name(plan.respondent_language, ctx.officer.language)
            controls.append(translation_badge(ctx.officer, level, name, "protocol-translation-status"))
    controls += [
        para(_("Your language"), rtl=rtl, weight=ft.FontWeight.W_500),
        choice_group(
            "officer-language",
            [(code, language_name(code)) for code in SHIPPED_LANGUAGES],
            plan.officer_language,
            lambda value: ctx.on(interview.choose_officer_language, value),
        ),
    ]
    return ScreenBody(
        controls=controls,
        actions=[
            secondary_button("protocol-cancel", _("Cancel"), ctx.on(ctx.actions.home.go_home)),
            primary_button("protocol-continue", _("Continue"), ctx.on(interview.to_checks)),
        ],
    )
