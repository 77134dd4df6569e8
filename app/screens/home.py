"""Home: start a screening, resume a draft, see what is waiting to be sent and what was sent, refer a
finished screening later, and follow each referral's status."""

from __future__ import annotations

import flet as ft

from app.components.secret_field import text_field
from app.components.tagged import primary_button, secondary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext, text_of
from app.vault import InterviewSummary
from app.vault.clock import parse_time
from app.vault.referrals import ReferralSummary
from app.wording import protocol_title_by_id
from waypoint.core.i18n import N_

STATE_LABELS = {
    "in_progress": N_("Draft"),
    "completed": N_("Finished, waiting to be sealed"),
    "sealed": N_("Waiting to be sent"),
    "sent": N_("Sent"),
}
REFERRAL_STATUS_LABELS = {
    "not_sent": N_("Information only: nothing sent to {organisation}"),
    "sent": N_("Sent to {organisation} on {when}"),
    "accepted": N_("Accepted by {organisation} on {when}"),
    "declined": N_("Declined by {organisation} on {when}"),
    "completed": N_("Completed by {organisation} on {when}"),
    "revoked": N_("Withdrawn on {when}"),
}
WAITING_LABEL = N_("Waiting to be sent to {organisation}")


def _referral_row(ctx: ScreenContext, referral: ReferralSummary) -> ft.Control:
    """One referral and its newest verified status, in local time ("accepted by … on …")."""
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    organisation = str(referral.record.get("organization_name") or referral.record.get("service_name", ""))
    when = ctx.officer.format_datetime(parse_time(referral.status_at)) if referral.status_at else ""
    if referral.state == "pending":
        text = _(WAITING_LABEL).format(organisation=organisation)
    else:
        label = REFERRAL_STATUS_LABELS.get(referral.status, REFERRAL_STATUS_LABELS["sent"])
        text = _(label).format(organisation=organisation, when=when)
    return ft.Semantics(
        identifier=f"referral-{referral.referral_id}",
        label=text,
        value=referral.status,
        content=ft.Container(
            para(text, rtl=rtl, key=f"referral-status-{referral.referral_id}"),
            padding=8,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
        ),
    )


