"""The main job, as a person starts and stops it.

MJ001: `waypoint run` prints exactly one line, `Waypoint app: http://127.0.0.1:<port>/`, serves the app
       and an enrolled referral server on 127.0.0.1, and Ctrl-C (SIGINT) stops both, exit code 0.
MJ002: a second `waypoint run` on the same data folder reuses the enrollment (same device, same server).
MJ003: a port in use gives a clear error, not a traceback.
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

from app.vault import Vault

READY = re.compile(r"^Waypoint app: (http://127\.0\.0\.1:(\d+)/)$")
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
