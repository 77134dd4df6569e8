"""Each screen does what the guidance asks (domain.md §5) and can be reached, driven and read.

UI030: set-up refuses a weak secret with the vault's translated message and stays on set-up.
UI031: set-up refuses two different secrets.
UI032: a family, employer or companion interpreter raises a warning; so does "not alone".
UI033: without the checks answered, the interview cannot start.
UI034: refusing consent stores nothing and still shows the rights information.
UI035: immediate danger stops the questions and shows the emergency guidance, then the summary; or,
       once the person is safe, the officer continues the questions with every answer kept.
UI036: the summary explains each indicator by the questions behind it and lists referral needs.
UI037: two languages at once: the respondent's language large, the officer's beneath.
UI038: an RTL respondent language mirrors respondent screens; the officer's screens follow the
       officer's language.
UI039: every interactive control on every screen has a key and a semantics identifier, and every
       button is at least 48 px tall.
UI040: locking from home, then unlocking, opens home (no interview to return to).
"""

from __future__ import annotations

import dataclasses

import flet as ft
from flet.controls.base_control import BaseControl
from flet_harness import AppHarness, iter_controls
from ui_support import (
    ANSWERS,
    SECRET,
    answer_current,
    question_id,
    set_up,
    skip_code,
    to_first_question,
    unlock,
)

from app.theme import MIN_TAP
from app.vault import WeakSecretError


async def test_ui030_weak_secret_is_refused(app: AppHarness) -> None:
    await skip_code(app)
    await app.type("setup-secret", "password1")
    await app.type("setup-confirm", "password1")
    await app.click("setup-create")
    await app.wait_for(lambda: app.page.data.state.last_error is not None, what="the error message")
    assert app.top_view.route == "/setup"
    assert app.page.data.state.last_error.startswith(WeakSecretError.what)
    assert not app.page.data.state.vault.has_secret


async def test_ui031_different_secrets_are_refused(app: AppHarness) -> None:
    await skip_code(app)
    await app.type("setup-secret", SECRET)
    await app.type("setup-confirm", SECRET + " typo")
    await app.click("setup-create")
    await app.wait_for(lambda: app.page.data.state.last_error is not None, what="the error message")
    assert app.top_view.route == "/setup" and "not the same" in app.page.data.state.last_error


