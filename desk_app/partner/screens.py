"""The partner desk's screens, built from the state alone (pure: no I/O, no service calls).

Inbox: one row per referral (received, status, urgency, language, needs), newest first. Referral: only
the minimised fields the device sealed, with translated labels and values, the status history, and the
answers its status allows (accept or decline a new referral; complete an accepted one). Every control a
person touches has a stable identifier (`partner-...`, as `key=` and as the semantics identifier).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import flet as ft

from app.components.chrome import APP_TITLE, busy_bar
from app.components.tagged import secondary_button, tagged, text_button
from app.components.text import heading, para
from app.errors import error_banner
from app.i18n import SHIPPED_LANGUAGES, Translator, language_name
from app.theme import fallback_style
from desk_app.partner.state import Answer, PartnerDeskState, Screen
from sync.desk.service import PartnerReferralView, StatusEntry
from waypoint.core.i18n import N_

__all__ = ["Actions", "build_view"]

MAX_CONTENT_WIDTH = 1100
TEXT_LIMIT = 2000  # characters in a reason or note

STATUS_LABELS: Mapping[str, str] = {
    "sent": N_("New"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "completed": N_("Completed"),
    "revoked": N_("Withdrawn by the organisation"),
}
FIELD_LABELS: Mapping[str, str] = {
    "urgency": N_("Urgency"),
    "language": N_("Language"),
    "contact_preference": N_("How to contact the person"),
    "age_group": N_("Age group"),
    "gender": N_("Gender"),
    "needs": N_("Needs"),
    "consent": N_("Basis for sharing"),
    "legal_basis": N_("Legal basis"),
    "service_id": N_("Service"),
}
VALUE_LABELS: Mapping[str, Mapping[str, str]] = {
    "urgency": {"immediate": N_("Immediate"), "soon": N_("Soon")},
    "contact_preference": {
        "through_officer": N_("Through the referring officer"),
        "in_person": N_("In person"),
        "phone": N_("By phone"),
    },
    "age_group": {"adult": N_("Adult"), "child": N_("Child")},
    "gender": {"female": N_("Female"), "male": N_("Male"), "other": N_("Other")},
    "consent": {
        "consent": N_("The person agreed"),
        "mandatory_child_protection": N_("Mandatory child-protection referral"),
    },
    "needs": {
        "shelter": N_("Safe shelter"),
        "medical": N_("Medical care"),
        "psychosocial": N_("Psychosocial support"),
        "legal": N_("Legal advice"),
        "documents_consular": N_("Identity documents / consular help"),
        "child_protection": N_("Child protection services"),
        "interpretation": N_("Interpreter in the person's language"),
        "safe_return": N_("Safe, voluntary return"),
        "reintegration": N_("Support to settle back home"),
        "labour_rights": N_("Help to claim unpaid wages and work rights"),
        "immigration_status": N_("Advice on permission to stay and time to decide"),
    },
}
ACTORS: Mapping[str, str] = {
    "device": N_("the referring officer"),
    "partner": N_("your organisation"),
    "coordinator": N_("the organisation"),
}
DETAIL_LABELS: Mapping[str, str] = {"declined": N_("Reason"), "completed": N_("Note")}


@dataclass(frozen=True)
class Actions:
    """What the screens may ask for: each returns a handler for a control's event."""

    refresh: Callable[..., Any]
    open: Callable[[str], Callable[..., Any]]
    back: Callable[..., Any]
    accept: Callable[..., Any]
    start: Callable[[Answer], Callable[..., Any]]
    cancel: Callable[..., Any]
    confirm: Callable[..., Any]
    type_draft: Callable[..., Any]
    set_language: Callable[..., Any]


def status_label(t: Translator, status: str) -> str:
    return t.gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def value_label(t: Translator, name: str, value: str) -> str:
    """A field's value in words: a language by its name, needs one by one, codes by their label."""
    if name == "language":
        return language_name(value, t.language)
    labels = VALUE_LABELS.get(name, {})
    if name == "needs":
        return ", ".join(t.gettext(labels[need]) if need in labels else need for need in value.split(","))
    return t.gettext(labels[value]) if value in labels else value


