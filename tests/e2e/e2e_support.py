"""Helpers for driving the Flutter web client: semantics on, click by identifier, screenshots.

Flutter paints to a canvas; its accessible DOM (`flt-semantics` nodes) appears once the hidden
placeholder is clicked. Controls are found by their translation-independent identifiers
(`flt-semantics-identifier`), so the same steps drive the app in any language.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, Request, WebSocket, expect

from waypoint.cli.demo_keys import demo_key_folder

VIEWPORT = {"width": 412, "height": 915}
TIMEOUT_MS = 15_000
SETTLE_SECONDS = 0.5  # route and button animations, before a screenshot
SECRET = "correct horse battery staple"


@dataclass
class Connections:
    """The page's websockets to the app, watched from before the page loads. The Flet client opens a
    new one whenever one closes, and the app locks when its connection drops: a tour expects one."""

    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    def watch(self, socket: WebSocket) -> None:
        self.opened.append(socket.url)
        socket.on("close", lambda closed: self.closed.append(closed.url))

    def assert_one_unbroken(self) -> None:
        assert (len(self.opened), self.closed) == (1, []), (
            f"the browser's connection to the app dropped: {len(self.opened)} opened, "
            f"{len(self.closed)} closed ({self.opened})"
        )


@dataclass
class Requests:
    """Every request the page makes, watched from before it loads: offline means none leaves the
    device (only 127.0.0.1), and private answering shows up as requests for audio clips."""

    urls: list[str] = field(default_factory=list)

    def watch(self, request: Request) -> None:
        self.urls.append(request.url)

    def off_device(self) -> list[str]:
        """Requests for anything not on 127.0.0.1 (`data:` and `blob:` URLs are not requests)."""
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != "127.0.0.1"
        ]

    def audio_files(self) -> set[str]:
        """The clips requested, as manifest file names (`ar/...mp3`)."""
        marker = "/audio/"
        return {urlsplit(url).path.split(marker, 1)[1] for url in self.urls if marker in urlsplit(url).path}


def open_app(
    browser: Any,
    url: str,
    viewport: dict[str, int],
    connections: Connections | None = None,
    requests: Requests | None = None,
) -> Page:
    """A new tab (with its own cookies) at `url`: the printed address, with this launch's token."""
    page: Page = browser.new_page(viewport=viewport)
    page.set_default_timeout(TIMEOUT_MS)
    if connections is not None:
        page.on("websocket", connections.watch)
    if requests is not None:
        page.on("request", requests.watch)
    page.goto(url)
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    page.wait_for_selector("flt-semantics", state="attached", timeout=TIMEOUT_MS)
    return page


def by_id(page: Page, identifier: str) -> Locator:
    return page.locator(f'[flt-semantics-identifier="{identifier}"]')


def wait_id(page: Page, identifier: str, timeout: int = TIMEOUT_MS) -> Locator:
    locator = by_id(page, identifier)
    expect(locator.first).to_be_attached(timeout=timeout)
    return locator.first


def click(page: Page, identifier: str) -> None:
    wait_id(page, identifier).click()


def choose(page: Page, identifier: str) -> None:
    """Tap an option and wait until the app marks it chosen (`aria-current`). A tap during a re-layout
    can land on nothing, so tap again, up to three times; on a loaded machine the app may take seconds
    to answer a tap, so each wait is long (a chosen option stays chosen when tapped again)."""
    option = by_id(page, identifier).first
    for _ in range(3):
        wait_id(page, identifier).click()
        try:
            expect(option).to_have_attribute("aria-current", "true", timeout=8_000)
            return
        except AssertionError:
            continue
    expect(option).to_have_attribute("aria-current", "true", timeout=8_000)


def type_into(page: Page, identifier: str, text: str) -> None:
    """Tap the field, wait until its input has the focus, then type (a tap during a re-render can miss)."""
    selector = f'[flt-semantics-identifier="{identifier}"]'
    focused = f"!!(document.activeElement && document.activeElement.closest('{selector}'))"
    # Generous waits: on the set-up screen the vault calibrates Argon2id in the background, and on a
    # loaded machine the browser may take seconds to move the focus.
    for _ in range(3):
        wait_id(page, identifier).click()
        try:
            page.wait_for_function(focused, timeout=10_000)
            break
        except Exception:  # noqa: S112 - tap again; the last try fails below
            continue
    page.wait_for_function(focused, timeout=10_000)
    page.keyboard.type(text)
    # The first keys can arrive before Flutter's text input is attached to the focused field; then
    # the field holds a shortened text. Select all and type again once, so the field holds `text`.
    holds = "(text) => document.activeElement && document.activeElement.value === text"
    try:
        page.wait_for_function(holds, arg=text, timeout=3_000)
    except Exception:
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
        page.wait_for_function(holds, arg=text, timeout=3_000)


def identifiers(page: Page) -> list[str]:
    found: list[str] = page.evaluate(
        "Array.from(document.querySelectorAll('[flt-semantics-identifier]'))"
        ".map(e => e.getAttribute('flt-semantics-identifier'))"
    )
    return found


def current_screen(page: Page, timeout: float = TIMEOUT_MS / 1000) -> tuple[str, str | None]:
    """The screen on show (from its `screen-<name>` identifier) and, on a question, the question id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = identifiers(page)
        screens = [i.removeprefix("screen-") for i in ids if i.startswith("screen-")]
        questions = [i.removeprefix("q-") for i in ids if i.startswith("q-")]
        if screens and (screens[0] not in ("question", "private") or questions):
            return screens[0], (questions[0] if questions else None)
        time.sleep(0.1)
    raise AssertionError(f"no screen identifier appeared: {identifiers(page)}")


def wait_screen(page: Page, name: str, timeout: int = TIMEOUT_MS) -> None:
    wait_id(page, f"screen-{name}", timeout=timeout)


def advance(page: Page, identifier: str, screen: str, timeout: int = TIMEOUT_MS) -> None:
    """Tap the button that leads to `screen` and wait for that screen. On a loaded machine a tap that
    lands while the page re-lays out can be lost: when the screen has not come and the button is still
    there, tap it again (three taps at most); when the button is gone the tap was taken, so only wait."""
    click(page, identifier)
    for _ in range(2):
        try:
            wait_screen(page, screen, timeout=timeout)
            return
        except AssertionError:
            if not by_id(page, identifier).count():
                break
            by_id(page, identifier).first.click()
    wait_screen(page, screen, timeout=timeout)


def shot(page: Page, artifacts_dir: Path, language: str, number: int, name: str) -> Path:
    """Save `artifacts/screenshots/<lang>/<NN>-<name>.png` once the screen has settled."""
    time.sleep(SETTLE_SECONDS)
    path = artifacts_dir / "screenshots" / language / f"{number:02d}-{re.sub(r'[^a-z0-9-]', '-', name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    return path


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    process: subprocess.Popen[str]
    reader: threading.Thread

    @property
    def server_db(self) -> Path:
        return self.data_dir / "server" / "referral.db"

    @property
    def demo_private_key(self) -> Path:
        """The demo organisation key `waypoint run` keeps beside (never inside) the data folder."""
        return demo_key_folder(self.data_dir) / "organisation.private.json"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
