"""Fixtures for the browser tests: `waypoint run` in a subprocess, and Debian's chromium via Playwright.

Each test gets a fresh data folder, so a fresh device (set-up screen), its own referral server on
SQLite, already enrolled. Everything is bounded in time: the server line must appear within 90 s, and
every wait in the tests has its own timeout.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import RunningApp

PROJECT_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "Waypoint app: "
START_TIMEOUT_SECONDS = 90
CHROMIUM_ARGS = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"]


def _read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)


@pytest.fixture
def running_app(tmp_path: Path) -> Iterator[RunningApp]:
    """`waypoint run --data-dir <tmp> --port 0`, up and answering; stopped (SIGTERM) afterwards. Its
    `url` is the printed address with this launch's token: the only way in (waypoint/cli/web_guard.py)."""
    yield from start_app(tmp_path / "waypoint")


@pytest.fixture(scope="module")
def module_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """One `waypoint run` shared by the tests of a module (one device: set up by the first test)."""
    yield from start_app(tmp_path_factory.mktemp("module-app") / "waypoint")


def start_app(data_dir: Path) -> Iterator[RunningApp]:
    """Start `waypoint run` on `data_dir`, yield it once it answers, then stop it."""
    env = {
        **os.environ,
        "FLET_WEB_NO_CDN": "true",
        "WAYPOINT_KEY_PASSPHRASE": "e2e passphrase for the demo keys",
    }
    launcher = "from waypoint.cli import main; main()"
    command = [
        sys.executable,
        "-c",
        launcher,
        "run",
        "--data-dir",
        str(data_dir),
        "--port",
        "0",
        "--server-port",
        "0",
    ]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    seen: list[str] = []
    url = None
    try:
        while url is None:
            try:
                line = lines.get(timeout=START_TIMEOUT_SECONDS)
            except queue.Empty:
                pytest.fail(
                    f"`waypoint run` printed no '{READY_PREFIX}' line within {START_TIMEOUT_SECONDS} s"
                )
            seen.append(line)
            if line.startswith(READY_PREFIX):
                url = line[len(READY_PREFIX) :].strip()
            elif process.poll() is not None:
                pytest.fail("`waypoint run` exited early:\n" + "".join(seen))
    except BaseException:
        process.kill()
        process.wait(timeout=5)
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
        raise
    app = RunningApp(url=url, data_dir=data_dir, process=process, reader=reader)
    yield app
    app.stop()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    """Chromium for one test module. Not longer: Playwright's sync API keeps an event loop running
    while it is open, and the asyncio tests of other folders could not run their own meanwhile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()