async def test_ui032_risky_interpreter_and_company_warn(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-new")
    await app.click("protocol-border-rapid")
    await app.click("respondent-language-en")
    await app.click("protocol-continue")
    assert "warning-interpreter" not in app.semantics_ids()
    for risky in ("family", "employer", "companion"):
        await app.click(f"check-interpreter-{risky}")
        assert "warning-interpreter" in app.semantics_ids(), risky
    await app.click("check-interpreter-professional")
    assert "warning-interpreter" not in app.semantics_ids()
    await app.click("check-alone-no")
    assert "warning-not-alone" in app.semantics_ids()


async def test_ui033_checks_are_required(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-new")
    await app.click("protocol-border-rapid")
    await app.click("respondent-language-en")
    await app.click("protocol-continue")
    await app.click("checks-continue")
    assert app.top_view.route == "/checks" and app.page.data.state.last_error


async def test_ui034_refused_consent_stores_nothing(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-new")
    await app.click("protocol-border-rapid")
    await app.click("respondent-language-en")
    await app.click("protocol-continue")
    await app.click("check-alone-yes")
    await app.click("check-interpreter-none")
    await app.click("checks-continue")
    await app.click("consent-refuse")
    assert app.top_view.route == "/rights"
    assert app.page.data.state.vault.list_interviews() == []


async def test_ui035_immediate_danger_stops_questions(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    assert question_id(app) == "in_danger"
    await answer_current(app, "yes")
    await app.wait_for(lambda: app.top_view.route == "/emergency", what="the emergency screen")
    assert any(k.startswith("emergency-guidance-") for k in app.keys())
    await app.click("emergency-continue")
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    assert app.page.data.state.outcome.level == "immediate_danger"


async def test_ui035_continue_once_the_person_is_safe(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_current(app, "yes")
    await app.wait_for(lambda: app.top_view.route == "/emergency", what="the emergency screen")
    await app.click("emergency-resume")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the next question")
    assert question_id(app) == "age"
    screening = app.page.data.state.screening
    assert screening.interview.answers["in_danger"] == "yes"
    while app.top_view.route == "/question":
        await answer_current(app, ANSWERS[question_id(app)])
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    assert screening.outcome().level == "immediate_danger"
    assert len(screening.interview.answers) == len(ANSWERS)


async def test_ui036_summary_explains_findings(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    while app.top_view.route == "/question":
        await answer_current(app, ANSWERS[question_id(app)])
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    texts = " ".join(app.texts())
    assert "Because of the answer to: Who keeps the money you earn?" in texts
    assert any(k.startswith("referral-") for k in app.keys())
    assert "outcome-level" in app.semantics_ids()


async def test_ui037_two_languages_at_once(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app, respondent="fr", officer="en")
    column = app.by_key("question-text-in_danger")
    primary, secondary = column.controls
    assert primary.size > secondary.size
    assert primary.value != secondary.value
    assert secondary.value.startswith("Are you")


async def test_ui038_rtl_follows_the_audience(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app, respondent="ar", officer="en")
    assert app.top_view.rtl is True
    primary, secondary = app.by_key("question-text-in_danger").controls
    assert primary.rtl is True and secondary.rtl is False
    await app.click("question-stop")
    assert app.top_view.rtl is True  # the stop screen speaks to the respondent
    await app.click("stop-continue")
    await app.click("quick-exit")
    assert app.top_view.rtl is False  # the neutral screen is in the officer's language
    await app.click("neutral-open")
    await unlock(app)
    assert app.top_view.rtl is True


def _interactive(control: BaseControl) -> bool:
    if isinstance(control, ft.TextField | ft.Switch | ft.Checkbox | ft.Dropdown):
        return True
    return getattr(control, "on_click", None) is not None


def _unlabelled(app: AppHarness) -> list[str]:
    problems = []
    for semantics in iter_controls(app.top_view):
        if isinstance(semantics, ft.Semantics) and semantics.content is not None:
            content = semantics.content
            if _interactive(content) and content.key != semantics.identifier:
                problems.append(f"{semantics.identifier}: key {content.key}")
    wrapped = {
        id(s.content) for s in iter_controls(app.top_view) if isinstance(s, ft.Semantics) and s.identifier
    }
    for control in iter_controls(app.top_view):
        if _interactive(control) and id(control) not in wrapped:
            problems.append(
                f"{type(control).__name__} without a semantics identifier on {app.top_view.route}"
            )
        height = getattr(control, "height", None)
        if _interactive(control) and height is not None and height < MIN_TAP:
            problems.append(f"{control.key} is {height} px tall")
    for semantics in iter_controls(app.top_view):
        if isinstance(semantics, ft.Semantics) and semantics.identifier and _interactive(semantics.content):
            if not (semantics.label or getattr(semantics.content, "label", None)):
                problems.append(f"{semantics.identifier} has no label")
    return problems


async def test_ui039_every_control_is_identified_and_big_enough(app: AppHarness) -> None:
    problems: list[str] = []
    visited: set[str] = set()

    def check() -> None:
        visited.add(app.top_view.route)
        problems.extend(_unlabelled(app))

    check()
    await set_up(app)
    check()
    await app.click("home-new")
    await app.click("protocol-border-rapid")
    check()
    await app.click("respondent-language-ar")
    await app.click("protocol-continue")
    check()
    await app.click("check-alone-no")
    await app.click("check-interpreter-family")
    check()
    if app.find("check-confirm-red-flags") is not None:  # red flags are confirmed before going on
        await app.toggle("check-confirm-red-flags", True)
    await app.click("checks-continue")
    check()
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
    while app.top_view.route == "/question":
        check()
        await answer_current(app, ANSWERS[question_id(app)])
    for step in ("summary-rights", "rights-done"):
        check()
        await app.click(step)
    check()
    assert not problems, problems
    assert {
        "/setup",
        "/home",
        "/protocol",
        "/checks",
        "/consent",
        "/question",
        "/summary",
        "/rights",
        "/end",
    } <= visited
    assert dataclasses.is_dataclass(app.top_view)


async def test_ui040_lock_from_home(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-lock")
    assert app.top_view.route == "/unlock"
    assert not app.page.data.state.vault.is_unlocked
    await unlock(app)
    assert app.top_view.route == "/home"
