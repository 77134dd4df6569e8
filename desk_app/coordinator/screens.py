"""The coordinator desk's screens: pure functions from the state to controls.

Each `build_<screen>(ctx)` reads `ctx.state` and wires its controls to `ctx.controller`; nothing here
asks the service or keeps anything of its own. Identifiers (`key` and semantics identifier) are stable
and translation-independent: the tests and the browser tests find controls by them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import flet as ft

from app.i18n import Translator
from desk_app.components import (
    bar,
    card,
    dropdown,
    heading,
    labelled,
    para,
    secondary_button,
    tagged,
    text_button,
    text_field,
)
from desk_app.coordinator.controller import CONSENTS, DeskController
from desk_app.coordinator.state import DeskState, Screen
from sync.desk.service import (
    CaseDetail,
    CaseSummary,
    DashboardView,
    IndicatorLine,
    ReferralView,
    StatusEntry,
)
from waypoint.core.i18n import N_

__all__ = ["SCREEN_TITLES", "Context", "build_screen"]

SCREEN_TITLES = {
    Screen.CASES: N_("Cases"),
    Screen.CASE: N_("Case"),
    Screen.REFERRALS: N_("Referrals"),
    Screen.DIRECTORY: N_("Directory"),
    Screen.DEVICES: N_("Devices and partners"),
    Screen.AUDIT: N_("Audit log"),
    Screen.EXPORTS: N_("Exports"),
    Screen.DASHBOARD: N_("Dashboard"),
}
ELEMENTS = (("act", N_("Act")), ("means", N_("Means")), ("purpose", N_("Purpose")))
STRENGTHS = {"strong": N_("Strong"), "medium": N_("Medium"), "weak": N_("Weak")}
STATUSES = {
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "completed": N_("Completed"),
    "revoked": N_("Revoked"),
    "none": N_("Never referred"),
}
ACTORS = {"device": N_("device"), "coordinator": N_("coordinator"), "partner": N_("partner")}
TABLE_TITLES = {
    "month_by_protocol": N_("Cases by month and protocol"),
    "level_by_protocol": N_("Cases by outcome level and protocol"),
    "region_by_level": N_("Cases by region and outcome level"),
    "indicator_by_protocol": N_("Indicators found, by protocol"),
    "referral_status_by_month": N_("Referrals by status and month"),
    "time_to_accept_by_month": N_("Time to accept a referral, by month"),
}


@dataclass(frozen=True)
class Context:
    """What a screen builder needs: the state to show, the actions to call, the language."""

    state: DeskState
    controller: DeskController
    t: Translator

    def _(self, message: str) -> str:
        return self.t.gettext(message)

    def act(self, action: Callable[..., Awaitable[None]], *args: Any) -> Callable[[Any], Awaitable[None]]:
        """An event handler that runs `action(*args)`."""

        async def handler(_event: Any) -> None:
            await action(*args)

        return handler

    def keep(self, name: str, announce: bool = False) -> Callable[[Any], None]:
        """A change handler that keeps the control's value in the drafts (re-rendering when `announce`)."""

        def handler(event: Any) -> None:
            value = event.control.value
            drafts = {**self.state.drafts, name: "" if value is None else str(value)}
            if announce:
                self.state.update(drafts=drafts)
            else:
                self.state.drafts = drafts

        return handler

    def when(self, moment: Any) -> str:
        return self.t.format_datetime(moment)


def _status(ctx: Context, status: str | None) -> str:
    return ctx._(STATUSES.get(status or "none", status or ""))


# -- cases -------------------------------------------------------------------------------------------


