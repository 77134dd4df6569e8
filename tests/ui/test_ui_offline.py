"""Offline means offline: the web page asks no other host for anything (issue 13).

Flet 1.0.5's web client loads the Rive animation runtime from cdn.jsdelivr.net on every page load.
`waypoint/assets/index.html` (Flet serves an `index.html` in the assets folder instead of its own) is
Flet's page plus a guard that never gives a script from another origin its address. The browser test
(tests/e2e/test_e2e_private.py) asserts that every request goes to 127.0.0.1.

UI210: our page is Flet's own page plus the guard, nothing else (a Flet upgrade that changes its page
       fails here, so the copy is refreshed rather than left stale).
UI211: Flet's client still names the CDN (so the guard is still needed) and the guard blocks
       cross-origin script addresses before any request is made.
UI212: the app is served with this page: Flet's static files take `index.html` from the assets folder.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import flet_web

from waypoint.core.resources import ASSETS_DIR

FLET_WEB = Path(flet_web.__file__).parent / "web"
OURS = ASSETS_DIR / "index.html"
GUARD = re.compile(r"  <!-- waypoint:offline-guard .*?</script>\n\n", re.DOTALL)


def test_ui210_index_is_flets_page_plus_the_guard() -> None:
    ours = OURS.read_text(encoding="utf-8")
    assert len(GUARD.findall(ours)) == 1
    assert GUARD.sub("", ours) == (FLET_WEB / "index.html").read_text(encoding="utf-8")


def test_ui211_the_guard_blocks_other_origins() -> None:
    client = (FLET_WEB / "main.dart.js").read_text(encoding="utf-8", errors="replace")
    assert "https://cdn.jsdelivr.net/npm/@rive-app/" in client
    guard = GUARD.search(OURS.read_text(encoding="utf-8"))
    assert guard is not None
    script = guard.group(0)
    assert 'Object.defineProperty(HTMLScriptElement.prototype, "src"' in script
    assert "url.origin !== window.location.origin" in script
    before_flutter = OURS.read_text(encoding="utf-8").index("flutter_bootstrap.js")
    assert guard.start() < before_flutter  # in place before the client starts


async def test_ui212_the_app_is_served_with_this_page() -> None:
    from flet_web.fastapi.flet_static_files import FletStaticFiles

    static = FletStaticFiles(assets_dir=str(ASSETS_DIR), no_cdn=True)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "root_path": "",
        "headers": [],
        "query_string": b"",
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, object]] = []

    received: list[bool] = []

    async def receive() -> dict[str, object]:
        if received:  # the response waits for the browser to go away
            await asyncio.sleep(0.01)
            return {"type": "http.disconnect"}
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await asyncio.wait_for(static(scope, receive, send), timeout=60)
    page = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    assert b"waypoint:offline-guard" in page
    assert b'flet.canvasKitBaseUrl="/canvaskit/"' in page  # and Flet's own settings are filled in
