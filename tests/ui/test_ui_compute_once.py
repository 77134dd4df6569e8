"""The app asks the engine once for what it needs, not once per screen that reads it.

UI100: one tap on Next computes the next step once: the answer returns it, and the screens show it
       (before this change: 5 or 6 times per tap on border-rapid).
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


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Count the app's calls of the engine's `next_step` and `outcome`."""
    calls: Counter[str] = Counter()

    def counted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return call

    for name in ("next_step", "outcome"):
        monkeypatch.setattr(app.screening, name, counted(name, getattr(app.screening, name)))
    yield calls
    monkeypatch.undo()


async def test_ui100_one_step_per_tap(app: AppHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    await set_up(app)
    await to_first_question(app)
    taps = 0
    with counting(monkeypatch) as calls:
        while app.top_view.route == "/question":
            value = ANSWERS[question_id(app)]
            before = calls["next_step"]
            await answer_current(app, value)
            taps += 1
            assert calls["next_step"] - before == 1, f"tap {taps}: {calls['next_step'] - before} steps"
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
