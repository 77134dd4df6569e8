"""Practice feedback: the trainee's outcome against the case's, indicators found, missed and wrongly
recorded, safety steps taken or skipped, the teaching notes, and the running score."""

from __future__ import annotations

import flet as ft

from app.components.tagged import primary_button, secondary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext
from app.wording import protocol_title_by_id
from screening_protocols.practice import SAFETY_STEPS


def _section(ctx: ScreenContext, key: str, title: str, lines: list[str]) -> list[ft.Control]:
    rtl = ctx.officer.rtl
    _ = ctx.officer.gettext
    shown = lines or [_("None")]
    return [
        para(title, rtl=rtl, weight=ft.FontWeight.W_600),
        ft.Column([para(f"• {line}", rtl=rtl, size=13) for line in shown], spacing=2, key=key),
    ]


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    run = ctx.state.practice
    if run is None or run.feedback is None:
        raise RuntimeError("the feedback screen needs a finished practice case")
    feedback = run.feedback
    level = feedback.headlines[feedback.outcome.value]
    expected = " / ".join(feedback.headlines[lv.value] for lv in feedback.expected)
    verdict = _("As expected.") if feedback.outcome_ok else _("Expected: {levels}.").format(levels=expected)
    labels = feedback.labels
    steps = {step: _(text) for step, text in SAFETY_STEPS.items()}
    controls: list[ft.Control] = [
        heading(_("Practice feedback"), rtl=rtl, key="title-feedback"),
        ft.Semantics(
            identifier="feedback-outcome",
            label=f"{level} {verdict}",
            value="ok" if feedback.outcome_ok else "different",
            content=ft.Container(
                para(
                    _("Your outcome: {level} {verdict}").format(level=level, verdict=verdict),
                    rtl=rtl,
                    weight=ft.FontWeight.W_600,
                ),
                bgcolor=ft.Colors.SECONDARY_CONTAINER,
                padding=12,
                border_radius=8,
            ),
        ),
        *_section(ctx, "feedback-found", _("Indicators found"), [labels[i] for i in feedback.found]),
        *_section(ctx, "feedback-missed", _("Indicators missed"), [labels[i] for i in feedback.missed]),
        *_section(
            ctx,
            "feedback-wrong",
            _("Recorded but not in the case"),
            [labels[i] for i in feedback.wrongly_recorded],
        ),
        *_section(
            ctx, "feedback-safety-taken", _("Safety steps taken"), [steps[s] for s in feedback.safety_taken]
        ),
        *_section(
            ctx,
            "feedback-safety-skipped",
            _("Safety steps missed"),
            [steps[s] for s in feedback.safety_skipped],
        ),
        *_section(ctx, "feedback-notes", _("What a good officer does here"), list(feedback.teaching_notes)),
    ]
    score = _("Score for this case: {points} of {possible}").format(
        points=feedback.points, possible=feedback.possible
    )
    controls.append(para(score, rtl=rtl, weight=ft.FontWeight.W_500, key="feedback-score"))
    if run.total is not None:
        title = protocol_title_by_id(ctx.protocols, feedback.protocol_id, ctx.officer.language)
        total = _("{protocol}: {points} of {possible} points in {cases} case(s)").format(
            protocol=title,
            points=run.total["points"],
            possible=run.total["possible"],
            cases=run.total["cases"],
        )
        controls.append(para(total, rtl=rtl, size=13, key="feedback-running-score"))
    return ScreenBody(
        controls=controls,
        actions=[
            secondary_button("feedback-more", _("Another case"), ctx.on(ctx.actions.practice.open_practice)),
            primary_button("feedback-home", _("Back to home"), ctx.on(ctx.actions.home.go_home)),
        ],
    )
