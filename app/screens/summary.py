"""The outcome for the officer: decision support with its explanation and the referral needs.

Never a verdict: the headline and the protection-record notice come from the engine; each indicator
is explained by the questions whose answers raised it; unknown key questions are listed, because
"prefer not to answer" is unknown, never "no".

The officer may add notes (optional, in the officer's language). The screen says plainly that they are
encrypted, sealed and sent with the interview, and asks for no names and no graphic detail (data
minimisation, domain.md §5 requirement 8). Continuing completes the interview with the notes, then
shows the rights information, or first the referral screen (matching services, consent, send).

It also shows the pre-checks' warning signs, the translation status of the respondent's language, and,
when the child rule applies in an adult protocol, says so first and offers `child-screen` (assent,
with what the person already said carried forward).
"""

from __future__ import annotations

import flet as ft

from app.components.secret_field import text_field
from app.components.tagged import primary_button, secondary_button
from app.components.text import heading, para
from app.components.translation_status import translation_badge
from app.i18n import language_name
from app.prechecks import RED_FLAG_LABELS, red_flags
from app.screening import MAX_NOTES_LENGTH
from app.screens.base import ScreenBody, ScreenContext, text_of
from app.wording import outcome_wording, question_wording, translation_level
from waypoint.core.i18n import N_

STRENGTH_LABELS = {"strong": N_("strong"), "medium": N_("medium"), "weak": N_("weak")}


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    if ctx.state.outcome is None:
        raise RuntimeError("the summary screen needs an outcome")
    protocol = ctx.protocols.protocol(ctx.state.plan.protocol_id or "")
    words = outcome_wording(protocol, ctx.state.outcome, ctx.officer.language)
    child = ctx.state.outcome.child_rule
    child_text = _("The child rule applies: treat this person as a child and call child protection.")
    headline: list[ft.Control] = [
        para(words.headline, rtl=rtl, size=18, weight=ft.FontWeight.W_600, key="outcome-headline")
    ]
    if child:
        headline.append(para(child_text, rtl=rtl, weight=ft.FontWeight.W_600, key="outcome-child-rule"))
    controls: list[ft.Control] = [
        heading(_("Summary"), rtl=rtl, key="title-summary"),
        ft.Semantics(
            identifier="outcome-level",
            label=f"{words.headline} {child_text}" if child else words.headline,
            value=words.level,
            content=ft.Container(
                ft.Column(headline, spacing=6, tight=True),
                bgcolor=ft.Colors.SECONDARY_CONTAINER,
                padding=12,
                border_radius=8,
            ),
        ),
        para(words.notice, rtl=rtl, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    if ctx.state.stopped_early:
        controls.append(
            para(
                _("The person stopped the interview and chose to keep the answers given so far."),
                rtl=rtl,
                key="summary-stopped-early",
            )
        )
    screening = ctx.state.screening
    flags = red_flags(screening.checks) if screening is not None else ()
    if flags:
        controls.append(para(_("Warning signs before the interview"), rtl=rtl, weight=ft.FontWeight.W_600))
        controls += [
            para(f"• {_(RED_FLAG_LABELS[flag])}", rtl=rtl, key=f"summary-red-flag-{flag}") for flag in flags
        ]
    if words.indicators:
        controls.append(para(_("Indicators found"), rtl=rtl, weight=ft.FontWeight.W_600))
        for index, finding in enumerate(words.indicators):
            strength = _(STRENGTH_LABELS.get(finding.strength, finding.strength))
            lines: list[ft.Control] = [
                para(f"{finding.label} ({strength})", rtl=rtl, weight=ft.FontWeight.W_500)
            ]
            lines += [
                para(_("Because of the answer to: {question}").format(question=q), rtl=rtl, size=13)
                for q in finding.because
            ]
            controls.append(ft.Column(lines, spacing=2, key=f"indicator-{index}"))
    if words.unknown:
        controls.append(para(_("Not known (not answered or not sure)"), rtl=rtl, weight=ft.FontWeight.W_600))
        controls += [para(f"• {q}", rtl=rtl, size=13) for q in words.unknown]
    distressed = screening.not_asked_distress if screening is not None else ()
    if distressed:
        controls.append(
            para(_("Not asked because the person was distressed"), rtl=rtl, weight=ft.FontWeight.W_600)
        )
        controls += [
            para(
                f"• {question_wording(protocol, protocol.by_id[qid], ctx.officer.language).text}",
                rtl=rtl,
                size=13,
                key=f"summary-distress-{qid}",
            )
            for qid in distressed
            if qid in protocol.by_id
        ]
    if words.referral_needs:
        controls.append(para(_("Referral needs"), rtl=rtl, weight=ft.FontWeight.W_600))
        controls += [
            para(f"• {need}", rtl=rtl, key=f"referral-{i}") for i, need in enumerate(words.referral_needs)
        ]

    respondent_language = ctx.state.plan.respondent_language
    if respondent_language:
        controls.append(
            translation_badge(
                ctx.officer,
                translation_level(protocol, respondent_language),
                language_name(respondent_language, ctx.officer.language),
                "summary-translation-status",
            )
        )

    notes, notes_control = text_field(
        "summary-notes",
        _("Officer's notes (optional)"),
        rtl,
        value=ctx.state.notes,
        # Writing notes is activity (the idle lock must not take them away); the state keeps them.
        on_change=ctx.typing(keep=ctx.state.keep_notes),
        multiline=True,
        max_length=MAX_NOTES_LENGTH,
    )
    controls += [
        para(_("Notes"), rtl=rtl, weight=ft.FontWeight.W_600),
        para(
            _(
                "Notes are encrypted on this device, then sealed and sent to your organisation with the "
                "interview. Do not write names, addresses or graphic details of what happened."
            ),
            rtl=rtl,
            size=13,
            key="summary-notes-help",
        ),
        notes_control,
        para(
            _("Practice: nothing is saved or sent.")
            if ctx.state.practice is not None
            else _(
                "The interview is saved, encrypted, on this device and will be sent to your organisation."
            ),
            rtl=rtl,
            size=13,
            key="summary-saved",
        ),
    ]

    actions: list[ft.Control] = []
    if child and protocol.consent.kind != "assent" and ctx.state.practice is None:
        actions.append(
            secondary_button(
                "summary-child-screen",
                _("Continue with the child screen"),
                ctx.on(ctx.actions.interview.continue_with_child_screen, text_of(notes)),
                icon=ft.Icons.CHILD_CARE,
            )
        )
    return ScreenBody(
        controls=controls,
        actions=[
            *actions,
            *(
                []
                if ctx.state.practice is not None
                else [
                    secondary_button(
                        "summary-referral",
                        _("Refer to services"),
                        ctx.on(ctx.actions.referral.finish_and_refer, text_of(notes)),
                        icon=ft.Icons.DIVERSITY_3,
                    )
                ]
            ),
            primary_button(
                "summary-rights",
                _("Rights information for the person"),
                ctx.on(ctx.actions.interview.finish, text_of(notes)),
                icon=ft.Icons.ARROW_FORWARD,
            ),
        ],
    )