def _choices(
    ctx: Context, values: Sequence[str], labels: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    _ = ctx._
    any_label = _("Any")
    return [("", any_label), *((v, (labels or {}).get(v, v)) for v in sorted(set(values)))]


def _filters(ctx: Context) -> ft.Control:
    state, _ = ctx.state, ctx._
    f = state.filters
    every = state.all_cases

    def choose(name: str) -> Callable[[Any], Awaitable[None]]:
        async def handler(event: Any) -> None:
            await ctx.controller.filter(name, event.control.value)

        return handler

    levels = {c.level: c.level_label for c in every}
    referral_states = {k: _status(ctx, k) for k in STATUSES}
    return ft.Row(
        [
            dropdown(
                "filter-protocol",
                _("Protocol"),
                _choices(ctx, [c.protocol_id for c in every]),
                f.protocol_id or "",
                choose("protocol_id"),
            ),
            dropdown(
                "filter-level",
                _("Outcome level"),
                _choices(ctx, list(levels), levels),
                f.level or "",
                choose("level"),
            ),
            dropdown(
                "filter-device",
                _("Device"),
                _choices(ctx, [c.device_id for c in every]),
                f.device_id or "",
                choose("device_id"),
            ),
            dropdown(
                "filter-referral",
                _("Referral"),
                _choices(ctx, list(STATUSES), referral_states),
                f.referral_state or "",
                choose("referral_state"),
            ),
            _date_filter(ctx, "since", _("From (year-month-day)"), f.since, choose("since")),
            _date_filter(ctx, "until", _("To (year-month-day)"), f.until, choose("until")),
        ],
        wrap=True,
        spacing=8,
        run_spacing=8,
        key="case-filters",
    )


def _date_filter(
    ctx: Context, name: str, label: str, value: Any, on_submit: Callable[..., Any]
) -> ft.Control:
    field = ft.TextField(
        label=label,
        value=value.isoformat() if value else "",
        width=200,
        on_submit=on_submit,
        on_blur=on_submit,
    )
    return tagged(f"filter-{name}", field, label=label)


def _case_row(ctx: Context, case: CaseSummary) -> ft.Control:
    _ = ctx._
    words: list[ft.Control] = [
        para(case.level_label, weight=ft.FontWeight.W_600),
        para(f"{case.protocol_id} {case.protocol_version} · {ctx.when(case.recorded_at)}", size=13),
        para(
            _("Device: {device} · Referral: {referral}").format(
                device=case.device_id, referral=_status(ctx, case.referral_state)
            ),
            size=13,
        ),
    ]
    if case.child:
        words.append(para(_("Child"), size=13, color=ft.Colors.TERTIARY))
    tile = ft.Container(
        ft.Column(words, spacing=2),
        padding=12,
        border_radius=12,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        on_click=ctx.act(ctx.controller.open_case, case.interview_id),
        ink=True,
    )
    return tagged(f"case-{case.interview_id}", tile, label=case.level_label, button=True)


def build_cases(ctx: Context) -> list[ft.Control]:
    state, _ = ctx.state, ctx._
    count = ctx.t.ngettext("{count} case", "{count} cases", len(state.cases)).format(
        count=ctx.t.format_number(len(state.cases))
    )
    rows: list[ft.Control] = [_case_row(ctx, c) for c in state.cases]
    if not rows:
        rows = [
            para(_("No case matches. Refresh to open what arrived, or change the filters."), key="no-cases")
        ]
    return [
        ft.Row(
            [
                secondary_button(
                    "refresh", _("Refresh"), ctx.act(ctx.controller.refresh), icon=ft.Icons.REFRESH
                ),
                _labelled_text("case-count", count),
            ],
            spacing=16,
            wrap=True,
        ),
        _filters(ctx),
        ft.Column(rows, spacing=8, key="case-list"),
    ]


# -- one case ----------------------------------------------------------------------------------------


def _chip(ctx: Context, line: IndicatorLine) -> ft.Control:
    _ = ctx._
    dimension = (line.ilo_dimension or _("not mapped")).replace("_", " ")
    strength = _(STRENGTHS.get(line.strength, line.strength))
    colour = {"strong": ft.Colors.ERROR_CONTAINER, "medium": ft.Colors.TERTIARY_CONTAINER}.get(
        line.strength, ft.Colors.SURFACE_CONTAINER_HIGHEST
    )
    return ft.Semantics(
        identifier=f"indicator-{line.indicator_id}",
        label=f"{line.label}: {dimension}, {strength}",
        content=ft.Container(
            ft.Column(
                [
                    para(line.label, weight=ft.FontWeight.W_600, key=f"indicator-{line.indicator_id}"),
                    para(
                        _("ILO dimension: {dimension} · {strength}").format(
                            dimension=dimension, strength=strength
                        ),
                        size=13,
                        key=f"indicator-{line.indicator_id}-strength",
                    ),
                    para(_("Because: {because}").format(because=line.because), size=13),
                ],
                spacing=2,
            ),
            bgcolor=colour,
            padding=10,
            border_radius=10,
        ),
    )


def _element_block(ctx: Context, detail: CaseDetail, element: str, title: str) -> ft.Control:
    _ = ctx._
    lines = [line for line in detail.indicators if line.element == element]
    content: list[ft.Control] = [heading(_(title), size=18)]
    if element == "means" and detail.summary.child:
        content.append(
            para(_("Not needed: the person is a child, so no means must be shown."), key="means-child")
        )
    content.extend(_chip(ctx, line) for line in lines)
    if not lines and not (element == "means" and detail.summary.child):
        content.append(para(_("Nothing found."), size=13))
    block = ft.Semantics(identifier=f"element-{element}", container=True, content=card(content))
    return ft.Container(block, expand=not ctx.state.narrow, key=f"block-{element}")


def _history(ctx: Context, history: Sequence[StatusEntry], key: str) -> ft.Control:
    _ = ctx._
    lines: list[ft.Control] = []
    for entry in history:
        text = (
            f"{ctx.when(entry.at)} · {_status(ctx, entry.status)} · {ctx._(ACTORS.get(entry.by, entry.by))}"
        )
        if entry.detail:
            text += f" · {entry.detail}"
        if not entry.verified:
            text += " · " + _("signature not verified: not counted")
        lines.append(para(text, size=13))
    return ft.Column(lines, spacing=2, key=key)


def _labelled_text(identifier: str, value: str) -> ft.Control:
    """A text the browser tests read: its identifier and its words as the semantics label."""
    return ft.Semantics(identifier=identifier, label=value, content=para(value, key=identifier))


def _referral_card(ctx: Context, referral: ReferralView, revocable: bool) -> ft.Control:
    _ = ctx._
    rid = referral.referral_id
    content: list[ft.Control] = [
        para(
            referral.partner_name + " · " + (referral.service_id or _("no service named")),
            weight=ft.FontWeight.W_600,
        ),
        _labelled_text(f"referral-{rid}-status", _status(ctx, referral.status)),
        labelled(_("Sent"), ctx.when(referral.sent_at)),
        _history(ctx, referral.history, f"referral-{rid}-history"),
    ]
    if referral.interview_id:
        content.insert(1, para(_("Case: {case}").format(case=referral.interview_id), size=13))
    if revocable and referral.status in ("sent", "accepted"):
        content.append(
            ft.Row(
                [
                    text_field(
                        f"revoke-{rid}-reason",
                        _("Reason for revoking"),
                        ctx.state.draft(f"revoke-{rid}"),
                        ctx.keep(f"revoke-{rid}"),
                        width=320,
                    ),
                    secondary_button(
                        f"revoke-{rid}", _("Revoke"), ctx.act(ctx.controller.revoke_referral, rid)
                    ),
                ],
                wrap=True,
            )
        )
    return card(content, key=f"referral-{rid}")


def _send_form(ctx: Context) -> ft.Control:
    state, _ = ctx.state, ctx._
    partner = ctx.controller.chosen_partner()
    consent = state.draft("referral-consent", "given")
    partners = [(p.partner_id, p.name) for p in state.partners if not p.revoked]
    services = [
        (e.service_id, f"{e.name} ({e.organization})")
        for e in state.directory
        if not partner or e.partner_id in (None, partner)
    ]
    consent_group = ft.RadioGroup(
        content=ft.Row(
            [
                ft.Radio(value="given", label=_("The person agreed"), key="consent-given"),
                ft.Radio(value="mandatory", label=_("Required by law (no consent)"), key="consent-mandatory"),
            ],
            wrap=True,
        ),
        value=consent if consent in CONSENTS else "given",
        on_change=ctx.keep("referral-consent", announce=True),
    )
    content: list[ft.Control] = [
        heading(_("Refer to a partner"), size=18),
        ft.Row(
            [
                dropdown(
                    "referral-partner",
                    _("Partner"),
                    partners,
                    partner or None,
                    ctx.keep("referral-partner", announce=True),
                    width=260,
                ),
                dropdown(
                    "referral-service",
                    _("Service"),
                    [("", _("No particular service")), *services],
                    state.draft("referral-service"),
                    ctx.keep("referral-service"),
                    width=320,
                ),
            ],
            wrap=True,
        ),
        tagged("referral-consent", consent_group, label=_("Consent")),
    ]
    if consent == "mandatory":
        content.append(
            text_field(
                "referral-legal-basis",
                _("Legal basis"),
                state.draft("referral-legal-basis"),
                ctx.keep("referral-legal-basis"),
                multiline=True,
            )
        )
    content.append(
        secondary_button(
            "referral-send", _("Send referral"), ctx.act(ctx.controller.send_referral), icon=ft.Icons.SEND
        )
    )
    return card(content, key="referral-form")


def build_case(ctx: Context) -> list[ft.Control]:
    detail, _ = ctx.state.case, ctx._
    if detail is None:
        return [para(_("Choose a case in the list."))]
    summary = detail.summary
    blocks = [_element_block(ctx, detail, element, title) for element, title in ELEMENTS]
    picture = (
        ft.Column(blocks, spacing=8)
        if ctx.state.narrow
        else ft.Row(blocks, spacing=8, vertical_alignment=ft.CrossAxisAlignment.START)
    )
    unknown: list[ft.Control] = [para(f"• {item}", size=13) for item in detail.unknown] or [
        para(_("None."), size=13)
    ]
    return [
        text_button(
            "back-to-cases",
            _("Back to the cases"),
            ctx.act(ctx.controller.open, Screen.CASES),
            icon=ft.Icons.ARROW_BACK,
        ),
        ft.Semantics(
            identifier="case-headline",
            label=detail.headline,
            content=heading(detail.headline, key="case-headline"),
        ),
        ft.Row(
            [
                labelled(_("Outcome level"), summary.level_label, key="case-level"),
                labelled(_("Protocol"), f"{summary.protocol_id} {summary.protocol_version}"),
                labelled(_("Recorded"), ctx.when(summary.recorded_at)),
                labelled(_("Device"), summary.device_id),
            ],
            wrap=True,
            spacing=24,
        ),
        ft.Container(picture, key="outcome-picture"),
        card([heading(_("Left unknown"), size=18), *unknown], key="unknowns"),
        card(
            [
                heading(_("Referral needs"), size=18),
                *[para(f"• {need}", size=13) for need in detail.referral_needs],
            ],
            key="needs",
        ),
        *(
            [card([heading(_("Notes"), size=18), para(detail.notes, selectable=True)])]
            if detail.notes
            else []
        ),
        heading(_("Referrals of this case"), size=18),
        *[_referral_card(ctx, r, revocable=False) for r in detail.referrals],
        _send_form(ctx),
    ]


# -- referrals, directory, devices, audit, exports ---------------------------------------------------


def build_referrals(ctx: Context) -> list[ft.Control]:
    cards = [_referral_card(ctx, r, revocable=True) for r in ctx.state.referrals]
    _ = ctx._
    return cards or [para(_("No referral yet. Send one from a case."), key="no-referrals")]


def _entry_card(ctx: Context, entry: Any) -> ft.Control:
    _ = ctx._
    sid = entry.service_id
    flags: list[ft.Control] = []
    if entry.stale:
        flags.append(tagged(f"entry-{sid}-stale", ft.Text(_("Stale: verify again"), color=ft.Colors.ERROR)))
    verified = entry.last_verified.isoformat() if entry.last_verified else _("never")
    editable = (("name", _("Name")), ("email", _("New e-mail")), ("url", _("New web address")))
    return card(
        [
            ft.Row([para(entry.name, weight=ft.FontWeight.W_600), *flags], wrap=True),
            para(entry.organization + " · " + (", ".join(entry.needs) or _("needs not mapped")), size=13),
            para(_("Last verified: {date}").format(date=verified) + " · " + entry.area, size=13),
            ft.Row(
                [
                    *(
                        text_field(
                            f"entry-{sid}-{name}",
                            label,
                            ctx.state.draft(f"entry-{sid}-{name}", entry.name if name == "name" else ""),
                            ctx.keep(f"entry-{sid}-{name}"),
                            width=240,
                        )
                        for name, label in editable
                    ),
                    secondary_button(f"entry-{sid}-save", _("Save"), ctx.act(ctx.controller.save_entry, sid)),
                    secondary_button(
                        f"entry-{sid}-verify", _("Mark verified"), ctx.act(ctx.controller.mark_verified, sid)
                    ),
                ],
                wrap=True,
            ),
        ],
        key=f"entry-{sid}",
    )


def build_directory(ctx: Context) -> list[ft.Control]:
    _ = ctx._
    return [
        ft.Row(
            [
                text_field(
                    "directory-path",
                    _("HSDS file on this computer"),
                    ctx.state.draft("directory-path"),
                    ctx.keep("directory-path"),
                    width=420,
                ),
                secondary_button("directory-import", _("Import"), ctx.act(ctx.controller.import_directory)),
                secondary_button(
                    "directory-publish", _("Sign and publish"), ctx.act(ctx.controller.publish_directory)
                ),
            ],
            wrap=True,
        ),
        *[_entry_card(ctx, entry) for entry in ctx.state.directory],
    ]


def _code_card(ctx: Context) -> ft.Control:
    code, _ = ctx.state.code, ctx._
    if code is None:
        return ft.Container()
    whom = _("a device") if ctx.state.code_for == "device" else ctx.state.code_for or ""
    image = ft.Image(src=code.qr_png, width=240, height=240, key="code-qr-image")
    return card(
        [
            heading(_("Enrollment code for {whom}").format(whom=whom), size=18),
            tagged("code-qr", ft.Container(image, bgcolor=ft.Colors.WHITE, padding=8), label=_("QR code")),
            para(code.code, selectable=True, key="code-text"),
            para(_("Valid until {time}").format(time=ctx.when(code.expires_at)), size=13),
            para(_("Hand it over yourself: anyone holding it can enroll once."), size=13),
        ],
        key="code",
    )


def build_devices(ctx: Context) -> list[ft.Control]:
    state, _ = ctx.state, ctx._
    content: list[ft.Control] = [
        ft.Row(
            [
                secondary_button(
                    "device-code",
                    _("New device code"),
                    ctx.act(ctx.controller.device_code),
                    icon=ft.Icons.QR_CODE,
                ),
                text_field(
                    "partner-organization",
                    _("Partner organisation"),
                    state.draft("partner-organization"),
                    ctx.keep("partner-organization"),
                    width=260,
                ),
                secondary_button("partner-code", _("New partner code"), ctx.act(ctx.controller.partner_code)),
            ],
            wrap=True,
        )
    ]
    if state.code is not None:
        content.append(_code_card(ctx))
    content.append(heading(_("Devices"), size=18))
    for device in state.devices:
        seen = ctx.when(device.last_seen) if device.last_seen else _("never")
        words = _("{device} · enrolled {enrolled} · last seen {seen}").format(
            device=device.device_id, enrolled=ctx.when(device.enrolled_at), seen=seen
        )
        revoke = ctx.act(ctx.controller.revoke_device, device.device_id)
        content.append(_principal_row(ctx, f"device-{device.device_id}", words, device.revoked, revoke))
    content.append(heading(_("Partners"), size=18))
    for partner in state.partners:
        words = _("{name} ({organisation}) · enrolled {enrolled}").format(
            name=partner.name, organisation=partner.organization_id, enrolled=ctx.when(partner.enrolled_at)
        )
        revoke = ctx.act(ctx.controller.revoke_partner, partner.partner_id)
        content.append(_principal_row(ctx, f"partner-{partner.partner_id}", words, partner.revoked, revoke))
    return content


def _principal_row(
    ctx: Context, key: str, words: str, revoked: bool, revoke: Callable[..., Any]
) -> ft.Control:
    """A device or a partner: what it is, and "Revoked" or the button that revokes it (`<key>-revoke`)."""
    _ = ctx._
    end = (
        para(_("Revoked"), key=f"{key}-revoked")
        if revoked
        else secondary_button(f"{key}-revoke", _("Revoke"), revoke)
    )
    return ft.Row([ft.Container(para(words, size=13), expand=True), end], key=key)


def build_audit(ctx: Context) -> list[ft.Control]:
    rows: list[ft.Control] = [
        para(
            f"{ctx.when(e.at)} · {e.event} · {e.principal or '-'} {('· ' + e.detail) if e.detail else ''}",
            size=13,
            key=f"audit-{i}",
        )
        for i, e in enumerate(ctx.state.audit)
    ]
    _ = ctx._
    return rows or [para(_("Nothing recorded yet."), key="no-audit")]


def build_exports(ctx: Context) -> list[ft.Control]:
    _ = ctx._
    return [
        para(
            _(
                "Exports write opened cases as files: keep the folder on an encrypted disk,"
                " and delete it when done."
            )
        ),
        text_field(
            "export-folder",
            _("Folder on this computer"),
            ctx.state.draft("export-folder"),
            ctx.keep("export-folder"),
            width=420,
        ),
        ft.Row(
            [
                secondary_button(
                    "export-json",
                    _("Export JSON (one file per case)"),
                    ctx.act(ctx.controller.export, "json"),
                ),
                secondary_button("export-htcds", _("Export HTCDS"), ctx.act(ctx.controller.export, "htcds")),
            ],
            wrap=True,
        ),
    ]


# -- dashboard ---------------------------------------------------------------------------------------


def _chart(ctx: Context, name: str, table: Any, view: DashboardView) -> ft.Control:
    rows, columns, cells = table
    hidden = f"<{view.k}"
    largest = max((v for row in cells for v in row if v is not None), default=0)
    content: list[ft.Control] = [heading(ctx._(TABLE_TITLES.get(name, name)), size=18)]
    for r, row_label in enumerate(rows):
        values = cells[r]
        if not any(v != 0 for v in values):
            continue  # an empty row says nothing; a suppressed cell (None) still shows
        content.append(para(str(row_label), weight=ft.FontWeight.W_600, size=14))
        for c, column_label in enumerate(columns):
            value = values[c]
            if value == 0:
                continue
            shown = hidden if value is None else ctx.t.format_number(value)
            content.append(bar(str(column_label), value, largest, shown, key=f"cell-{name}-{r}-{c}"))
    return card(content, key=f"chart-{name}")


def build_dashboard(ctx: Context) -> list[ft.Control]:
    state, _ = ctx.state, ctx._

    async def switch(event: Any) -> None:
        await ctx.controller.set_shareable(bool(event.control.value))

    switch_control = tagged(
        "shareable", ft.Switch(value=state.shareable, on_change=switch), label=_("Shareable view")
    )
    content: list[ft.Control] = [
        ft.Row(
            [
                switch_control,
                para(
                    _("Shareable view: counts under {k} hidden, safe to show or send").format(
                        k=ctx.t.format_number(state.dashboard.k if state.dashboard else 11)
                    )
                ),
            ],
            wrap=True,
        )
    ]
    view = state.dashboard
    if view is None:
        return content
    if view.not_counted:
        content.append(
            para(
                _("{count} item(s) did not verify and are not counted.").format(
                    count=ctx.t.format_number(view.not_counted)
                ),
                key="not-counted",
            )
        )
    content.extend(_chart(ctx, name, table, view) for name, table in view.tables.items())
    return content


BUILDERS: dict[Screen, Callable[[Context], list[ft.Control]]] = {
    Screen.CASES: build_cases,
    Screen.CASE: build_case,
    Screen.REFERRALS: build_referrals,
    Screen.DIRECTORY: build_directory,
    Screen.DEVICES: build_devices,
    Screen.AUDIT: build_audit,
    Screen.EXPORTS: build_exports,
    Screen.DASHBOARD: build_dashboard,
}


def build_screen(ctx: Context) -> list[ft.Control]:
    return BUILDERS[ctx.state.screen](ctx)
