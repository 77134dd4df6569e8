"""Layout at 412×915 in five languages: every screen measured in headless Chromium.

Each test runs its own `waypoint run` (one server per language) and walks the whole tour of tour.py
(every screen, officer and respondent in that language); on each screen `layout_probe` reads the
semantics tree, scrolling the screen from top to bottom, and every problem is collected before the
test fails, so one run lists them all:

* no control or text reaches past the 412 px viewport, and the page never scrolls sideways;
* no one-line text that needs far more room than it has (a warning cut mid-sentence);
* every button, switch and field at least 48 × 48 px.

On the set-up screen the probe first taps "Create secret" with nothing typed: the message that
refuses it must sit above the main button, never over it. Screenshots of every screen go to
`artifacts/screenshots/<lang>/`, as in the screening tour.

LO001: English; then a reload of the page asks for the secret again (no unlocked new page).
LO002: Arabic (mirrored: switches and warnings must stay on screen).
LO003: Burmese (tall script, long words).
LO004: Amharic (Ethiopic).
LO005: Russian (long words).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import VIEWPORT, RunningApp, by_id, click, open_app, wait_id, wait_screen
from layout_probe import layout_problems
from playwright.sync_api import Page, expect
from tour import emergency_interview, main_interview

pytestmark = pytest.mark.e2e


def _box(page: Page, identifier: str) -> dict[str, float]:
    box = by_id(page, identifier).first.bounding_box()
    assert box is not None, identifier
    return box


def _refusal_above_the_button(page: Page) -> list[str]:
    """Tap "Create secret" with nothing typed; the refusal must not cover the button."""
    click(page, "setup-create")
    wait_id(page, "error-message")
    message, button = _box(page, "error-message"), _box(page, "setup-create")
    if message["y"] + message["height"] > button["y"] + 0.5:
        return [f"setup: the refusal ({message}) covers the main button ({button})"]
    return []


def _walk(browser: object, app: RunningApp, artifacts: Path, language: str) -> tuple[Page, list[str]]:
    page = open_app(browser, app.url, VIEWPORT)
    problems: list[str] = []

    def measure(screen: str) -> None:
        if screen == "setup":
            problems.extend(_refusal_above_the_button(page))
        problems.extend(f"{screen}: {p}" for p in layout_problems(page, VIEWPORT["width"]))

    tour = main_interview(page, artifacts, language, on_screen=measure)
    emergency_interview(tour)
    return page, problems


def test_lo001_english(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    page, problems = _walk(browser, running_app, artifacts_dir, "en")
    assert problems == []
    page.reload()
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    wait_screen(page, "unlock", timeout=30_000)
    expect(by_id(page, "screen-home")).to_have_count(0)
    page.close()


def _every_screen(browser: object, app: RunningApp, artifacts: Path, language: str) -> None:
    page, problems = _walk(browser, app, artifacts, language)
    assert problems == []
    page.close()


def test_lo002_arabic(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    _every_screen(browser, running_app, artifacts_dir, "ar")


def test_lo003_burmese(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    _every_screen(browser, running_app, artifacts_dir, "my")


def test_lo004_amharic(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    _every_screen(browser, running_app, artifacts_dir, "am")


def test_lo005_russian(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    _every_screen(browser, running_app, artifacts_dir, "ru")
