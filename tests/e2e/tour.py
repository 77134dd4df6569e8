"""A walk through every screen of the app in one language, saving a screenshot of each.

One border-rapid interview visits: set-up, home, protocol, checks (with the interpreter warning),
consent, officer questions, private answering (keypad and icons, with audio), hand-back, stop, pause,
quick exit to the neutral screen, unlock, summary, rights and end. A second, short interview reaches the
emergency screen. Screenshots go to `artifacts/screenshots/<lang>/<NN>-<screen>.png`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from e2e_support import (
    SECRET,
    TIMEOUT_MS,
    advance,
    by_id,
    choose,
    click,
    current_screen,
    shot,
    type_into,
    wait_id,
    wait_screen,
)
from playwright.sync_api import Page, expect

PLAYED_STATES = ("audio:playing", "audio:completed")
INSTRUCTIONS = "ui:private-instructions"  # what the respondent hears first when handed the device
NOTES = "Asked about a safe place to stay. E2E-NOTES-CANARY"


@dataclass
class Tour:
    page: Page
    artifacts: Path
    language: str
    number: int = 0
    saved: list[Path] = field(default_factory=list)
    on_screen: Callable[[str], None] | None = None  # called on every screen, after its screenshot

    def shot(self, name: str) -> None:
        self.number += 1
        self.saved.append(shot(self.page, self.artifacts, self.language, self.number, name))
        if self.on_screen is not None:
            self.on_screen(name)

    def leave(self, screen: str) -> None:
        expect(by_id(self.page, f"screen-{screen}")).to_have_count(0, timeout=TIMEOUT_MS)

    def question(self) -> str:
        screen, qid = current_screen(self.page)
        assert screen in ("question", "private") and qid, f"expected a question, got {screen}"
        return qid

    def wait_question(self, qid: str, screen: str = "question") -> None:
        wait_screen(self.page, screen)
        wait_id(self.page, f"q-{qid}")

    def answer(self, qid: str, value: str, name: str | None = None) -> None:
        """Answer an officer-held question: tap the option (or type), optionally screenshot, Next."""
        self.wait_question(qid)
        if by_id(self.page, f"answer-{value}").count():
            choose(self.page, f"answer-{value}")
        else:
            type_into(self.page, "answer-field", value)
        if name:
            self.shot(name)
        click(self.page, "question-next")
        expect(by_id(self.page, f"q-{qid}")).to_have_count(0, timeout=TIMEOUT_MS)

    def unlock(self, screen: str = "unlock") -> None:
        wait_screen(self.page, screen)
        type_into(self.page, "unlock-secret", SECRET)
        click(self.page, "unlock-submit")
        self.leave(screen)

    def hand_back(self) -> None:
        wait_screen(self.page, "handback")
        type_into(self.page, "handback-secret", SECRET)
        click(self.page, "handback-submit")
        self.leave("handback")

    def audio_played(self, clip: str = "", timeout_s: float = 20) -> str:
        """Wait for the private screen's player to report playing `clip` (a manifest context; any clip
        when empty); return the label it showed ("audio:<state> <clip>")."""
        deadline = time.monotonic() + timeout_s
        label = ""
        while time.monotonic() < deadline:
            label = by_id(self.page, "audio-state").first.get_attribute("aria-label") or ""
            label = label or by_id(self.page, "audio-state").first.inner_text()
            if any(state in label for state in PLAYED_STATES) and clip in label:
                return label
            time.sleep(0.2)
        raise AssertionError(f"the audio prompt {clip!r} did not play (last state: {label!r})")

    def private_answer(self, identifier: str) -> None:
        """Touch an answer in private mode (it is said aloud and marked), then the tick."""
        choose(self.page, identifier)
        click(self.page, "private-confirm")

    def start_interview(self, respondent: str, officer: str) -> None:
        advance(self.page, "home-new", "protocol")
        choose(self.page, "protocol-border-rapid")
        choose(self.page, f"officer-language-{officer}")
        choose(self.page, f"respondent-language-{respondent}")

    def checks_and_consent(self, shots: bool) -> None:
        advance(self.page, "protocol-continue", "checks")
        if shots:  # each warning moves the controls below it: wait for the layout before the next tap
            choose(self.page, "check-alone-no")
            wait_id(self.page, "warning-not-alone")
            choose(self.page, "check-interpreter-family")
            wait_id(self.page, "warning-interpreter")
            self.shot("checks-warnings")
        choose(self.page, "check-alone-yes")
        expect(by_id(self.page, "warning-not-alone")).to_have_count(0, timeout=TIMEOUT_MS)
        choose(self.page, "check-interpreter-professional")
        expect(by_id(self.page, "warning-interpreter")).to_have_count(0, timeout=TIMEOUT_MS)
        advance(self.page, "checks-continue", "consent")
        if shots:
            self.shot("consent")
        click(self.page, "consent-agree")
        self.leave("consent")


def main_interview(
    page: Page,
    artifacts: Path,
    language: str,
    on_screen: Callable[[str], None] | None = None,
    fresh_device: bool = True,
) -> Tour:
    """Set up a fresh device (or start from home on one set up already) and run one whole interview
    through every screen but the emergency one."""
    tour = Tour(page, artifacts, language, on_screen=on_screen)
    if fresh_device:
        wait_screen(page, "setup", timeout=30_000)
        tour.shot("setup")
        type_into(page, "setup-secret", SECRET)
        type_into(page, "setup-confirm", SECRET)
        click(page, "setup-create")
    wait_screen(page, "home", timeout=30_000)
    tour.shot("home")
    tour.start_interview(respondent=language, officer=language)
    tour.shot("protocol")
    tour.checks_and_consent(shots=True)

    tour.answer("in_danger", "no", name="question")
    tour.wait_question("age")
    click(page, "question-private")  # the officer hands the device over
    tour.wait_question("age", screen="private")
    tour.audio_played(INSTRUCTIONS)  # handed over: first how to answer, then the question
    tour.audio_played("border-rapid:age")
    for key in ("3", "4"):
        click(page, f"private-key-{key}")
    tour.shot("private-keypad")
    click(page, "private-confirm")
    wait_screen(page, "handback")  # the next question is the officer's observation
    tour.shot("handback")
    tour.hand_back()
    tour.answer("age_observed", "appears_adult")
    tour.answer("journey_arranged", "other_debt")
    tour.answer("destination_work", "domestic")

    tour.wait_question("documents_holder")
    advance(page, "question-stop", "stop")
    tour.shot("stop")
    click(page, "stop-continue")
    tour.answer("documents_holder", "employer", name="question-choice")

    tour.wait_question("earnings")
    advance(page, "question-pause", "paused")
    tour.shot("paused")
    tour.unlock("paused")
    tour.answer("earnings", "someone_else")

    tour.wait_question("made_to_work")
    advance(page, "quick-exit", "neutral")
    tour.shot("neutral")
    advance(page, "neutral-open", "unlock")
    tour.shot("unlock")
    tour.unlock()
    tour.answer("made_to_work", "yes")

    tour.wait_question("harmed")
    click(page, "question-private")
    tour.wait_question("harmed", screen="private")
    tour.audio_played()  # the instruction again (its order was checked at the first hand-over)
    tour.shot("private")
    tour.private_answer("private-no")
    tour.hand_back()  # the officer's own observations follow
    tour.answer("someone_in_control", "yes")
    tour.answer("vague_job_account", "no")
    tour.answer("easily_exploited", "no")
    wait_screen(page, "summary")
    notes_and_rights(tour)
    tour.shot("rights")
    advance(page, "rights-done", "end")
    tour.shot("end")
    advance(page, "end-done", "home")
    return tour


def emergency_interview(tour: Tour) -> None:
    """A second, short interview: immediate danger stops the questions (the emergency screen)."""
    page = tour.page
    tour.start_interview(respondent=tour.language, officer=tour.language)
    tour.checks_and_consent(shots=False)
    tour.answer("in_danger", "yes")
    wait_screen(page, "emergency")
    tour.shot("emergency")
    advance(page, "emergency-continue", "summary")
    advance(page, "summary-rights", "rights")
    advance(page, "rights-done", "end")
    advance(page, "end-done", "home")


def notes_and_rights(tour: Tour) -> None:
    """Write the officer's notes on the summary and go on to the rights screen."""
    type_into(tour.page, "summary-notes", NOTES)
    tour.shot("summary")
    advance(tour.page, "summary-rights", "rights")