def _cell(label: str, value: str, key: str, rtl: bool, width: int | None) -> ft.Control:
    """A small label above its value; the value carries the identifier `key`."""
    return ft.Container(
        ft.Column(
            [
                para(label, rtl=rtl, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Semantics(
                    identifier=key, label=f"{label}: {value}", content=para(value, rtl=rtl, key=key)
                ),
            ],
            spacing=2,
        ),
        width=width,
    )


def _filled(identifier: str, text: str, on_click: Any, icon: ft.IconData | None = None) -> ft.Control:
    """The screen's main action, sized to its label (it shares a wrapping row with others)."""
    button = ft.FilledButton(
        content=text,
        icon=icon,
        on_click=on_click,
        style=ft.ButtonStyle(
            padding=ft.Padding.symmetric(horizontal=20, vertical=16),
            shape=ft.RoundedRectangleBorder(radius=12),
        ),
    )
    return tagged(identifier, button, label=text, button=True)


def _inbox_row(state: PartnerDeskState, t: Translator, view: PartnerReferralView, open_: Any) -> ft.Control:
    _ = t.gettext
    rtl, rid = t.rtl, view.referral_id
    width = None if state.narrow else 180
    cells = [
        _cell(_("Received"), t.format_datetime(view.received_at), f"partner-row-received-{rid}", rtl, width),
        _cell(_("Status"), status_label(t, view.status), f"partner-row-status-{rid}", rtl, width),
    ]
    if view.refused:
        refused = _("Not verified: do not rely on this.")
        cells.append(para(refused, rtl=rtl, color=ft.Colors.ERROR, key=f"partner-row-refused-{rid}"))
    for name in ("urgency", "language", "needs"):
        if name in view.fields:
            value = value_label(t, name, view.fields[name])
            cells.append(_cell(_(FIELD_LABELS[name]), value, f"partner-row-{name}-{rid}", rtl, width))
    strong = view.status == "sent" and view.fields.get("urgency") == "immediate"
    row = ft.Container(
        ft.Row(cells, wrap=True, spacing=16, run_spacing=8, rtl=rtl),
        padding=12,
        border_radius=12,
        border=ft.Border.all(2 if strong else 1, ft.Colors.ERROR if strong else ft.Colors.OUTLINE_VARIANT),
        bgcolor=ft.Colors.PRIMARY_CONTAINER if view.status == "sent" else None,
        on_click=open_,
        ink=True,
    )
    label = f"{status_label(t, view.status)}, {t.format_datetime(view.received_at)}"
    return tagged(f"partner-referral-{rid}", row, label=label, button=True)


def _inbox(state: PartnerDeskState, t: Translator, actions: Actions) -> list[ft.Control]:
    _ = t.gettext
    controls: list[ft.Control] = [
        heading(_("Referrals to your organisation"), rtl=t.rtl, key="partner-title")
    ]
    if state.loaded and not state.inbox:
        controls.append(
            para(_("No referrals yet. Press Refresh to check again."), rtl=t.rtl, key="partner-inbox-empty")
        )
    controls.extend(_inbox_row(state, t, view, actions.open(view.referral_id)) for view in state.inbox)
    return controls


def _history_line(t: Translator, index: int, entry: StatusEntry) -> ft.Control:
    _ = t.gettext
    who = t.gettext(ACTORS[entry.by]) if entry.by in ACTORS else entry.by
    status = t.gettext(N_("Sent")) if entry.status == "sent" else status_label(t, entry.status)
    lines: list[ft.Control] = [
        ft.Row(
            [
                para(status, rtl=t.rtl, weight=ft.FontWeight.W_600),
                para(t.format_datetime(entry.at), rtl=t.rtl),
                para(who, rtl=t.rtl, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            wrap=True,
            spacing=12,
            rtl=t.rtl,
        )
    ]
    if entry.detail:
        label = t.gettext(DETAIL_LABELS.get(entry.status, N_("Note")))
        lines.append(para(f"{label}: {entry.detail}", rtl=t.rtl))
    if not entry.verified:
        lines.append(para(_("Not verified: do not rely on this."), rtl=t.rtl, color=ft.Colors.ERROR))
    return ft.Semantics(
        identifier=f"partner-history-{index}",
        container=True,
        content=ft.Column(lines, spacing=4, key=f"partner-history-{index}"),
    )


def _answer_form(state: PartnerDeskState, t: Translator, actions: Actions) -> list[ft.Control]:
    _ = t.gettext
    decline = state.answering is Answer.DECLINE
    label = (
        _("Why your service cannot take this referral (required)")
        if decline
        else _("Completion note (optional)")
    )
    identifier = "partner-reason" if decline else "partner-note"
    field = ft.TextField(
        label=label,
        value=state.draft,
        rtl=t.rtl,
        multiline=True,
        min_lines=2,
        max_lines=6,
        max_length=TEXT_LIMIT,
        on_change=actions.type_draft,
        autofocus=True,
        autocorrect=False,
        enable_suggestions=False,
        text_style=fallback_style(),
        label_style=fallback_style(),
    )
    confirm_label = _("Decline the referral") if decline else _("Mark the referral completed")
    confirm_id = "partner-decline-confirm" if decline else "partner-complete-confirm"
    return [
        tagged(identifier, field, label=label),
        para(_("What you write is sealed to the organisation that sent the referral."), rtl=t.rtl, size=13),
        ft.Row(
            [
                _filled(confirm_id, confirm_label, actions.confirm),
                text_button("partner-answer-cancel", _("Cancel"), actions.cancel),
            ],
            wrap=True,
            spacing=8,
            rtl=t.rtl,
        ),
    ]


def _referral(state: PartnerDeskState, t: Translator, actions: Actions) -> list[ft.Control]:
    _ = t.gettext
    view = state.current
    back = text_button("partner-back", _("Back to the inbox"), actions.back, icon=ft.Icons.ARROW_BACK)
    if view is None:
        return [back]
    controls: list[ft.Control] = [
        ft.Row([back], rtl=t.rtl),
        heading(_("Referral received {when}").format(when=t.format_datetime(view.received_at)), rtl=t.rtl),
        tagged(
            "partner-status",
            para(status_label(t, view.status), rtl=t.rtl, size=18, weight=ft.FontWeight.W_600),
            label=status_label(t, view.status),
        ),
    ]
    if view.refused:
        text = _(
            "This referral could not be verified ({reason}). "
            "Do not act on it; tell the organisation that sent it."
        ).format(reason=view.refused)
        controls.append(para(text, rtl=t.rtl, color=ft.Colors.ERROR, key="partner-refused"))
    else:
        controls.append(
            para(_("Only what the person agreed to share for your service is shown."), rtl=t.rtl, size=13)
        )
        width = None if state.narrow else 320
        cells = [
            _cell(_(FIELD_LABELS[name]), value_label(t, name, value), f"partner-field-{name}", t.rtl, width)
            for name, value in view.fields.items()
            if name in FIELD_LABELS
        ]
        controls.append(ft.Row(cells, wrap=True, spacing=24, run_spacing=12, rtl=t.rtl, key="partner-fields"))
    controls.append(heading(_("History"), rtl=t.rtl))
    controls.extend(_history_line(t, index, entry) for index, entry in enumerate(view.history))
    if view.refused:
        return controls
    if state.answering is not None:
        controls.extend(_answer_form(state, t, actions))
    elif view.status == "sent":
        controls.append(
            ft.Row(
                [
                    _filled("partner-accept", _("Accept"), actions.accept, icon=ft.Icons.CHECK),
                    secondary_button(
                        "partner-decline", _("Decline"), actions.start(Answer.DECLINE), icon=ft.Icons.CLOSE
                    ),
                ],
                wrap=True,
                spacing=8,
                rtl=t.rtl,
            )
        )
    elif view.status == "accepted":
        controls.append(
            ft.Row(
                [
                    _filled(
                        "partner-complete",
                        _("Mark completed"),
                        actions.start(Answer.COMPLETE),
                        icon=ft.Icons.TASK_ALT,
                    )
                ],
                rtl=t.rtl,
            )
        )
    return controls


def _bar(state: PartnerDeskState, t: Translator, actions: Actions) -> ft.AppBar:
    _ = t.gettext
    language = ft.Dropdown(
        value=state.language,
        options=[ft.DropdownOption(key=code, text=language_name(code)) for code in SHIPPED_LANGUAGES],
        on_select=actions.set_language,
        width=170,
        dense=True,
        text_style=fallback_style(),
    )
    refresh = secondary_button("partner-refresh", _("Refresh"), actions.refresh, icon=ft.Icons.REFRESH)
    return ft.AppBar(
        title=ft.Text(APP_TITLE, key="app-title"),
        automatically_imply_leading=False,
        actions=[
            tagged("partner-language", language, label=_("Language of this desk")),
            ft.Container(width=8),
            refresh,
            ft.Container(width=8),
        ],
        toolbar_height=64,
        rtl=t.rtl,
    )


def build_view(state: PartnerDeskState, t: Translator, actions: Actions, width: float | None) -> ft.View:
    """The one view for the state's screen (pure: reads state, does no I/O)."""
    body = _referral(state, t, actions) if state.screen is Screen.REFERRAL else _inbox(state, t, actions)
    column: list[ft.Control] = [busy_bar(state.busy)]
    if state.error:
        column.append(error_banner(state.error, t.rtl, t.rtl))
    if state.notice:
        column.append(
            ft.Semantics(
                identifier="partner-notice",
                label=state.notice,
                live_region=True,
                content=para(state.notice, rtl=t.rtl, key="partner-notice", color=ft.Colors.PRIMARY),
            )
        )
    column.append(
        ft.Column(
            [
                ft.Semantics(
                    identifier=f"partner-screen-{state.screen.value}",
                    container=True,
                    content=ft.Column(
                        body, spacing=12, rtl=t.rtl, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
                    ),
                )
            ],
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
    )
    content_width = None if not width else min(float(width) - 32, MAX_CONTENT_WIDTH)
    return ft.View(
        route=f"/{state.screen.value}",
        appbar=_bar(state, t, actions),
        controls=[
            ft.Container(
                ft.Column(column, expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                width=content_width,
                expand=True,
            )
        ],
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        padding=16,
    )