def _interview_row(
    ctx: ScreenContext, summary: InterviewSummary, action: ft.Control | None, second: ft.Control | None = None
) -> ft.Control:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    when = ctx.officer.format_datetime(summary.updated_at)
    title = protocol_title_by_id(ctx.protocols, summary.protocol_id, ctx.officer.language)
    status = _(STATE_LABELS.get(summary.state, summary.state))
    lines = ft.Column(
        [para(title, rtl=rtl, weight=ft.FontWeight.W_500), para(f"{when} · {status}", rtl=rtl, size=13)],
        spacing=2,
        expand=True,
        tight=True,
    )
    buttons = [button for button in (action, second) if button is not None]
    row: list[ft.Control] = [lines]
    if buttons:  # stacked, so two buttons never squeeze the lines at 412 px
        row.append(
            ft.Column(buttons, spacing=4, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        )
    return ft.Semantics(
        identifier=f"interview-{summary.id}",
        label=f"{title}, {when}, {status}",
        value=summary.state,
        content=ft.Container(
            ft.Row(row, rtl=rtl, vertical_alignment=ft.CrossAxisAlignment.CENTER),
            padding=8,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
        ),
    )


def _outbox(ctx: ScreenContext) -> list[ft.Control]:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    status = ctx.state.sync_status
    home = ctx.state.home
    number = ctx.officer.format_number
    counts = _("To send: {pending} · Sent: {sent} · Needs attention: {parked}").format(
        pending=number(status.pending), sent=number(status.sent), parked=number(status.parked)
    )
    controls: list[ft.Control] = [
        heading(_("Outbox"), rtl=rtl),
        ft.Semantics(
            identifier="outbox-counts", label=counts, content=para(counts, rtl=rtl, key="outbox-counts")
        ),
    ]
    if status.sending:
        total = max(status.progress_total, 1)
        controls.append(
            ft.Semantics(
                identifier="sync-progress",
                label=_("Sending…"),
                content=ft.ProgressBar(value=status.progress_done / total, key="sync-progress"),
            )
        )
    if status.last_error is not None:
        controls.append(para(status.last_error.message(_), rtl=rtl, color=ft.Colors.ERROR, key="sync-error"))
    if home is not None and not home.enrolled:
        controls.append(para(_("This device has not joined an organisation yet."), rtl=rtl))
        code, code_control = text_field("home-enrollment-code", _("Enrollment code"), rtl, multiline=True)

        controls += [
            code_control,
            ft.Row(
                [
                    secondary_button(
                        "home-join",
                        _("Join organisation"),
                        ctx.on(ctx.actions.setup.join_organisation, text_of(code)),
                    ),
                    secondary_button(
                        "home-scan",
                        _("Choose a photo of the QR code"),
                        ctx.on(ctx.actions.setup.scan_code, True),
                        icon=ft.Icons.QR_CODE,
                    ),
                ],
                wrap=True,
                spacing=8,
                run_spacing=8,
                rtl=rtl,
            ),
        ]
    else:
        if home is not None and home.server:
            server = _("Sends to your organisation at {server}").format(server=home.server)
            controls.append(
                ft.Semantics(
                    identifier="home-enrolled-server",
                    label=server,
                    content=para(server, rtl=rtl, size=13, key="home-enrolled-server"),
                )
            )
        controls.append(
            secondary_button(
                "home-send-now", _("Send now"), ctx.on(ctx.actions.home.send_now), icon=ft.Icons.SEND
            )
        )
    return controls


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    actions = ctx.actions
    home = ctx.state.home
    controls: list[ft.Control] = []
    drafts = home.drafts if home else []
    if drafts:  # the heading only over something: on first use the screen starts with the outbox
        controls += [
            heading(_("Screenings"), rtl=rtl, key="title-home"),
            para(_("Unfinished: continue where you stopped"), rtl=rtl, weight=ft.FontWeight.W_500),
        ]
        for summary in drafts:
            resume = secondary_button(
                f"resume-{summary.id}", _("Continue"), ctx.on(actions.interview.resume_interview, summary.id)
            )
            controls.append(_interview_row(ctx, summary, resume))
    controls += _outbox(ctx)
    finished = home.finished if home else []
    if finished:
        controls.append(heading(_("Finished"), rtl=rtl))
        days = home.retention_days if home else 0
        retention = _(
            "Sent screenings stay on this device for {duration} after sending, then they are deleted."
        ).format(duration=ctx.officer.format_days(days))
        controls.append(para(retention, rtl=rtl, size=13, key="home-retention"))
        referable = home.referable if home else frozenset()
        controls += [
            _interview_row(
                ctx,
                summary,
                secondary_button(
                    f"finished-open-{summary.id}",
                    _("Summary"),
                    ctx.on(actions.home.open_finished, summary.id),
                ),
                secondary_button(
                    f"refer-{summary.id}", _("Refer"), ctx.on(actions.referral.open_referral, summary.id)
                )
                if summary.id in referable
                else None,
            )
            for summary in finished
        ]
    referrals = home.referrals if home else []
    if referrals:
        controls.append(heading(_("Referrals"), rtl=rtl))
        controls += [_referral_row(ctx, referral) for referral in referrals]
    return ScreenBody(
        controls=controls,
        actions=[
            secondary_button("home-lock", _("Lock"), ctx.on(actions.locking.lock), icon=ft.Icons.LOCK),
            secondary_button(
                "home-practice", _("Practice"), ctx.on(actions.practice.open_practice), icon=ft.Icons.SCHOOL
            ),
            primary_button(
                "home-new", _("New screening"), ctx.on(actions.interview.new_screening), icon=ft.Icons.ADD
            ),
        ],
    )
