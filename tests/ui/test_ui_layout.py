"""Layout that holds at 412 px in every language, checked on the control tree of each screen.

The browser test (tests/e2e/test_e2e_layout.py) measures the rendered screens; these tests pin down
the layout rules that make them hold, on every screen of a walk, in milliseconds.

UI230: no text sits bare in a row that does not wrap: it would be laid out on one line and cut
       mid-sentence (the warnings on the checks screen were); words beside an icon or a switch take
       the rest of the line in an expanding container and wrap.
UI231: a switch stands first in its row, 48 px tall, without a label of its own (a label drawn inside
       the switch's width pushed the switch off a mirrored screen); its words wrap beside it.
UI232: a refused action's message is shown in the screen, above its buttons (no snack bar that
       covers the main button), and is gone after the next action.
UI233: no button has a fixed height (a wrapped label would be cut); the theme keeps the standard
       density, so every button and icon button is at least 48 px tall in a desktop browser too.
UI234: Back shows the earlier answer: the option given is marked, the number typed is in the field.
UI235: on first use home has no "Screenings" heading with nothing under it; with a draft it has.
UI236: a lost connection (a reload) locks: the page that comes back shows the unlock screen.
"""

from __future__ import annotations

import flet as ft
from flet.controls.base_control import BaseControl
from flet_harness import AppHarness, iter_controls
from ui_support import SECRET, answer_current, set_up, skip_code, to_first_question

from app.errors import ERROR_KEY
from app.state import Screen
from app.theme import MIN_TAP


def _through_wrappers(control: BaseControl) -> BaseControl | None:
    """What a row's child shows, looking through semantics and containers that do not expand."""
    while True:
        if getattr(control, "expand", None):
            return None  # an expanding child gets a bounded width: its text wraps
        inner = getattr(control, "content", None)
        if isinstance(control, ft.Semantics | ft.Container) and isinstance(inner, BaseControl):
            control = inner
            continue
        return control


def _bare_texts_in_rows(app: AppHarness) -> list[str]:
    problems = []
    for row in iter_controls(app.top_view):
        if isinstance(row, ft.Row) and not row.wrap:
            for child in row.controls:
                shown = _through_wrappers(child)
                if isinstance(shown, ft.Text) and len(str(shown.value or "")) > 12:
                    problems.append(f"{app.top_view.route}: {shown.value!r}")
    return problems


async def _walk_screens(app: AppHarness, respondent: str, officer: str) -> list[str]:
    """Set up, then every screen of an interview with all warnings on; returns problems per screen."""
    problems: list[str] = []
    await set_up(app)
    problems += _bare_texts_in_rows(app)
    await app.click("home-new")
    await app.wait_for(lambda: app.top_view.route == "/protocol", what="the protocol screen")
    await app.click("protocol-border-rapid")
    await app.click(f"respondent-language-{respondent}")
    await app.click(f"officer-language-{officer}")
    problems += _bare_texts_in_rows(app)
    await app.click("protocol-continue")
    await app.click("check-alone-no")
    await app.click("check-interpreter-family")
    assert app.find("warning-not-alone") is not None and app.find("warning-interpreter") is not None
    problems += _bare_texts_in_rows(app)
    await app.click("check-alone-yes")
    await app.click("check-interpreter-none")
    await app.click("checks-continue")
    problems += _bare_texts_in_rows(app)
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
    problems += _bare_texts_in_rows(app)
    await app.click("question-stop")
    problems += _bare_texts_in_rows(app)
    await app.click("stop-continue")
    await app.click("question-private")
    await app.wait_for(lambda: app.top_view.route == "/private", what="private answering")
    problems += _bare_texts_in_rows(app)
    return problems


async def test_ui230_no_text_is_cut_in_a_row(app: AppHarness) -> None:
    assert await _walk_screens(app, respondent="ar", officer="en") == []


