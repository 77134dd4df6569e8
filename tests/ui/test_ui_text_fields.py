"""Nothing the officer or the respondent types is learnt by the keyboard (issue 11, finding 11).

Names, secrets, answers and notes typed into a phone's keyboard end up in its suggestion dictionary
and personalised learning, outside the vault. Every text field therefore turns off autocorrection,
suggestions, smart dashes and quotes, and personalised learning.

UI090: every `ft.TextField(...)` call in app/ passes each of those switches as a literal False.
UI091: every text field on the screens a device walks through (set-up code and secrets, home's
       enrollment code, unlock, a typed answer, the summary notes) has them all off.
"""

from __future__ import annotations

import ast
from pathlib import Path

import flet as ft
from flet_harness import AppHarness, iter_controls
from ui_support import ANSWERS, answer_current, question_id, set_up, skip_code, to_first_question, unlock

APP_DIR = Path(__file__).resolve().parents[2] / "app"
NOTHING_LEARNT = {
    "autocorrect": False,
    "enable_suggestions": False,
    "smart_dashes_type": False,
    "smart_quotes_type": False,
    "enable_ime_personalized_learning": False,
}


def _text_field_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted(APP_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = (
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                )
                if name == "TextField":
                    calls.append((f"{path.relative_to(APP_DIR.parent)}:{node.lineno}", node))
    return calls


def test_ui090_every_text_field_in_the_code_learns_nothing() -> None:
    calls = _text_field_calls()
    assert calls, "no ft.TextField call found in app/"
    problems = []
    for where, call in calls:
        given = {
            keyword.arg: keyword.value.value
            for keyword in call.keywords
            if keyword.arg and isinstance(keyword.value, ast.Constant)
        }
        missing = {name for name, value in NOTHING_LEARNT.items() if given.get(name) is not value}
        if missing:
            problems.append(f"{where}: {sorted(missing)}")
    assert not problems, problems


def _learning_fields(app: AppHarness) -> tuple[set[str], list[str]]:
    """The keys of the text fields on screen, and those that still let the keyboard learn."""
    fields = [c for c in iter_controls(app.top_view) if isinstance(c, ft.TextField)]
    learning = [
        f"{field.key}.{name}"
        for field in fields
        for name, value in NOTHING_LEARNT.items()
        if getattr(field, name) is not value
    ]
    return {str(field.key) for field in fields}, learning


async def test_ui091_every_text_field_on_screen_learns_nothing(app: AppHarness) -> None:
    seen: set[str] = set()
    problems: list[str] = []

    def check() -> None:
        keys, learning = _learning_fields(app)
        seen.update(keys)
        problems.extend(learning)

    await app.wait_for(lambda: app.top_view.route == "/setup", what="the set-up screen")
    check()
    await skip_code(app)
    check()
    await set_up(app)
    check()
    await app.click("home-lock")
    check()
    await unlock(app)
    await to_first_question(app)
    while app.top_view.route == "/question":
        check()
        await answer_current(app, ANSWERS[question_id(app)])
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    check()
    assert not problems, problems
    assert seen >= {
        "setup-enrollment-code",
        "setup-secret",
        "setup-confirm",
        "home-enrollment-code",
        "unlock-secret",
        "answer-field",
        "summary-notes",
    }, seen
