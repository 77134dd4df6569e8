"""Layout at 412×915 in five languages: every screen measured in headless Chromium.

One `waypoint run` and one browser tab serve the whole test: the device is set up once (in English,
the device's language), then the tour of tour.py runs one whole interview per language (officer and
respondent in that language: every screen, the emergency one in a second, short interview). On each
screen `layout_probe` reads the semantics tree, scrolling the screen from top to bottom, and every
problem is collected, so one run lists them all, per language:

* no control or text reaches past the 412 px viewport, and the page never scrolls sideways;
* no one-line text that needs far more room than it has (a warning cut mid-sentence);
* every button, switch and field at least 48 × 48 px.

On the set-up screen the probe first taps "Create secret" with nothing typed: the message that
refuses it must sit above the main button, never over it. Screenshots of every screen go to
`artifacts/screenshots/<lang>/`, as in the screening tour.

LO001: English, Arabic (mirrored: switches and warnings stay on screen), Burmese (a tall script),
       Amharic (Ethiopic) and Russian (long words): no problem on any screen; then a reload of the
       page asks for the secret again (no unlocked new page).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import VIEWPORT, RunningApp, by_id, click, open_app, wait_id, wait_screen
from layout_probe import layout_problems
from playwright.sync_api import Page, expect
from tour import emergency_interview, main_interview

pytestmark = pytest.mark.e2e
LANGUAGES = ("en", "ar", "my", "am", "ru")


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


def test_lo001_every_screen_in_five_languages(
    browser: object, running_app: RunningApp, artifacts_dir: Path
) -> None:
    page = open_app(browser, running_app.url, VIEWPORT)
    problems: dict[str, list[str]] = {}
    for language in LANGUAGES:
        found = problems.setdefault(language, [])

        def measure(screen: str, found: list[str] = found) -> None:
            if screen == "setup":
                found.extend(_refusal_above_the_button(page))
            found.extend(f"{screen}: {p}" for p in layout_problems(page, VIEWPORT["width"]))

        fresh = language == LANGUAGES[0]
        tour = main_interview(page, artifacts_dir, language, on_screen=measure, fresh_device=fresh)
        emergency_interview(tour)
    assert {lang: found for lang, found in problems.items() if found} == {}
    page.reload()
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    wait_screen(page, "unlock", timeout=30_000)
    expect(by_id(page, "screen-home")).to_have_count(0)
    page.close()
