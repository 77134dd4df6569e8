"""One question per screen, officer holding the device: the respondent's language first.

Progress shows how far along the interview is without naming the topic. Every question offers
"Prefer not to answer" (recorded as declined: unknown, never "no"), Back, Pause and Stop.
"""

from __future__ import annotations

import flet as ft

from app.components.answer_input import answer_input
from app.components.progress import progress_header
from app.components.tagged import primary_button, secondary_button, text_button
from app.components.text import bilingual, for_officer, para
from app.components.translation_status import draft_marker
from app.screens.base import ScreenBody, ScreenContext
from app.wording import question_wording
from screening_protocols import AskQuestion, Audience
from waypoint.core.i18n import N_

DISTRESS_CUES = N_(
    "If the person goes silent, cries, shakes or keeps looking at the door: stop asking, offer a break, "
    'or mark the question "Not asked: distress".'
)


def interview_tools(ctx: ScreenContext, rtl: bool) -> ft.Control:
    """Pause, stop, "not asked because of distress" and hand-over: the officer's controls under every
    question (`rtl`: the screen's)."""
    _ = ctx.officer.gettext
    actions = ctx.actions
    return ft.Row(
        [
            text_button("question-pause", _("Pause"), ctx.on(actions.locking.pause), icon=ft.Icons.PAUSE),
            text_button("question-stop", _("Stop"), ctx.on(actions.interview.ask_stop), icon=ft.Icons.STOP),
            text_button(
                "question-distress",
                _("Not asked: distress"),
                ctx.on(actions.interview.not_asked_distress),
                icon=ft.Icons.FRONT_HAND,
            ),
            text_button(
                "question-private",
                _("Hand over"),
                ctx.on(actions.private.start_private),
                icon=ft.Icons.HEADPHONES,
            ),
        ],
        wrap=True,
        rtl=rtl,
    )


def build(ctx: ScreenContext) -> ScreenBody:
    interview = ctx.actions.interview
    screening, step = ctx.state.screening, ctx.state.step
    if screening is None or not isinstance(step, AskQuestion):
        raise RuntimeError("the question screen needs a question")
    question = step.question
    officer_only = question.audience is Audience.OFFICER
    theirs = question_wording(screening.protocol, question, ctx.officer.language)
    # An observation for the officer is never put to the person: officer's language only, small.
    mine = theirs if officer_only else question_wording(screening.protocol, question, ctx.respondent.language)
    shown = ctx.officer if officer_only else ctx.respondent  # whose language and direction lead
    within_rtl = shown.rtl
    officer = ctx.officer.gettext
    text: ft.Control
    if officer_only:
        text = for_officer(
            officer(N_("For the officer")),
            para(theirs.text, rtl=ctx.officer.rtl, size=16, weight=ft.FontWeight.W_500),
            rtl=ctx.officer.rtl,
            within_rtl=within_rtl,
            key=f"question-text-{question.id}",
        )
    else:
        text = bilingual(
            mine.text,
            theirs.text,
            primary_rtl=ctx.respondent.rtl,
            secondary_rtl=ctx.officer.rtl,
            size=22,
            key=f"question-text-{question.id}",
        )
    controls: list[ft.Control] = [
        progress_header(step.position, step.estimated_total, shown, ctx.officer),
        ft.Semantics(identifier=f"q-{question.id}", content=text),
    ]
    marker = draft_marker(ctx.officer, mine.status, "question-draft-translation")
    if marker is not None:
        controls.append(marker)
    if theirs.guidance:
        controls.append(
            ft.Container(
                ft.Column(
                    [
                        para(
                            theirs.guidance,
                            rtl=ctx.officer.rtl,
                            size=14,
                            color=ft.Colors.ON_SURFACE_VARIANT,
                            within_rtl=within_rtl,
                        ),
                        para(
                            ctx.officer.gettext(DISTRESS_CUES),
                            rtl=ctx.officer.rtl,
                            size=13,
                            color=ft.Colors.ON_SURFACE_VARIANT,
                            key="question-distress-cues",
                            within_rtl=within_rtl,
                        ),
                    ],
                    spacing=4,
                    tight=True,
                ),
                key="question-guidance",
                bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                padding=10,
                border_radius=8,
            )
        )
    controls.append(answer_input(ctx, question, mine, theirs))
    controls.append(interview_tools(ctx, shown.rtl))
    first = step.position <= 1
    back = secondary_button("question-back", officer(N_("Back")), ctx.on(interview.back))
    back.content.disabled = first  # type: ignore[attr-defined]
    return ScreenBody(
        controls=controls,
        actions=[
            back,
            secondary_button(
                "question-decline", shown.gettext(N_("Prefer not to answer")), ctx.on(interview.decline)
            ),
            primary_button("question-next", shown.gettext(N_("Next")), ctx.on(interview.answer_selection)),
        ],
        respondent_facing=not officer_only,
    )
