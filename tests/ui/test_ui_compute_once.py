"""The app asks the engine once for what it needs, not once per screen that reads it.

UI100: one tap on Next walks the protocol once: the answer returns the next step, and the screens
       show it (before this change: 5 or 6 steps per tap on border-rapid).
UI101: the outcome is computed once, when the questions are over; finishing seals that outcome
       (before: twice, for the summary and again at finish).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flet_harness import AppHarness
from ui_support import ANSWERS, answer_current, question_id, set_up, to_first_question

import app.screening
from screening_protocols import engine


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Count the app's calls of the engine's `outcome`, and the engine's walks (`_continue`: what
    `answer_next` does once to reach the step it returns, and `next_step` for a state it has none for)."""
    calls: Counter[str] = Counter()

    def counted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(app.screening, "outcome", counted("outcome", app.screening.outcome))
    monkeypatch.setattr(engine, "_continue", counted("walk", engine._continue))
    yield calls
    monkeypatch.undo()


async def test_ui100_one_step_per_tap(app: AppHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    await set_up(app)
    await to_first_question(app)
    taps = 0
    with counting(monkeypatch) as calls:
        while app.top_view.route == "/question":
            value = ANSWERS[question_id(app)]
            before = calls["walk"]
            await answer_current(app, value)
            taps += 1
            assert calls["walk"] - before == 1, f"tap {taps}: {calls['walk'] - before} walks"
    assert taps == len(ANSWERS) and app.top_view.route == "/summary"


async def test_ui101_outcome_once(app: AppHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    await set_up(app)
    await to_first_question(app)
    with counting(monkeypatch) as calls:
        while app.top_view.route == "/question":
            await answer_current(app, ANSWERS[question_id(app)])
        assert app.top_view.route == "/summary"
        await app.click("summary-rights")
        await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights screen")
    assert calls["outcome"] == 1
