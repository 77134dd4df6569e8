"""Practice mode end to end in headless Chromium at 412×915 (issue 16).

E2E010: English and Arabic: one practice case (border-rapid-01) from home to the feedback, through the
        real pre-checks, consent and questions, answered as the person replies; the "Practice —
        nothing is saved" band is visible on every screenshot, and mirrored in Arabic. Screenshots:
        `artifacts/screenshots/practice-<lang>/<NN>-<screen>.png`. The app's files are unchanged by the
        practice, apart from the separate practice-score store.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from e2e_support import (
    SECRET,
    VIEWPORT,
    Connections,
    RunningApp,
    advance,
    by_id,
    choose,
    click,
    open_app,
    type_into,
    wait_id,
    wait_screen,
)
from playwright.sync_api import Page, expect
from tour import Tour

from app.practice import PRACTICE_SCORES_FILE
from screening_protocols.practice import get_case

pytestmark = pytest.mark.e2e
CASE = get_case("border-rapid-01")
SECRET_SETUP = ("setup-secret", "setup-confirm")


def device_files(running_app: RunningApp) -> dict[str, str]:
    """Every file the app keeps (the referral server's folder and the practice scores left out)."""
    server = running_app.server_db.parent
    return {
        str(path.relative_to(running_app.data_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(running_app.data_dir.rglob("*"))
        if path.is_file() and server not in path.parents and path.name != PRACTICE_SCORES_FILE
    }


class PracticeTour(Tour):
    def shot(self, name: str) -> None:
        band = by_id(self.page, "practice-band").first
        expect(band).to_be_visible()
        box = band.bounding_box()
        assert box is not None and box["y"] < VIEWPORT["height"] / 2, "the band sits at the top"
        super().shot(name)

    def checks_and_consent_practice(self) -> None:
        choose(self.page, "check-alone-yes")
        choose(self.page, "check-interpreter-professional")
        self.shot("checks")
        advance(self.page, "checks-continue", "consent")
        self.shot("consent")
        click(self.page, "consent-agree")
        self.leave("consent")


def practice_case(page: Page, artifacts: Path, language: str, running_app: RunningApp) -> PracticeTour:
    tour = PracticeTour(page, artifacts, f"practice-{language}")
    wait_screen(page, "setup", timeout=30_000)
    for field in SECRET_SETUP:
        type_into(page, field, SECRET)
    advance(page, "setup-create", "home", timeout=30_000)
    expect(by_id(page, "practice-band")).to_have_count(0)
    before = device_files(running_app)
    advance(page, "home-practice", "practice")
    click(page, f"practice-language-{language}")
    expect(by_id(page, f"practice-language-{language}").first).to_have_attribute("aria-current", "true")
    tour.shot("practice-cases")
    click(page, f"practice-case-{CASE.id}")
    wait_id(page, "practice-start")
    tour.shot("practice-story")
    advance(page, "practice-start", "checks")
    tour.checks_and_consent_practice()
    for qid, value in CASE.replies.items():
        tour.answer(qid, str(value), name=f"question-{qid}")
    wait_screen(page, "summary")
    tour.shot("summary")
    advance(page, "summary-rights", "feedback")
    wait_id(page, "feedback-outcome")
    tour.shot("feedback")
    advance(page, "feedback-home", "home")
    expect(by_id(page, "practice-band")).to_have_count(0)
    assert device_files(running_app) == before, "practice changed the app's files"
    return tour


@pytest.mark.parametrize("language", ["en", "ar"])
def test_e2e010_practice_case(
    browser: object, running_app: RunningApp, artifacts_dir: Path, language: str
) -> None:
    connections = Connections()
    page = open_app(browser, running_app.url, VIEWPORT, connections)
    tour = practice_case(page, artifacts_dir, language, running_app)
    names = {path.stem.split("-", 1)[1] for path in tour.saved}
    assert {"practice-cases", "practice-story", "checks", "consent", "summary", "feedback"} <= names
    assert len(tour.saved) == 6 + len(CASE.replies)
    connections.assert_one_unbroken()
    page.close()
