"""The coordinator's desk and the partner's desk in headless Chromium at 1280×800, against a real
`waypoint server` and the real `waypoint` commands (tests/cli/cli_support.py).

WD100: a device (CLI: enrolled with an authorised code) records and sends two screenings -> the
       coordinator's desk (`waypoint desk serve`) refreshes and lists both -> the case detail shows the
       outcome grouped in Act / Means / Purpose -> a referral to partner A, the person having agreed ->
       A's desk (`waypoint partner serve`, a second browser context) accepts it -> after a refresh the
       coordinator sees "Accepted". Both desks refuse a request without the launch token; every request
       either browser made went to 127.0.0.1. Screenshots of every desk screen go to
       artifacts/screenshots/desk/ (and the case list at 412 px).
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Requests, by_id, click, identifiers, open_app, shot, wait_id
from playwright.sync_api import Page

from tests.cli.cli_support import (
    COMPLETE_ANSWERS,
    KEY_PASSPHRASE,
    PIN,
    OrganisationKeys,
    ServerProcess,
    command_env,
    make_case,
    ok,
    record,
    use_default_data_dir,
    waypoint,
    waypoint_argv,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]
DESK_VIEWPORT = {"width": 1280, "height": 800}
PARTNER_PASSPHRASE = "partner passphrase for the desk e2e"
START_TIMEOUT_SECONDS = 120
SLOW_MS = 90_000  # the first refresh opens the envelopes and runs the engine once per case


@dataclass
class Served:
    """One `waypoint ... serve` in a subprocess, with the address it printed."""

    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.url.split("?", 1)[0]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def serve(prefix: str, *args: str | Path, passphrase: str) -> Served:
    """Start `waypoint ARGS` (a desk) and return once it printed its `prefix` ready line."""
    env = command_env({"WAYPOINT_KEY_PASSPHRASE": passphrase, "FLET_WEB_NO_CDN": "true"})
    process = subprocess.Popen(
        waypoint_argv(*(str(a) for a in args)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if line.startswith(prefix):
            return Served(line[len(prefix) :].strip(), process, seen)
    process.kill()
    process.wait(timeout=5)
    pytest.fail(f"`waypoint {args[0]} serve` printed no {prefix!r} line:\n" + "".join(seen))


@dataclass
class World:
    server: ServerProcess
    org_keys: OrganisationKeys
    partner_state: Path
    partner_keys: Path
    interview_ids: list[str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("desk-e2e")
    use_default_data_dir(work / "default-data")
    org = {"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE}
    folder = work / "keys"
    ok(waypoint("keys", "generate", "--out", folder, env=org))
    org_keys = OrganisationKeys(
        folder, folder / "organisation.public.pem", folder / "organisation.private.json"
    )
    server_folder = work / "server"
    server_folder.mkdir(mode=0o700)
    database_url = f"sqlite:///{server_folder / 'referral.db'}"
    server = ServerProcess(database_url, org_keys.public, server_folder / "server.log")
    with server.running():
        # Partner A: its own keys, joined with a code the organisation authorised.
        state, keys = work / "partner-A", work / "keys-A"
        partner = {"WAYPOINT_KEY_PASSPHRASE": PARTNER_PASSPHRASE}
        ok(waypoint("partner", "keys", "--out", keys, env=partner))
        made = ok(
            waypoint(
                "partner", "enroll-code", "--database-url", database_url, "--server-url", server.url,
                "--organization", str(uuid.uuid4()), "--key", org_keys.private, env=org,
            )
        )  # fmt: skip
        code = made.out.strip().splitlines()[-1]
        ok(waypoint("partner", "join", "--state", state, "--key", keys, "--code", code, env=partner))
        # The device: enrolled with an authorised code, two screenings recorded and sent.
        device = work / "device"
        plain = work / "device-code.txt"
        plain.write_text(ok(waypoint("enroll", "create", "--database-url", database_url, "--server-url",
                                     server.url)).out)  # fmt: skip
        authorised = ok(
            waypoint("desk", "authorize-code", "--key", org_keys.private, "--code-file", plain, env=org)
        )
        ok(
            waypoint(
                "enroll",
                "join",
                "--data-dir",
                device,
                "--code",
                authorised.out.strip(),
                env={"WAYPOINT_PIN": PIN},
            )
        )
        answers = COMPLETE_ANSWERS["border-rapid"]
        ids = [
            record(device, make_case("border-rapid", "fr", answers, f"desk-{n}"), work / "answers")[0]
            for n in (1, 2)
        ]
        ok(waypoint("sync", "--data-dir", device, env={"WAYPOINT_PIN": PIN}))
        yield World(server, org_keys, state, keys, ids)


def _refused_without_token(base: str) -> int:
    """The status a request without the launch token or cookie gets (127.0.0.1 only)."""
    return httpx.get(base, timeout=10, follow_redirects=False).status_code


def _label_has(page: Page, identifier: str, text: str, timeout_ms: int = SLOW_MS) -> None:
    """Wait until the control `identifier` says `text` (as its label or its words)."""
    script = """([identifier, text]) => Array.from(document.querySelectorAll(
        `[flt-semantics-identifier="${identifier}"]`)).some(e =>
        ((e.getAttribute('aria-label') || '') + ' ' + (e.textContent || '')).includes(text))"""
    page.wait_for_function(script, arg=[identifier, text], timeout=timeout_ms)


def _screen(page: Page, artifacts_dir: Path, number: int, name: str) -> None:
    click(page, f"nav-{name}")
    wait_id(page, f"screen-{name}", timeout=SLOW_MS)
    shot(page, artifacts_dir, "desk", number, name)


def test_wd100_coordinator_refers_and_sees_the_partner_accept(
    world: World, browser: Any, artifacts_dir: Path
) -> None:
    desk = serve("Waypoint desk: ", "desk", "serve", "--key", world.org_keys.private, "--server",
                 world.server.url, "--port", "0", passphrase=KEY_PASSPHRASE)  # fmt: skip
    partner_desk = serve(
        "Waypoint partner desk: ", "partner", "serve", "--state", world.partner_state,
        "--key", world.partner_keys, "--port", "0", passphrase=PARTNER_PASSPHRASE,
    )  # fmt: skip
    requests = Requests()
    try:
        assert desk.url.startswith("http://127.0.0.1:") and "token=" in desk.url
        assert _refused_without_token(desk.base) == 403
        assert _refused_without_token(partner_desk.base) == 403

        page = open_app(browser, desk.url, DESK_VIEWPORT, requests=requests)
        wait_id(page, "screen-cases", timeout=SLOW_MS)
        click(page, "refresh")
        for interview_id in world.interview_ids:
            wait_id(page, f"case-{interview_id}", timeout=SLOW_MS)
        shot(page, artifacts_dir, "desk", 1, "cases")

        first = world.interview_ids[0]
        click(page, f"case-{first}")
        wait_id(page, "screen-case", timeout=SLOW_MS)
        for element in ("act", "means", "purpose"):
            wait_id(page, f"element-{element}")
        assert [i for i in identifiers(page) if i.startswith("indicator-")], identifiers(page)
        shot(page, artifacts_dir, "desk", 2, "case")

        click(page, "referral-send")  # the only partner is chosen; the person agreed (the default)
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('[flt-semantics-identifier]')).some(e => "
            "/^referral-.*-status$/.test(e.getAttribute('flt-semantics-identifier')))",
            timeout=SLOW_MS,
        )
        [status_id] = [i for i in identifiers(page) if i.startswith("referral-") and i.endswith("-status")]
        referral_id = status_id.removeprefix("referral-").removesuffix("-status")
        _label_has(page, status_id, "Sent")
        shot(page, artifacts_dir, "desk", 3, "case-referred")

        partner = open_app(browser, partner_desk.url, DESK_VIEWPORT, requests=requests)  # its own context
        row = f"partner-referral-{referral_id}"
        for _ in range(3):
            try:
                wait_id(partner, row, timeout=20_000)
                break
            except AssertionError:
                click(partner, "partner-refresh")
        click(partner, row)
        click(partner, "partner-accept")
        wait_id(partner, "partner-complete", timeout=SLOW_MS)
        shot(partner, artifacts_dir, "desk", 4, "partner-accepted")

        click(page, "nav-cases")
        click(page, "refresh")
        wait_id(page, "notice", timeout=SLOW_MS)
        _screen(page, artifacts_dir, 5, "referrals")
        _label_has(page, f"referral-{referral_id}-status", "Accepted")
        shot(page, artifacts_dir, "desk", 5, "referrals")
        _screen(page, artifacts_dir, 6, "directory")
        _screen(page, artifacts_dir, 7, "devices")
        click(page, "device-code")
        wait_id(page, "code-qr", timeout=SLOW_MS)
        shot(page, artifacts_dir, "desk", 7, "devices")
        _screen(page, artifacts_dir, 8, "audit")
        _screen(page, artifacts_dir, 9, "exports")
        _screen(page, artifacts_dir, 10, "dashboard")
        click(page, "shareable")
        time.sleep(1)
        shot(page, artifacts_dir, "desk", 11, "dashboard-shareable")
        page.set_viewport_size({"width": 412, "height": 915})  # a phone-sized window: the rail becomes a bar
        wait_id(page, "nav-bar", timeout=SLOW_MS)
        for _ in range(3):  # a tap during the re-layout can land on nothing: tap again
            click(page, "nav-cases")
            try:
                wait_id(page, f"case-{first}", timeout=15_000)
                break
            except AssertionError:
                continue
        wait_id(page, f"case-{first}")
        assert by_id(page, "nav-rail").count() == 0
        shot(page, artifacts_dir, "desk", 12, "cases-412")
        assert by_id(page, "error-message").count() == 0
        assert requests.off_device() == [], requests.off_device()
    finally:
        desk.stop()
        partner_desk.stop()
