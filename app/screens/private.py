"""Private answering: the respondent holds the device, hears the question, and answers with icons.

No question text on screen. A yes/no question shows large icon buttons (yes, no, don't know, prefer
not to say) and "repeat"; a choice shows numbered tiles; a number shows a keypad. Every answer button
says its word (or its option) aloud when touched and is marked; the tick then answers, so a person
who cannot read hears what they chose before confirming. The officer takes the device back with the
secret (hand-back). The player's state and the clip it plays are shown in a semantics label, so
assistive technology (and the browser test) can tell that the prompt really played.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.components.tagged import tagged
from app.components.text import para
from app.controllers.private import PRIVATE_DECLINE
from app.screens.base import ScreenBody, ScreenContext
from app.spoken import UI_TEXTS
from app.theme import MIN_TAP
from app.wording import question_wording
from screening_protocols import AskQuestion
from waypoint.core.i18n import N_

YES_NO_BUTTONS = (  # (identifier, answer or "decline", icon, spoken label, colour)
    ("private-yes", "yes", ft.Icons.CHECK_CIRCLE, N_("Yes"), ft.Colors.GREEN_700),
    ("private-no", "no", ft.Icons.CANCEL, N_("No"), ft.Colors.RED_700),
    ("private-unsure", "unsure", ft.Icons.HELP, N_("I don't know"), ft.Colors.AMBER_900),
)
DECLINE_COLOR = ft.Colors.BLUE_GREY_700
BIG = 120
TILE = 84


def _icon_button(
    identifier: str,
    content: ft.Control,
    label: str,
    color: ft.ColorValue,
    on_click: Callable[..., Any],
    size: int = BIG,
    selected: bool = False,
    width: int | None = None,
) -> ft.Control:
    button = ft.Container(
        content,
        width=width or size,
        height=size,
        alignment=ft.Alignment.CENTER,
        border_radius=24,
        border=ft.Border.all(6 if selected else 3, color),
        bgcolor=ft.Colors.with_opacity(0.15, color) if selected else None,
        ink=True,
        on_click=on_click,
        tooltip=label,
    )
    return tagged(identifier, button, label=label, button=True, selected=selected)


def _icon(icon: ft.IconData, color: ft.ColorValue, size: int = 80) -> ft.Control:
    return ft.Icon(icon, size=size, color=color)


def _digit(value: str, rtl: bool, size: int = 34) -> ft.Control:
    return para(value, rtl=rtl, size=size, weight=ft.FontWeight.W_600)


def _confirm(ctx: ScreenContext) -> ft.Control:
    """The wide button under the answers that makes the marked answer count (not like "yes")."""
    return _icon_button(
        "private-confirm",
        _icon(ft.Icons.ARROW_FORWARD, ft.Colors.TEAL_700, 64),
        ctx.respondent.gettext(N_("That is my answer")),
        ft.Colors.TEAL_700,
        ctx.on(ctx.actions.private.confirm_private),
        size=96,
        width=2 * BIG + 16,
    )


def _answers(ctx: ScreenContext, step: AskQuestion) -> list[ft.Control]:
    private = ctx.actions.private
    _ = ctx.respondent.gettext
    kind = str(step.question.kind)
    number = ctx.respondent.format_number
    selection = ctx.state.selection
    if kind == "info":
        return [
            _icon_button(
                "private-next",
                _icon(ft.Icons.ARROW_FORWARD, ft.Colors.TEAL_700),
                _("Continue"),
                ft.Colors.TEAL_700,
                ctx.on(ctx.actions.interview.answer, None),
            ),
        ]
    if kind == "yes_no":
        return [
            *[
                _icon_button(
                    identifier,
                    _icon(icon, color),
                    _(label),
                    color,
                    ctx.on(private.choose_private_answer, value, identifier),
                    selected=selection == value,
                )
                for identifier, value, icon, label, color in YES_NO_BUTTONS
            ],
        ]
    if kind == "single_choice":
        tiles = [
            _icon_button(
                f"private-option-{option.value}",
                _digit(number(index), ctx.respondent.rtl),
                number(index),
                ft.Colors.INDIGO_700,
                ctx.on(private.choose_private_option, option.value),
                size=TILE,
                selected=selection == option.value,
            )
            for index, option in enumerate(step.question.options, start=1)
        ]
        return tiles
    digits = selection if isinstance(selection, str) and selection.isdigit() else ""
    typed = "".join(number(int(d)) for d in digits)
    keys = [
        _icon_button(
            f"private-key-{d}",
            _digit(number(d), ctx.respondent.rtl, 28),
            number(d),
            ft.Colors.INDIGO_700,
            ctx.on(private.keypad, str(d)),
            size=72,
        )
        for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)
    ]
    keys.append(
        _icon_button(
            "private-key-back",
            _icon(ft.Icons.BACKSPACE, ft.Colors.INDIGO_700, 36),
            _("Delete"),
            ft.Colors.INDIGO_700,
            ctx.on(private.keypad, "back"),
            size=72,
        )
    )
    display = ft.Semantics(
        identifier="private-typed",
        label=typed or "—",
        content=ft.Container(
            _digit(typed or " ", ctx.respondent.rtl, 40),
            alignment=ft.Alignment.CENTER,
            height=64,
            width=200,
            border=ft.Border.all(2, ft.Colors.OUTLINE),
            border_radius=12,
        ),
    )
    return [display, _keypad(keys, ctx.respondent.rtl)]


def _keypad(keys: list[ft.Control], rtl: bool) -> ft.Control:
    """Keys in rows of three, 1 2 3 from left to right as on every phone, also on a mirrored screen:
    Flet cannot switch a row back to left to right, so a mirrored row gets its keys in reverse."""
    rows = [keys[start : start + 3] for start in range(0, len(keys), 3)]
    return ft.Column(
        [
            ft.Row(list(reversed(row)) if rtl else row, spacing=8, rtl=rtl, width=3 * 72 + 2 * 8)
            for row in rows
        ],
        spacing=8,
        tight=True,
        key="private-keypad",
    )


def _notice(ctx: ScreenContext, step: AskQuestion) -> list[ft.Control]:
    """Feedback for the respondent (nothing marked, a number out of range), in their language; it
    is spoken too (`PrivateController`)."""
    context = ctx.state.private_notice
    if not context:
        return []
    if context in UI_TEXTS:
        text = ctx.respondent.gettext(UI_TEXTS[context])
    else:
        protocol = ctx.protocols.protocol(ctx.state.plan.protocol_id or "")
        text = question_wording(protocol, step.question, ctx.respondent.language).constraint
    box = ft.Container(
        para(text, rtl=ctx.respondent.rtl, size=20, weight=ft.FontWeight.W_600),
        bgcolor=ft.Colors.AMBER_100,
        padding=12,
        border_radius=12,
    )
    return [
        ft.Semantics(identifier="private-notice", label=text, value=context, live_region=True, content=box)
    ]


def build(ctx: ScreenContext) -> ScreenBody:
    private = ctx.actions.private
    _ = ctx.respondent.gettext
    step = ctx.state.step
    if not isinstance(step, AskQuestion):
        raise RuntimeError("the private screen needs a question")
    rtl = ctx.respondent.rtl
    buttons = _answers(ctx, step)
    if str(step.question.kind) != "info":
        decline = _icon_button(
            "private-decline",
            _icon(ft.Icons.DO_NOT_DISTURB_ON, DECLINE_COLOR),
            _("I prefer not to say"),
            DECLINE_COLOR,
            ctx.on(private.choose_private_answer, PRIVATE_DECLINE, "private-decline"),
            selected=ctx.state.selection == PRIVATE_DECLINE,
        )
        buttons.append(decline)
    buttons.append(
        _icon_button(
            "private-repeat",
            _icon(ft.Icons.REPLAY, ft.Colors.INDIGO_700),
            _("Play the question again"),
            ft.Colors.INDIGO_700,
            ctx.on(private.replay_prompt),
        )
    )
    confirm: list[ft.Control] = []
    if str(step.question.kind) != "info":
        confirm = [ft.Row([_confirm(ctx)], alignment=ft.MainAxisAlignment.CENTER, rtl=rtl)]
    audio_state = ctx.state.audio_state
    audio_label = f"audio:{audio_state} {ctx.state.audio_clip}".strip()
    total = max(step.estimated_total, step.position, 1)
    progress = ft.Semantics(
        identifier=f"q-{step.question.id}",
        label=f"{ctx.respondent.format_number(step.position)} / {ctx.respondent.format_number(total)}",
        content=ft.ProgressBar(value=step.position / total, rtl=rtl, key="progress-bar"),
    )
    status = ft.Semantics(
        identifier="audio-state",
        label=audio_label,
        value=audio_state,
        content=ft.Icon(
            ft.Icons.VOLUME_UP if audio_state == "playing" else ft.Icons.HEADPHONES,
            size=40,
            key=f"audio-state-{audio_state}",
        ),
    )
    # The respondent may need to call the officer too: the button says it in both languages.
    words = [ctx.respondent.gettext(N_("Officer")), ctx.officer.gettext(N_("Officer"))]
    officer = " / ".join(dict.fromkeys(words))
    handback = tagged(
        "private-handback",
        ft.TextButton(
            content=officer, icon=ft.Icons.BADGE, on_click=ctx.on(private.request_handback), height=MIN_TAP
        ),
        label=officer,
        button=True,
    )
    notice = _notice(ctx, step)
    return ScreenBody(
        controls=[
            progress,
            ft.Row([status], alignment=ft.MainAxisAlignment.CENTER),
            *notice,
            ft.Row(
                buttons,
                wrap=True,
                spacing=16,
                run_spacing=16,
                alignment=ft.MainAxisAlignment.CENTER,
                rtl=rtl,
                key="private-buttons",
            ),
            *confirm,
            ft.Row([handback], alignment=ft.MainAxisAlignment.END, rtl=rtl),
        ],
        respondent_facing=True,
    )
