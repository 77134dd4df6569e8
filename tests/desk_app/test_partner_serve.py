"""`waypoint partner serve`, as a caseworker starts and stops it (a real process on 127.0.0.1).

PW040: it opens the partner keys, prints exactly one line, `Waypoint partner desk:
       http://127.0.0.1:<port>/?token=<token>`, serves Waypoint's offline page (with the guard that keeps
       the browser on 127.0.0.1) once the token set its cookie, and stops on Ctrl-C with exit code 0.
PW041: a token-less request, a wrong token, another Host and a foreign Origin are refused (403), and the
       websocket only opens from the desk's own origin with the cookie (waypoint/cli/web_guard.py).
PW042: a wrong passphrase is a clear error before anything listens.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.partner_enroll import PARTNER_STATE_FILE, generate_partner_keys
from tests.test_main_job import stop, websocket_refusal

PASSPHRASE = "partner desk test passphrase"
READY = re.compile(r"^Waypoint partner desk: (http://127\.0\.0\.1:(\d+)/\?token=[A-Za-z0-9_-]{43})$")
FOREIGN_ORIGIN = "http://attacker.example"
START_TIMEOUT_SECONDS = 90
WAYPOINT = (sys.executable, "-m", "waypoint")


@pytest.fixture(scope="module")
def partner_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A partner's key folder and an enrollment (no server needed until a page asks for the inbox)."""
    root = tmp_path_factory.mktemp("partner")
    generate_partner_keys(root / "keys", PASSPHRASE)
    state = root / "state"
    state.mkdir()
    enrollment = {
        "server_url": "http://127.0.0.1:9",  # nothing listens: the inbox says so in the page's banner
        "partner_id": "partner-1",
        "organization_id": "org-a",
        "receipt_public_key": "A" * 43,
        "organisation_public_key": "A" * 43,
        "enrolled_at": "2026-12-01T09:00:00Z",
    }
    (state / PARTNER_STATE_FILE).write_text(json.dumps(enrollment))
    return state, root / "keys"


def _start(dirs: tuple[Path, Path], passphrase: str = PASSPHRASE) -> subprocess.Popen[str]:
    state, keys = dirs
    return subprocess.Popen(
        [
            *WAYPOINT,
            "partner",
            "serve",
            "--state",
            str(state),
            "--key",
            str(keys),
            "--port",
            "0",
            "--insecure-http",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "WAYPOINT_KEY_PASSPHRASE": passphrase},
    )


@pytest.fixture(scope="module")
def served(partner_dirs: tuple[Path, Path]) -> Iterator[tuple[re.Match[str], subprocess.Popen[str]]]:
    process = _start(partner_dirs)
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_SECONDS)
    line = process.stdout.readline() if readable else ""
    if not line:
        process.kill()
        pytest.fail(f"no ready line; stderr: {process.communicate(timeout=10)[1][-2000:]}")
    match = READY.match(line.rstrip("\n"))
    assert match, f"unexpected first line: {line!r}"
    yield match, process
    if process.poll() is None:
        stop(process)


def test_pw040_one_ready_line_the_offline_page_and_ctrl_c(
    served: tuple[re.Match[str], subprocess.Popen[str]],
) -> None:
    match, _process = served
    launch_url, port = match.group(1), match.group(2)
    with httpx.Client(timeout=20) as browser:  # keeps the cookie it is given, like a browser
        launched = browser.get(launch_url)
        assert launched.status_code == 200
        cookie = launched.headers["set-cookie"]
        assert cookie.startswith(f"waypoint-{port}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        page = browser.get(f"http://127.0.0.1:{port}/")
    assert page.status_code == 200 and "waypoint:offline-guard" in page.text
    assert page.headers.get("access-control-allow-origin") is None


def test_pw041_requests_from_elsewhere_are_refused(
    served: tuple[re.Match[str], subprocess.Popen[str]],
) -> None:
    match, process = served
    launch_url, port = match.group(1), match.group(2)
    origin = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=20) as browser:
        browser.get(launch_url)
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    refused = {
        "no token": httpx.get(f"{origin}/", timeout=20),
        "a wrong token": httpx.get(f"{origin}/?token={'A' * 43}", timeout=20),
        "another Host": httpx.get(
            f"{origin}/", headers={"Host": f"attacker.example:{port}", "Cookie": cookie}, timeout=20
        ),
        "a foreign Origin": httpx.get(
            f"{origin}/", headers={"Origin": FOREIGN_ORIGIN, "Cookie": cookie}, timeout=20
        ),
    }
    assert {what: r.status_code for what, r in refused.items()} == dict.fromkeys(refused, 403)
    socket_url = f"ws://127.0.0.1:{port}/ws"
    assert websocket_refusal(socket_url, FOREIGN_ORIGIN, cookie) is not None
    assert websocket_refusal(socket_url, origin, None) is not None
    assert websocket_refusal(socket_url, origin, cookie) is None
    code, out, _err = stop(process)
    assert code == 0 and out == "", f"more than one line on stdout: {out!r}"


def test_pw042_a_wrong_passphrase_is_a_clear_error(partner_dirs: tuple[Path, Path]) -> None:
    process = _start(partner_dirs, passphrase="not the partner passphrase")
    out, err = process.communicate(timeout=START_TIMEOUT_SECONDS)
    assert process.returncode == 1 and out == ""
    assert "passphrase does not open the partner key" in err and "Traceback" not in err
