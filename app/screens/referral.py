"""Referral (officer): the services that match the outcome's referral needs, consent per organisation,
send or information only, and the neutral contact card in the respondent's language.

The services come from the directory the device holds (`app.referral_options`), best first: open at
any hour, in the person's language or with an interpreter, eligible. Each says what will and will not
happen. For each organisation the person answers: yes (the referral is sealed and sent at the next
sync) or no (information only: nothing is sent). A referral the law requires for a child is shown as
such, with its legal basis, never silently. The contact card names the service and how to reach it,
nothing about why the person was given it.
"""

from __future__ import annotations

import flet as ft

from app.components.secret_field import text_field
from app.components.tagged import primary_button, secondary_button
from app.components.text import heading, para
from app.i18n import is_rtl
from app.referral_options import ReferralOptions
from app.screens.base import ScreenBody, ScreenContext, text_of
from referral.contact_card import contact_card
from referral.directory.model import Service
from referral.matching import Match
from waypoint.core.i18n import N_

DECIDED_LABELS = {
    "referral": N_("Referral recorded: it is sent to {organisation} at the next sync."),
    "mandatory": N_(
        "Mandatory child-protection referral recorded: it is sent to {organisation} at the next sync."
    ),
    "information_only": N_("Information only: nothing was sent to {organisation}."),
}


def _choices(ctx: ScreenContext, options: ReferralOptions, service: Service) -> list[ft.Control]:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    organisation = service.organization_name or service.name
    decided = options.decided.get(service.id)
    if decided is not None:
        text = _(DECIDED_LABELS[decided]).format(organisation=organisation)
        return [
            ft.Semantics(
                identifier=f"referral-decided-{service.id}",
                label=text,
                value=decided,
                content=para(text, rtl=rtl, weight=ft.FontWeight.W_500),
            )
        ]
    buttons: list[ft.Control] = []
    controls: list[ft.Control] = []
    if service.partner is not None and options.mandatory(service):
        controls.append(
            para(
                _(
                    "Mandatory child-protection referral: the law requires it for a child, even without "
                    "consent. Tell the person what will be shared and why."
                ),
                rtl=rtl,
                weight=ft.FontWeight.W_600,
                key=f"referral-mandatory-{service.id}",
            )
        )
        basis, basis_control = text_field(
            f"referral-legal-basis-{service.id}", _("Legal basis (as your organisation states it)"), rtl
        )
        controls.append(basis_control)
        buttons.append(
            secondary_button(
                f"referral-mandatory-send-{service.id}",
                _("Record the mandatory referral"),
                ctx.on(ctx.actions.referral.refer, service.id, "mandatory", text_of(basis)),
                icon=ft.Icons.SEND,
            )
        )
    elif service.partner is not None:
        controls.append(
            para(
                _("Does the person agree to share their referral with {organisation}?").format(
                    organisation=organisation
                ),
                rtl=rtl,
            )
        )
        buttons.append(
            secondary_button(
                f"referral-yes-{service.id}",
                _("Yes: send"),
                ctx.on(ctx.actions.referral.refer, service.id, "yes"),
                icon=ft.Icons.SEND,
            )
        )
    else:
        controls.append(
            para(_("This service cannot receive referrals through Waypoint: give the contact card."), rtl=rtl)
        )
    buttons.append(
        secondary_button(
            f"referral-no-{service.id}",
            _("No: information only"),
            ctx.on(ctx.actions.referral.refer, service.id, "no"),
        )
    )
    controls.append(ft.Row(buttons, wrap=True, spacing=8, run_spacing=8, rtl=rtl))
    return controls


