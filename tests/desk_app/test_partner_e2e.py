"""The partner desk in Chromium: `waypoint partner serve` against a real referral server on 127.0.0.1.

A device sends a referral to partner A; A's caseworker opens the printed address, sees the referral in
the inbox, opens it and accepts it; the device then fetches "accepted". Screenshots of each screen at
1280×800 and the inbox at 412 px go to artifacts/screenshots/partner-desk/.

PW060: inbox → detail (only the minimised fields) → accept → the device sees "accepted"; every
       browser request goes to 127.0.0.1.
PW061: declining without a reason shows the banner; with one, the referral is declined (second
       referral, second browser tab at 412 px).
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_servers import ThreadedServer
from test_partner_desk import Device, start_server

from sync.desk.codes import authorize_code
from sync.partner_enroll import generate_partner_keys, join_partner, load_partner_keys
from sync.server.admin import create_enrollment_code
from tests.e2e.e2e_support import Requests, click, open_app, shot, type_into, wait_id

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PASSPHRASE = "partner desk e2e passphrase"
READY = re.compile(r"^Waypoint partner desk: (http://127\.0\.0\.1:\d+/\?token=\S+)$")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 412, "height": 915}
CHROMIUM_ARGS = ["--no-sandbox"]


@dataclass
class Desk:
    url: str
    device: Device
    referrals: list[str]
    partner: Any


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    root = tmp_path_factory.mktemp("partner-e2e")
    organisation_key = X25519PrivateKey.generate()
    server = start_server(root, organisation_key)
    settings, app = server.settings, server.app
    with ThreadedServer(app) as threaded:
        generate_partner_keys(root / "keys", PASSPHRASE)
        keys = load_partner_keys(root / "keys", PASSPHRASE)
        code = create_enrollment_code(
            settings.database_url, threaded.url, partner_organization="org-a", insecure_http=True
        )
        state = join_partner(
            authorize_code(code, organisation_key),
            root / "state",
            keys,
            transport=server.transport,
            insecure_http=True,
        )
        device = Device(server, organisation_key)
        referrals = [device.send((state, keys)), device.send((state, keys))]
        command = ["partner", "serve", "--state", str(root / "state"), "--key", str(root / "keys")]
        process = subprocess.Popen(
            [sys.executable, "-m", "waypoint", *command, "--port", "0", "--insecure-http"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "WAYPOINT_KEY_PASSPHRASE": PASSPHRASE},
        )
        try:
            assert process.stdout is not None
            readable, _, _ = select.select([process.stdout], [], [], 90)
            match = READY.match(process.stdout.readline().rstrip("\n") if readable else "")
            assert match, "no ready line from `waypoint partner serve`"
            yield Desk(match.group(1), device, referrals, (state, keys))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
            if process.stdout is not None:
                process.stdout.close()
            server.transport.close()
            server.app.state.waypoint.engine.dispose()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def test_pw060_inbox_detail_accept_and_the_device_sees_it(
    desk: Desk, browser: Any, artifacts_dir: Path
) -> None:
    requests = Requests()
    page = open_app(browser, desk.url, DESKTOP, requests=requests)
    first = desk.referrals[0]
    wait_id(page, f"partner-referral-{first}", timeout=30_000)
    shot(page, artifacts_dir, "partner-desk", 1, "inbox-1280")
    click(page, f"partner-referral-{first}")
    wait_id(page, "partner-accept")
    for name in ("urgency", "language", "contact_preference", "needs", "consent"):
        wait_id(page, f"partner-field-{name}")
    shot(page, artifacts_dir, "partner-desk", 2, "referral-1280")
    click(page, "partner-accept")
    wait_id(page, "partner-notice")
    wait_id(page, "partner-complete")
    shot(page, artifacts_dir, "partner-desk", 3, "accepted-1280")
    assert desk.device.status(first) == "accepted"
    click(page, "partner-complete")
    wait_id(page, "partner-note")
    shot(page, artifacts_dir, "partner-desk", 4, "complete-1280")
    page.close()
    assert requests.off_device() == []


def test_pw061_decline_with_a_reason_at_phone_width(desk: Desk, browser: Any, artifacts_dir: Path) -> None:
    second = desk.referrals[1]
    page = open_app(browser, desk.url, PHONE)
    wait_id(page, f"partner-referral-{second}", timeout=30_000)
    shot(page, artifacts_dir, "partner-desk", 5, "inbox-412")
    click(page, f"partner-referral-{second}")
    click(page, "partner-decline")
    click(page, "partner-decline-confirm")
    wait_id(page, "error-message")
    shot(page, artifacts_dir, "partner-desk", 6, "decline-needs-reason-412")
    type_into(page, "partner-reason", "No bed free tonight.")
    click(page, "partner-decline-confirm")
    wait_id(page, "partner-notice")
    shot(page, artifacts_dir, "partner-desk", 7, "declined-412")
    assert desk.device.status(second) == "declined"
    page.close()
