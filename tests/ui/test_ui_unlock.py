"""First start, unlock and locking.

UI001: a new device shows set-up; a created secret opens home.
"""

from __future__ import annotations

from flet_harness import AppHarness
from ui_support import SECRET, skip_code


async def test_ui001_setup_creates_secret_and_opens_home(app: AppHarness) -> None:
    assert app.top_view.route == "/setup"
    assert "setup-enrollment-code" in app.keys()  # not enrolled: the code comes first
    await skip_code(app)
    await app.type("setup-secret", SECRET)
    await app.type("setup-confirm", SECRET)
    await app.click("setup-create")
    await app.wait_for(lambda: app.top_view.route == "/home", what="the home screen")
    assert "home-new" in app.keys()