def _card(ctx: ScreenContext, options: ReferralOptions, service: Service) -> list[ft.Control]:
    _ = ctx.officer.gettext
    shown = options.card == service.id
    controls: list[ft.Control] = [
        secondary_button(
            f"referral-card-{service.id}",
            _("Hide the contact card") if shown else _("Show the contact card"),
            ctx.on(ctx.actions.referral.show_card, service.id),
            icon=ft.Icons.CONTACT_PHONE,
            selected=shown,
        )
    ]
    if shown:
        card_rtl = is_rtl(options.language)
        text = contact_card(service, options.language)
        controls.append(
            ft.Semantics(
                identifier=f"contact-card-{service.id}",
                label=text,
                value=options.language,
                content=ft.Container(
                    ft.Column(
                        [para(line, rtl=card_rtl, selectable=True) for line in text.splitlines()],
                        spacing=4,
                        tight=True,
                    ),
                    bgcolor=ft.Colors.SECONDARY_CONTAINER,
                    padding=12,
                    border_radius=8,
                ),
            )
        )
    return controls


def _service(
    ctx: ScreenContext, options: ReferralOptions, service: Service, match: Match | None
) -> ft.Control:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    lines: list[ft.Control] = [para(service.name, rtl=rtl, weight=ft.FontWeight.W_600)]
    if service.organization_name and service.organization_name != service.name:
        lines.append(para(service.organization_name, rtl=rtl, size=13))
    facts: list[str] = []
    if service.open_24_7:
        facts.append(_("Open at any hour"))
    if match is not None and match.language == "spoken":
        facts.append(_("Speaks the person's language"))
    elif match is not None and match.language == "interpreter":
        facts.append(_("With an interpreter"))
    if match is not None and match.stale:
        facts.append(_("Entry not checked recently"))
    if match is None:
        facts.append(_("Needs not yet mapped: only language, contact preference and urgency are shared"))
    if facts:
        lines.append(para(" · ".join(facts), rtl=rtl, size=13, key=f"referral-facts-{service.id}"))
    language = options.language
    will = match.will_happen if match is not None else service.will_happen_in(language)
    will_not = match.will_not_happen if match is not None else service.will_not_happen_in(language)
    if will:
        lines.append(para(_("What will happen: {text}").format(text=will), rtl=rtl, size=13))
    if will_not:
        lines.append(para(_("What will not happen: {text}").format(text=will_not), rtl=rtl, size=13))
    lines += _choices(ctx, options, service)
    lines += _card(ctx, options, service)
    return ft.Semantics(
        identifier=f"referral-service-{service.id}",
        label=service.name,
        value=options.decided.get(service.id, ""),
        content=ft.Container(
            ft.Column(lines, spacing=6, tight=True),
            padding=10,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
        ),
    )


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    options = ctx.state.referral
    if options is None:
        raise RuntimeError("the referral screen needs its options")
    controls: list[ft.Control] = [heading(_("Referral"), rtl=rtl, key="title-referral")]
    if not options.has_directory:
        controls.append(
            para(
                _(
                    "This device has no directory of services yet. Connect and tap Send now on the home "
                    "screen to fetch it; you can refer from the finished screening later."
                ),
                rtl=rtl,
                key="referral-no-directory",
            )
        )
    else:
        controls.append(
            para(
                _(
                    "Services that match the referral needs, best first. Ask the person, for each "
                    "organisation, whether they agree to share. Without agreement nothing is sent."
                ),
                rtl=rtl,
                size=13,
            )
        )
        if not options.matches:
            controls.append(
                para(_("No service in the directory matches these needs."), rtl=rtl, key="referral-no-match")
            )
        controls += [_service(ctx, options, match.service, match) for match in options.matches]
        if options.unmapped:
            other = _("Other services (needs not yet mapped)")
            controls.append(para(other, rtl=rtl, weight=ft.FontWeight.W_600))
            controls += [_service(ctx, options, service, None) for service in options.unmapped]
    return ScreenBody(
        controls=controls,
        actions=[
            primary_button(
                "referral-continue",
                _("Continue"),
                ctx.on(ctx.actions.referral.leave_referral),
                icon=ft.Icons.ARROW_FORWARD,
            )
        ],
    )
