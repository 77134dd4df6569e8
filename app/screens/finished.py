"""A finished screening reopened from home: its outcome summary (never the answers), until the purge.

What the vault keeps after the answers are gone (`app.vault.FinishedSummary`): the headline, the
indicators found, the referral needs, whether the child rule applied, and how long it stays.
"""

from __future__ import annotations

from datetime import timedelta

import flet as ft

from app.components.tagged import primary_button
from app.components.text import heading, para
from app.screens.base import ScreenBody, ScreenContext
from app.wording import finished_wording, protocol_title_by_id


def build(ctx: ScreenContext) -> ScreenBody:
    _ = ctx.officer.gettext
    rtl = ctx.officer.rtl
    summary = ctx.state.finished
    if summary is None:
        raise RuntimeError("the finished screen needs a summary")
    title = protocol_title_by_id(ctx.protocols, summary.protocol_id, ctx.officer.language)
    words = finished_wording(ctx.protocols.protocol(summary.protocol_id), summary, ctx.officer.language)
    controls: list[ft.Control] = [
        heading(_("Finished screening"), rtl=rtl, key="title-finished"),
        para(title, rtl=rtl, weight=ft.FontWeight.W_500),
        para(ctx.officer.format_datetime(summary.finished_at), rtl=rtl, size=13),
        ft.Semantics(
            identifier="finished-level",
            label=words.headline,
            value=summary.level,
            content=ft.Container(
                para(words.headline, rtl=rtl, size=18, weight=ft.FontWeight.W_600, key="finished-headline"),
                bgcolor=ft.Colors.SECONDARY_CONTAINER,
                padding=12,
                border_radius=8,
            ),
        ),
    ]
    if summary.child:
        controls.append(
            para(
                _("The child rule applies: treat this person as a child and call child protection."),
                rtl=rtl,
                weight=ft.FontWeight.W_600,
                key="finished-child-rule",
            )
        )
    if words.indicators:
        controls.append(para(_("Indicators found"), rtl=rtl, weight=ft.FontWeight.W_600))
        controls += [
            para(f"• {finding.label}", rtl=rtl, key=f"finished-indicator-{i}")
            for i, finding in enumerate(words.indicators)
        ]
    if words.referral_needs:
        controls.append(para(_("Referral needs"), rtl=rtl, weight=ft.FontWeight.W_600))
        controls += [
            para(f"• {need}", rtl=rtl, key=f"finished-referral-{i}")
            for i, need in enumerate(words.referral_needs)
        ]
    days = ctx.state.home.retention_days if ctx.state.home else 0
    sent_at = ctx.state.finished_sent_at
    if sent_at is not None:
        until = ctx.officer.format_datetime(sent_at + timedelta(days=days))
        kept = _("This summary stays on this device until {time}, then it is deleted.").format(time=until)
    else:
        kept = _(
            "Sent screenings stay on this device for {duration} after sending, then they are deleted."
        ).format(duration=ctx.officer.format_days(days))
    controls += [
        para(
            _(
                "Only the outcome is shown here, never the answers. The answers are deleted once the "
                "screening is sealed."
            ),
            rtl=rtl,
            size=13,
        ),
        para(kept, rtl=rtl, size=13, key="finished-retention"),
    ]
    return ScreenBody(
        controls=controls,
        actions=[primary_button("finished-back", _("Back"), ctx.on(ctx.actions.home.go_home))],
    )
