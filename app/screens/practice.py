"""Practice: the cases to choose from (with the running score per protocol), then the chosen story."""

from __future__ import annotations

import flet as ft

from app.components.tagged import choice_group, primary_button, secondary_button
from app.components.text import heading, para
from app.i18n import SHIPPED_LANGUAGES, language_name
from app.screens.base import ScreenBody, ScreenContext
from app.wording import protocol_title_by_id
from screening_protocols.practice import list_cases


def _scores(ctx: ScreenContext) -> list[ft.Control]:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    rows: list[ft.Control] = []
    for protocol_id, row in sorted(ctx.actions.practice.running_scores().items()):
        title = protocol_title_by_id(ctx.protocols, protocol_id, ctx.officer.language)
        text = _("{protocol}: {points} of {possible} points in {cases} case(s)").format(
            protocol=title, points=row["points"], possible=row["possible"], cases=row["cases"]
        )
        rows.append(para(text, rtl=rtl, size=13, key=f"practice-score-{protocol_id}"))
    return rows


def _case_list(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    language = ctx.officer.language
    controls: list[ft.Control] = [
        heading(_("Practice"), rtl=rtl, key="title-practice"),
        para(_("Practise a screening on a made-up case. Nothing you enter is saved or sent."), rtl=rtl),
        *_scores(ctx),
        para(_("Your language"), rtl=rtl, weight=ft.FontWeight.W_500),
        choice_group(
            "practice-language",
            [(code, language_name(code)) for code in SHIPPED_LANGUAGES],
            language,
            lambda value: ctx.on(ctx.actions.interview.choose_officer_language, value),
            rtl=rtl,
        ),
    ]
    for case in list_cases():
        protocol = protocol_title_by_id(ctx.protocols, case.protocol_id, language)
        controls.append(
            secondary_button(
                f"practice-case-{case.id}",
                f"{case.text('title', language)} · {protocol}",
                ctx.on(ctx.actions.practice.choose_case, case.id),
            )
        )
    return ScreenBody(
        controls=controls,
        actions=[primary_button("practice-home", _("Back to home"), ctx.on(ctx.actions.home.go_home))],
    )


def build(ctx: ScreenContext) -> ScreenBody:
    run = ctx.state.practice
    if run is None:
        return _case_list(ctx)
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    language = ctx.officer.language
    case = run.case
    controls: list[ft.Control] = [
        heading(case.text("title", language), rtl=rtl, key="title-practice-case"),
        para(protocol_title_by_id(ctx.protocols, case.protocol_id, language), rtl=rtl, size=13),
        para(case.text("story", language), rtl=rtl, key="practice-story"),
        para(
            _("Run the screen as you would in the field. The person's replies are shown at the top."),
            rtl=rtl,
            size=13,
        ),
    ]
    return ScreenBody(
        controls=controls,
        actions=[
            secondary_button("practice-cases", _("Other cases"), ctx.on(ctx.actions.practice.open_practice)),
            primary_button("practice-start", _("Start practice"), ctx.on(ctx.actions.practice.start_case)),
        ],
    )
