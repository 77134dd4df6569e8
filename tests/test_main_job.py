"""The main job, as a person starts and stops it.

MJ001: `waypoint run` prints exactly one line, `Waypoint app: http://127.0.0.1:<port>/?token=<token>`,
       serves the app and an enrolled referral server on 127.0.0.1, and Ctrl-C (SIGINT) stops both,
       exit code 0.
MJ002: a second `waypoint run` on the same data folder reuses the enrollment (same device, same server).
MJ003: a port in use gives a clear error, not a traceback.
MJ004: only the printed address, opened with its token, reaches the app (issue 11, finding 1): the token
       page sets an HttpOnly, SameSite=Strict cookie; without it, with a wrong token, another Host (DNS
       rebinding) or another Origin, pages and the app's websocket are refused; no response allows
       every origin (`Access-Control-Allow-Origin: *`). Each run has its own token.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import websockets.exceptions
import websockets.sync.client

from app.vault import Vault

READY = re.compile(r"^Waypoint app: (http://127\.0\.0\.1:(\d+)/\S*)$")
LAUNCH_URL = re.compile(r"^http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{43}$")
FOREIGN_ORIGIN = "http://attacker.example"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "WAYPOINT_KEY_PASSPHRASE": "main-job test passphrase"}
    return subprocess.Popen(
        [sys.executable, "-m", "waypoint", "run", "--data-dir", str(data_dir), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def ready_line(process: subprocess.Popen[str]) -> re.Match[str]:
    """The first stdout line, within the start timeout."""
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_SECONDS)
    line = process.stdout.readline() if readable else ""
    if not line:
        process.kill()
        pytest.fail(f"no ready line; stderr: {process.communicate(timeout=10)[1][-2000:]}")
    match = READY.match(line.rstrip("\n"))
    assert match, f"unexpected first line: {line!r}"
    return match


def answers(url: str) -> bool:
    try:
        response = httpx.get(url, timeout=2)
    except httpx.TransportError:
        return False
    return response.status_code == 200


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate(timeout=10)
        pytest.fail(f"`waypoint run` did not stop within {STOP_TIMEOUT_SECONDS} s of Ctrl-C")
    return process.returncode, out, err


def test_mj001_run_prints_one_line_serves_both_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    server_port = free_port()
    process = start(tmp_path, "--port", "0", "--server-port", str(server_port))
    match = ready_line(process)
    app_url, server_url = match.group(1), f"http://127.0.0.1:{server_port}/v1/health"
    assert LAUNCH_URL.match(app_url), f"the printed address carries no launch token: {app_url}"
    assert answers(app_url), "the app does not answer at the printed address"
    assert answers(server_url), "the referral server does not answer"
    enrollment = Vault.open(tmp_path).device_store.load_enrollment()
    assert enrollment is not None and enrollment.server_url.rstrip("/") == f"http://127.0.0.1:{server_port}"

    code, out, _err = stop(process)
    assert code == 0
    assert out == "", f"more than one line on stdout: {out!r}"
    assert not answers(app_url) and not answers(server_url), "a server is still listening after Ctrl-C"


def test_mj002_second_run_reuses_the_enrollment(tmp_path: Path) -> None:
    first = start(tmp_path, "--port", "0", "--server-port", str(free_port()))
    ready_line(first)
    before = Vault.open(tmp_path).device_store.load_enrollment()
    assert stop(first)[0] == 0

    second = start(tmp_path, "--port", "0")
    ready_line(second)
    after = Vault.open(tmp_path).device_store.load_enrollment()
    assert stop(second)[0] == 0
    assert before is not None and after == before


def test_mj003_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        process = start(tmp_path, "--port", str(port), "--server-port", str(free_port()))
        _out, err = process.communicate(timeout=START_TIMEOUT_SECONDS)
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err


def websocket_refusal(url: str, origin: str | None, cookie: str | None) -> str | None:
    """None when the websocket handshake is accepted, else what refused it."""
    headers = {"Cookie": cookie} if cookie else {}
    try:
        with websockets.sync.client.connect(
            url,
            origin=origin,  # type: ignore[arg-type]
            additional_headers=headers,
            open_timeout=20,
        ):
            return None
    except websockets.exceptions.InvalidStatus as refused:
        return f"HTTP {refused.response.status_code}"
    except (websockets.exceptions.InvalidHandshake, OSError) as error:
        return type(error).__name__


def test_mj004_only_the_printed_address_with_its_token_reaches_the_app(tmp_path: Path) -> None:
    process = start(tmp_path, "--port", "0", "--server-port", str(free_port()))
    problems: list[str] = []
    try:
        match = ready_line(process)
        launch_url, port = match.group(1), match.group(2)
        origin, socket_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
        with httpx.Client(timeout=20) as browser:  # keeps the cookies it is given, like a browser
            launched = browser.get(launch_url, follow_redirects=True)
            set_cookie = launched.history[0].headers.get("set-cookie", "") if launched.history else ""
            set_cookie = set_cookie or launched.headers.get("set-cookie", "")
            if "httponly" not in set_cookie.lower() or "samesite=strict" not in set_cookie.lower():
                problems.append(f"the token page sets no HttpOnly, SameSite=Strict cookie: {set_cookie!r}")
            page = browser.get(f"{origin}/")
            cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        if page.status_code != 200:
            problems.append(f"the page, opened with its token, answered {page.status_code}")
        for response in (launched, page):
            if response.headers.get("access-control-allow-origin") == "*":
                problems.append(f"{response.url} allows every origin")
        if refusal := websocket_refusal(socket_url, origin, cookie):
            problems.append(f"the app's own page cannot open its websocket ({refusal})")

        refused_requests = {
            "a page without the token": httpx.get(f"{origin}/", timeout=20),
            "a wrong token": httpx.get(f"{origin}/?token={'A' * 43}", timeout=20),
            "another Host (DNS rebinding)": httpx.get(
                f"{origin}/", headers={"Host": f"attacker.example:{port}", "Cookie": cookie}, timeout=20
            ),
            "a cross-origin request": httpx.get(
                f"{origin}/", headers={"Origin": FOREIGN_ORIGIN, "Cookie": cookie}, timeout=20
            ),
            "a cross-origin preflight": httpx.options(
                f"{origin}/ws",
                headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "GET"},
                timeout=20,
            ),
        }
        for what, response in refused_requests.items():
            if response.status_code != 403:
                problems.append(f"{what} was answered {response.status_code}, not refused (403)")
            if response.headers.get("access-control-allow-origin") in ("*", FOREIGN_ORIGIN):
                problems.append(f"{what} got Access-Control-Allow-Origin")
        refused_sockets = {
            "a websocket from another origin": (FOREIGN_ORIGIN, cookie),
            "a websocket from an opaque origin": ("null", cookie),
            "a websocket without the token": (origin, None),
        }
        for what, (from_origin, with_cookie) in refused_sockets.items():
            if websocket_refusal(socket_url, from_origin, with_cookie) is None:
                problems.append(f"{what} was accepted")
    finally:
        code, _out, _err = stop(process)
    assert not problems, "\n".join(problems)
    assert code == 0

    again = start(tmp_path, "--port", "0")
    try:
        assert ready_line(again).group(1) != launch_url, "a second run printed the same token"
    finally:
        assert stop(again)[0] == 0