async def test_ui231_switches_stand_first_and_are_big_enough(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-new")
    await app.click("protocol-border-rapid")
    await app.click("respondent-language-ar")
    await app.click("officer-language-ar")
    await app.click("protocol-continue")
    await app.wait_for(lambda: app.top_view.route == "/checks", what="the checks screen")
    seen = 0
    for screen in ("checks", "consent"):
        if screen == "consent":
            await app.click("check-alone-yes")
            await app.click("check-interpreter-none")
            await app.click("checks-continue")
            await app.wait_for(lambda: app.top_view.route == "/consent", what="the consent screen")
        rows = [r for r in iter_controls(app.top_view) if isinstance(r, ft.Row)]
        for row in rows:
            first = _through_wrappers(row.controls[0]) if row.controls else None
            switches = [c for c in iter_controls(row) if isinstance(c, ft.Switch)]
            if not switches or len(switches) > 1:
                continue
            (switch,) = switches
            seen += 1
            assert first is switch, f"{screen}: the switch is not first in its row"
            assert switch.label is None, f"{screen}: the switch draws its own label"
            assert (switch.height or 0) >= MIN_TAP
            assert row.rtl, f"{screen}: an Arabic screen's switch row is not mirrored"
            words = row.controls[1]
            assert isinstance(words, ft.Container) and words.expand, f"{screen}: the words do not wrap"
    assert seen == 2


async def test_ui232_a_refusal_shows_above_the_buttons(app: AppHarness) -> None:
    await skip_code(app)
    await app.type("setup-secret", SECRET)
    await app.type("setup-confirm", SECRET + " typo")
    await app.click("setup-create")
    await app.wait_for(lambda: app.page.data.state.last_error is not None, what="the refusal")
    assert not [d for d in app.page._dialogs.controls if isinstance(d, ft.SnackBar)]  # type: ignore[attr-defined]
    frame = next(
        c
        for c in iter_controls(app.top_view)
        if isinstance(c, ft.Column)
        and any(getattr(child, "key", None) == "screen-actions" for child in c.controls)
    )
    keys = [getattr(child, "identifier", None) or getattr(child, "key", None) for child in frame.controls]
    assert keys.index(ERROR_KEY) < keys.index("screen-actions")
    assert "not the same" in str(app.by_key(ERROR_KEY).value)
    await app.type("setup-secret", SECRET)  # secrets are never kept: the fields are empty again
    await app.type("setup-confirm", SECRET)
    await app.click("setup-create")
    await app.wait_for(lambda: app.top_view.route == "/home", what="the home screen")
    assert app.find(ERROR_KEY) is None


async def test_ui233_buttons_grow_and_keep_48_px(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app, respondent="my", officer="am")
    assert app.page.theme is not None and app.page.theme.visual_density == ft.VisualDensity.STANDARD
    buttons = [
        c
        for c in iter_controls(app.top_view)
        if isinstance(c, ft.FilledButton | ft.OutlinedButton | ft.FilledTonalButton | ft.TextButton)
    ]
    assert buttons
    for button in buttons:
        assert button.height is None, f"{button.key} has a fixed height: a wrapped label is cut"
        padding = button.style.padding if button.style else None
        assert isinstance(padding, ft.Padding) and 20 + padding.top + padding.bottom >= MIN_TAP


async def test_ui234_back_shows_the_earlier_answer(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_current(app, "no")  # in_danger
    await answer_current(app, "34")  # age (a number)
    await app.wait_for(lambda: app.page.data.state.step.question.id == "age_observed", what="age_observed")
    await app.click("question-back")
    await app.wait_for(lambda: app.page.data.state.step.question.id == "age", what="back to age")
    assert app.by_key("answer-field").value == "34"
    await app.click("question-back")
    await app.wait_for(lambda: app.page.data.state.step.question.id == "in_danger", what="in_danger")
    assert isinstance(app.by_key("answer-no"), ft.FilledTonalButton)  # marked
    assert isinstance(app.by_key("answer-yes"), ft.OutlinedButton)
    await app.click("question-next")  # the marked answer is sent as it is
    await app.wait_for(lambda: app.page.data.state.step.question.id == "age", what="age again")


async def test_ui235_no_empty_screenings_heading(app: AppHarness) -> None:
    await set_up(app)
    assert app.find("title-home") is None
    assert "Screenings" not in app.texts()
    await to_first_question(app)  # an interview begun and left unfinished: a draft
    await app.page.data.run(app.page.data.home.go_home)
    await app.wait_for(lambda: app.top_view.route == "/home", what="the home screen")
    assert app.find("title-home") is not None
    assert app.page.data.state.home is not None and app.page.data.state.home.drafts


async def test_ui236_a_lost_connection_locks_the_page(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await app.sess.dispatch_event(app.page._i, "disconnect", None)
    await app.settle()
    await app.sess.dispatch_event(app.page._i, "connect", None)
    await app.settle()
    assert app.page.data.state.screen is Screen.UNLOCK
    assert app.top_view.route == "/unlock"
    assert not app.page.data.state.vault.is_unlocked
