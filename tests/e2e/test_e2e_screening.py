"""Whole screenings in headless Chromium at 412×915, against `waypoint run` (app + referral server).

Each test sets up a fresh device and walks through every screen in one language, saving
`artifacts/screenshots/<lang>/<NN>-<screen>.png`: set-up, home, protocol and languages, checks (with
the interpreter warning), consent, questions, private answering (keypad and icons, the audio prompt
must report playing), hand-back, stop, pause, quick exit (neutral screen), unlock, summary, rights,
end, and, in a second short interview, the emergency screen.

E2E001: English, and the thin path end to end: the outbox sends the interview, home shows it as sent,
        and the server database then holds exactly one submission and none of the answers or notes in
        clear; the case desk opens it with the organisation's key and finds the officer's notes.
E2E002: Arabic: the same walk, and the layout is mirrored (quick exit and the lock button swap sides).
E2E003: Burmese: the same walk (a script with complex shaping: the screenshots show it renders).
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from e2e_support import VIEWPORT, RunningApp, by_id, open_app, wait_screen
from playwright.sync_api import Page
from tour import NOTES, Tour, emergency_interview, main_interview

from sync.desk import export_submissions, load_private_key
from sync.sealed import SEALED_FORMAT

pytestmark = pytest.mark.e2e
PASSPHRASE = "e2e passphrase for the demo keys"  # conftest.py runs `waypoint run` with it

SCREENS = {
    *("setup", "home", "protocol", "checks-warnings", "consent", "question", "private-keypad", "handback"),
    *("stop", "question-choice", "paused", "neutral", "unlock", "private", "summary", "rights", "end"),
    "emergency",
}
# What the interview answered (tour.py); none of it may reach the server in clear.
ANSWERED = {
    "in_danger": "no",
    "age": 34,
    "age_observed": "appears_adult",
    "journey_arranged": "other_debt",
    "destination_work": "domestic",
    "documents_holder": "employer",
    "earnings": "someone_else",
    "made_to_work": "yes",
    "harmed": "no",
    "someone_in_control": "yes",
    "vague_job_account": "no",
    "easily_exploited": "no",
}


def centre_x(page: Page, identifier: str) -> float:
    box = by_id(page, identifier).first.bounding_box()
    assert box is not None, identifier
    return box["x"] + box["width"] / 2


def sides(page: Page) -> dict[str, str]:
    """Which half of the screen the home screen's quick exit and lock controls sit in."""
    wait_screen(page, "home")
    middle = VIEWPORT["width"] / 2
    return {
        name: ("left" if centre_x(page, name) < middle else "right") for name in ("quick-exit", "home-lock")
    }


def assert_every_screen(tour: Tour) -> None:
    names = {path.stem.split("-", 1)[1] for path in tour.saved}
    assert names == SCREENS, SCREENS ^ names


def wait_until_sent(page: Page, timeout_s: float = 40) -> None:
    """Home lists the finished interview as sent (its semantics value is the vault state)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = page.locator('[flt-semantics-identifier^="interview-"]')
        states = [
            (rows.nth(i).get_attribute("aria-label") or "") + rows.nth(i).inner_text()
            for i in range(rows.count())
        ]
        if any("Sent" in state for state in states):
            return
        time.sleep(1)
    raise AssertionError(f"the interview was not shown as sent within {timeout_s} s")


def server_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")) if p.is_file())


def test_e2e001_english_and_thin_path(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    page = open_app(browser, running_app.url, VIEWPORT)
    tour = main_interview(page, artifacts_dir, "en")
    wait_until_sent(page)
    with sqlite3.connect(running_app.server_db) as connection:
        (submissions,) = connection.execute("select count(*) from submissions").fetchone()
    assert submissions == 1
    raw = server_bytes(running_app.server_db)
    for qid, value in ANSWERED.items():
        assert qid.encode() not in raw, f"question id {qid} is in the server database in clear"
        assert f'"{qid}": "{value}"'.encode() not in raw
    for marker in (SEALED_FORMAT.encode(), b'"answers"', b"respondent_language", b"professional"):
        assert marker not in raw, marker
    assert b"E2E-NOTES-CANARY" not in raw
    key = load_private_key(running_app.demo_private_key, PASSPHRASE)
    report = export_submissions(f"sqlite:///{running_app.server_db}", [key], running_app.data_dir / "export")
    (written,) = report.written
    assert json.loads(Path(written).read_text())["notes"] == NOTES
    assert sides(page) == {"quick-exit": "right", "home-lock": "left"}
    emergency_interview(tour)
    assert_every_screen(tour)
    page.close()


def test_e2e002_arabic_mirrored(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    page = open_app(browser, running_app.url, VIEWPORT)
    tour = main_interview(page, artifacts_dir, "ar")
    assert sides(page) == {"quick-exit": "left", "home-lock": "right"}
    emergency_interview(tour)
    assert_every_screen(tour)
    page.close()


def test_e2e003_burmese(browser: object, running_app: RunningApp, artifacts_dir: Path) -> None:
    page = open_app(browser, running_app.url, VIEWPORT)
    tour = main_interview(page, artifacts_dir, "my")
    assert sides(page) == {"quick-exit": "right", "home-lock": "left"}
    emergency_interview(tour)
    assert_every_screen(tour)
    page.close()
