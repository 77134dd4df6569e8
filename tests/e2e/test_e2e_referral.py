"""A referral from the app, in headless Chromium at 412×915, against `waypoint run` and the real CLI.

RF100: partner A joins the organisation's server and the directory (A's French-speaking service) is
       imported, with the `waypoint` commands an organisation runs -> the officer's Send now fetches the
       directory -> a screening with a French-speaking respondent is finished -> the referral screen
       lists A's service with what will happen, in French -> the person agrees -> the referral is
       queued, then sent -> partner A accepts (CLI) -> Send now again -> home shows "Accepted by
       Partner A on ...".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from e2e_support import (
    SECRET,
    VIEWPORT,
    Connections,
    RunningApp,
    advance,
    by_id,
    click,
    current_screen,
    open_app,
    shot,
    type_into,
    wait_id,
    wait_screen,
)
from tour import Tour

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
PASSPHRASE = "e2e passphrase for the demo keys"  # conftest.py runs `waypoint run` with it
PARTNER_PASSPHRASE = "partner passphrase for the e2e referral"
WILL_HAPPEN_FR = "Un lit pour la nuit et un repas chaud."
ANSWERS = {  # border-rapid: several indicators, nobody in danger now (as the other e2e tests answer)
    "in_danger": "no",
    "age": "34",
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
COMMAND_TIMEOUT_SECONDS = 180


def waypoint(*args: str | Path, passphrase: str) -> str:
    """Run one `waypoint` command as the organisation or the partner would; its output."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("WAYPOINT_")}
    env["WAYPOINT_KEY_PASSPHRASE"] = passphrase
    done = subprocess.run(
        [sys.executable, "-m", "waypoint", *(str(arg) for arg in args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"waypoint {args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def server_url(app: RunningApp, timeout_s: float = 60) -> str:
    """The referral server `waypoint run` enrolled the device with (device metadata, no secret)."""
    from app.vault import Vault

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        vault = Vault.open(app.data_dir)
        try:
            enrollment = vault.device_store.load_enrollment()
        finally:
            vault.close()
        if enrollment is not None:
            return enrollment.server_url
        time.sleep(0.5)
    raise AssertionError(f"the device was not enrolled within {timeout_s} s")


def service_a(service_id: str, organization_id: str) -> dict[str, Any]:
    from referral.directory.hsds import with_waypoint_fields
    from referral.directory.model import Service
    from referral.needs import NEED_CODES

    entry = Service(
        id=service_id,
        name="Night shelter A",
        organization_id=organization_id,
        organization_name="Partner A",
        needs=NEED_CODES,
        languages=("fr",),
        open_24_7=True,
        phones=("+33 1 00 00 00 01",),
        will_happen={"fr": WILL_HAPPEN_FR},
    )
    hsds = {
        "id": service_id,
        "name": entry.name,
        "status": "active",
        "organization": {"id": organization_id, "name": entry.organization_name, "description": "partner"},
        "languages": [{"id": str(uuid.uuid4()), "code": "fr"}],
        "phones": [{"id": str(uuid.uuid4()), "number": entry.phones[0]}],
    }
    return with_waypoint_fields(hsds, entry)


def partner_a_and_directory(app: RunningApp, work: Path) -> tuple[Path, Path, str]:
    """Partner A's keys and enrollment, then the directory with its service: the organisation's CLI."""
    database_url = f"sqlite:///{app.server_db}"
    org_key = app.demo_private_key
    state, keys, organization_id, service_id = (
        work / "partner-A",
        work / "keys-A",
        str(uuid.uuid4()),
        str(uuid.uuid4()),
    )
    waypoint("partner", "keys", "--out", keys, passphrase=PARTNER_PASSPHRASE)
    made = waypoint(
        "partner", "enroll-code", "--database-url", database_url, "--server-url", server_url(app),
        "--organization", organization_id, "--key", org_key, passphrase=PASSPHRASE,
    )  # fmt: skip
    code = made.strip().splitlines()[-1]
    waypoint(
        "partner", "join", "--state", state, "--key", keys, "--code", code, passphrase=PARTNER_PASSPHRASE
    )
    hsds = work / "directory.json"
    hsds.write_text(json.dumps([service_a(service_id, organization_id)]), encoding="utf-8")
    waypoint(
        "directory", "import", "--database-url", database_url, "--hsds", hsds, "--key", org_key,
        passphrase=PASSPHRASE,
    )  # fmt: skip
    return state, keys, service_id


def send_now(page: Any, timeout_s: float = 120) -> None:
    """Tap Send now and wait for its run to end (the busy bar shows while it runs, then goes)."""
    click(page, "home-send-now")
    busy = by_id(page, "busy")
    appeared = time.monotonic() + 3
    while busy.count() == 0 and time.monotonic() < appeared:  # a fast run may end before it shows
        time.sleep(0.05)
    deadline = time.monotonic() + timeout_s
    while busy.count() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert busy.count() == 0, f"Send now did not finish within {timeout_s} s"
    wait_screen(page, "home")


def test_rf100_refer_from_the_app_and_see_it_accepted(
    browser: object, running_app: RunningApp, artifacts_dir: Path, tmp_path: Path
) -> None:
    connections = Connections()
    page = open_app(browser, running_app.url, VIEWPORT, connections)
    wait_screen(page, "setup", timeout=30_000)
    type_into(page, "setup-secret", SECRET)
    type_into(page, "setup-confirm", SECRET)
    advance(page, "setup-create", "home", timeout=30_000)
    state, keys, service_id = partner_a_and_directory(running_app, tmp_path)
    send_now(page)  # fetches the directory

    tour = Tour(page, artifacts_dir, "fr")
    tour.start_interview(respondent="fr", officer="en")
    tour.checks_and_consent(shots=False)
    for _ in range(len(ANSWERS) + 2):  # bounded: one screen per question
        screen, qid = current_screen(page)
        if screen != "question" or qid is None:
            break
        tour.answer(qid, ANSWERS[qid])
    wait_screen(page, "summary")
    advance(page, "summary-referral", "referral", timeout=30_000)
    wait_id(page, f"referral-service-{service_id}")
    shot(page, artifacts_dir, "fr", 1, "referral")
    click(page, f"referral-yes-{service_id}")
    wait_id(page, f"referral-decided-{service_id}")
    click(page, f"referral-card-{service_id}")
    card = wait_id(page, f"contact-card-{service_id}")
    card_text = (card.get_attribute("aria-label") or "") + card.inner_text()
    assert "Night shelter A" in card_text and WILL_HAPPEN_FR in card_text  # in French
    assert not any(word in card_text.casefold() for word in ("traffick", "victim", "traite", "exploit"))
    shot(page, artifacts_dir, "fr", 2, "referral-card")
    advance(page, "referral-continue", "rights")
    advance(page, "rights-done", "end")
    advance(page, "end-done", "home")
    send_now(page)  # sends the referral

    inbox = json.loads(
        waypoint("partner", "inbox", "--state", state, "--key", keys, "--json", passphrase=PARTNER_PASSPHRASE)
    )
    (item,) = inbox
    assert item["package"]["service_id"] == service_id and item["package"]["fields"]["language"] == "fr"
    waypoint(
        "partner",
        "accept",
        "--state",
        state,
        "--key",
        keys,
        item["referral_id"],
        passphrase=PARTNER_PASSPHRASE,
    )

    send_now(page)  # fetches the status
    row = wait_id(page, f"referral-{item['referral_id']}", timeout=30_000)
    text = (row.get_attribute("aria-label") or "") + row.inner_text()
    assert "Accepted by Partner A on " in text, text
    shot(page, artifacts_dir, "fr", 3, "home-referral-accepted")
    connections.assert_one_unbroken()
    page.close()
