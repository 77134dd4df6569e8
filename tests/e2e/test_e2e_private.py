"""Private answering on `consular-screen` in headless Chromium at 412×915, in English and Arabic.

The officer switches private answering on at the checks (which say the audio is ready), and the
respondent holds the device from consent to the last question addressed to them: consent is spoken
and "agree" waits for it; each question plays before it is answered; the officer's observations send
the device back and the officer hands it over again. Every step's clip is requested by the browser,
the connection never drops, and no request leaves 127.0.0.1 (Flet's Rive runtime from a CDN
included: waypoint/assets/index.html).

UI220: English.  UI221: Arabic.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from e2e_support import (
    SECRET,
    TIMEOUT_MS,
    VIEWPORT,
    Connections,
    Requests,
    RunningApp,
    advance,
    by_id,
    choose,
    click,
    current_screen,
    identifiers,
    open_app,
    type_into,
    wait_id,
    wait_screen,
)
from playwright.sync_api import Page, expect
from tour import INSTRUCTIONS, Tour

from waypoint.core.resources import ASSETS_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # the consent and every question play in full
PROTOCOL = "consular-screen"
YES = frozenset({"safe_place_tonight", "free_to_leave", "contact_family", "paid_as_promised"})
OFFICER_ANSWERS = {"age_observed": "appears_adult", "understands_well": "yes"}
CONSENT_SECONDS = 240  # every consent item is played in full before "agree" turns on
MAX_STEPS = 80


def manifest_files(language: str) -> dict[str, str]:
    manifest = json.loads((ASSETS_DIR / "audio" / "manifest.json").read_text(encoding="utf-8"))
    return {e["context"]: e["file"] for e in manifest["clips"] if e["language"] == language}


def wait_consent_heard(page: Page, timeout_s: float) -> None:
    """The consent screen's progress (`consent-heard`, "<heard>/<items>") reaches its end."""
    deadline = time.monotonic() + timeout_s
    label = ""
    while time.monotonic() < deadline:
        label = wait_id(page, "consent-heard").get_attribute("aria-label") or ""
        label = label or wait_id(page, "consent-heard").inner_text()
        progress = re.match(r"(\d+)/(\d+)", label)  # then the progress bar's own value
        if progress and progress.group(1) == progress.group(2):
            return
        print(f"consent heard: {label}", flush=True)
        time.sleep(0.5)
    raise AssertionError(f"the consent was not heard in {timeout_s} s (last: {label!r})")


def private_walk(page: Page, tour: Tour, language: str) -> list[str]:
    """From home to the summary with private answering on; returns the contexts that played."""
    heard: list[str] = []
    advance(page, "home-new", "protocol")
    choose(page, f"protocol-{PROTOCOL}")
    choose(page, f"officer-language-{language}")
    choose(page, f"respondent-language-{language}")
    advance(page, "protocol-continue", "checks")
    choose(page, "check-alone-yes")
    choose(page, "check-interpreter-professional")
    click(page, "check-private-mode")
    wait_id(page, "audio-status-ready")
    tour.shot("checks-private")
    advance(page, "checks-continue", "consent")
    wait_consent_heard(page, CONSENT_SECONDS)
    tour.shot("consent-private")
    for _ in range(3):  # "agree" has just been enabled: a tap during that re-render can miss
        click(page, "consent-agree")
        try:
            expect(by_id(page, "screen-consent")).to_have_count(0, timeout=5_000)
            break
        except AssertionError:
            continue
    tour.leave("consent")
    heard.append(tour.audio_played(INSTRUCTIONS))
    for _ in range(MAX_STEPS):
        screen, qid = current_screen(page)
        if screen == "summary":
            return heard
        if screen == "handback":
            tour.hand_back()
        elif screen == "question":
            if qid in OFFICER_ANSWERS:
                tour.answer(qid, OFFICER_ANSWERS[qid])
            elif by_id(page, "question-private").count() and qid != "break_reminder":
                click(page, "question-private")  # the officer hands the device over again
                tour.wait_question(qid or "", screen="private")
            else:
                click(page, "question-next")
                expect(by_id(page, f"q-{qid}")).to_have_count(0, timeout=TIMEOUT_MS)
        elif screen == "private":
            heard.append(tour.audio_played(f"{PROTOCOL}:{qid}", timeout_s=60))
            private_answer(page, qid or "")
        else:
            raise AssertionError(f"unexpected screen {screen} in the private walk")
    raise AssertionError(f"no summary after {MAX_STEPS} steps")


def private_answer(page: Page, qid: str) -> None:
    ids = identifiers(page)
    if "private-yes" in ids:
        choose(page, "private-yes" if qid in YES else "private-no")
    elif "private-key-3" in ids:
        for key in ("3", "4"):
            click(page, f"private-key-{key}")
    else:
        choose(page, next(i for i in ids if i.startswith("private-option-")))
    click(page, "private-confirm")
    expect(by_id(page, f"q-{qid}")).to_have_count(0, timeout=TIMEOUT_MS)


def check_walk(browser: object, running_app: RunningApp, artifacts_dir: Path, language: str) -> None:
    connections, requests = Connections(), Requests()
    page = open_app(browser, running_app.url, VIEWPORT, connections, requests)
    tour = Tour(page, artifacts_dir / "private", language)
    wait_screen(page, "setup", timeout=30_000)
    type_into(page, "setup-secret", SECRET)
    type_into(page, "setup-confirm", SECRET)
    advance(page, "setup-create", "home", timeout=30_000)
    heard = private_walk(page, tour, language)
    tour.shot("summary")
    files = manifest_files(language)
    asked = [label.split()[1] for label in heard]  # "audio:<state> <context>", then the value
    expected = {files[context] for context in asked}
    consent = {f for c, f in files.items() if c.startswith(f"{PROTOCOL}:consent.")}
    requested = requests.audio_files()
    assert expected | consent | {files["ui:handback"]} <= requested, sorted(
        (expected | consent | {files["ui:handback"]}) - requested
    )
    assert all(f.startswith(f"{language}/") for f in requested)
    assert len(asked) >= 20, asked  # every question asked to the person played
    assert requests.off_device() == [], requests.off_device()
    connections.assert_one_unbroken()
    page.close()


def test_ui220_private_consular_english(
    browser: object, running_app: RunningApp, artifacts_dir: Path
) -> None:
    check_walk(browser, running_app, artifacts_dir, "en")


def test_ui221_private_consular_arabic(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    check_walk(browser, running_app, artifacts_dir, "ar")
