"""Before the interview: is the person alone, who interprets, which interviewer they would prefer.

A family member, an employer or a companion interpreting is a warning sign (WHO recommendation 4):
the screen says so and offers private answering with audio instead. When a red flag is raised the
officer confirms it before going on; it is recorded and sealed with the interview (`app.prechecks`).
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.components.tagged import choice_group, primary_button, secondary_button, switch_row
from app.components.text import heading, para
from app.i18n import language_name
from app.prechecks import red_flags
from app.screens.base import Handler, ScreenBody, ScreenContext, checked
from app.state import CHECK_OPTIONS, RISKY_INTERPRETERS, Screen
from waypoint.core.i18n import N_

LABELS = {
    "alone": N_("Is the person alone with you, with nobody listening?"),
    "interpreter": N_("Who is interpreting?"),
    "interviewer_gender": N_("Which interviewer would the person prefer?"),
}
OPTION_LABELS = {
    "yes": N_("Yes"),
    "no": N_("No"),
    "none": N_("No interpreter"),
    "professional": N_("Professional interpreter"),
    "colleague": N_("A colleague"),
    "family": N_("A family member"),
    "employer": N_("An employer or recruiter"),
    "companion": N_("Someone who came with the person"),
    "woman": N_("A woman"),
    "man": N_("A man"),
    "no_preference": N_("No preference"),
    "not_asked": N_("Not asked yet"),
}


def _warning(text: str, rtl: bool, key: str) -> ft.Control:
    return ft.Semantics(
        identifier=key,
        label=text,
        content=ft.Container(
            ft.Row(
                [
                    ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ERROR),
                    # The words take the rest of the line and wrap (a bare Text in a Row is cut off).
                    ft.Container(para(text, rtl=rtl, key=key), expand=True),
                ],
                rtl=rtl,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
            bgcolor=ft.Colors.ERROR_CONTAINER,
            padding=12,
            border_radius=8,
        ),
    )


def _audio_status(ctx: ScreenContext) -> ft.Control:
    """Before the hand-over: is every spoken prompt there for this protocol in the person's language?"""
    _ = ctx.officer.gettext
    plan = ctx.state.plan
    language = plan.respondent_language or ""
    missing, total = ctx.protocols.audio_gaps(plan.protocol_id or "", language)
    name = language_name(language, ctx.officer.language)
    if missing == 0:
        return ft.Semantics(
            identifier="audio-status-ready",
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.VOLUME_UP, color=ft.Colors.GREEN_700),
                    ft.Container(  # the words take the rest of the line and wrap
                        para(
                            _("Spoken audio is ready for this protocol in {language}.").format(language=name),
                            rtl=ctx.officer.rtl,
                            key="audio-status-ready",
                        ),
                        expand=True,
                    ),
                ],
                rtl=ctx.officer.rtl,
            ),
        )
    text = _(
        "Spoken audio is missing for {missing} of {total} prompts of this protocol in {language}. "
        "The person may not hear every question: stay close, or use a professional interpreter."
    ).format(missing=missing, total=total, language=name)
    return _warning(text, ctx.officer.rtl, "audio-status-missing")


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    interview = ctx.actions.interview
    plan = ctx.state.plan

    def chooser(name: str) -> Callable[[str], Handler]:
        return lambda value: ctx.on(interview.set_check, name, value)

    controls: list[ft.Control] = [heading(_("Before you start"), rtl=rtl, key="title-checks")]
    for name, options in CHECK_OPTIONS.items():
        controls.append(para(_(LABELS[name]), rtl=rtl, weight=ft.FontWeight.W_500))
        controls.append(
            choice_group(
                f"check-{name}",
                [(value, _(OPTION_LABELS[value])) for value in options],
                plan.checks.get(name),
                chooser(name),
                rtl=rtl,
            )
        )
        if name == "alone" and plan.checks.get("alone") == "no":
            controls.append(
                _warning(
                    _(
                        "Find a private place. Ask anyone with the person to wait outside, "
                        "if it is safe to do so."
                    ),
                    rtl,
                    "warning-not-alone",
                )
            )
        if name == "interpreter" and plan.checks.get("interpreter") in RISKY_INTERPRETERS:
            controls.append(
                _warning(
                    _(
                        "This interpreter may be close to someone who controls the person. Use a "
                        "professional interpreter or let the person answer privately with audio and "
                        "headphones."
                    ),
                    rtl,
                    "warning-interpreter",
                )
            )

    if red_flags(plan.checks):
        confirm_label = _("I have read the warnings. I will record them and continue.")
        confirm = ft.Switch(value=plan.red_flags_confirmed)
        confirm.on_change = ctx.on(interview.confirm_red_flags, checked(confirm))
        controls.append(
            switch_row("check-confirm-red-flags", confirm, para(confirm_label, rtl=rtl), confirm_label, rtl)
        )

    private_label = _("The person answers privately: audio through headphones, no text on screen")
    private = ft.Switch(value=plan.private_mode)
    private.on_change = ctx.on(interview.set_private_mode, checked(private))
    controls.append(
        switch_row("check-private-mode", private, para(private_label, rtl=rtl), private_label, rtl)
    )
    controls.append(_audio_status(ctx))
    return ScreenBody(
        controls=controls,
        actions=[
            secondary_button("checks-back", _("Back"), ctx.on(interview.back_to, Screen.PROTOCOL)),
            primary_button("checks-continue", _("Continue"), ctx.on(interview.to_consent)),
        ],
    )
