"""The interface catalogs match the code.

UI060: `waypoint/locales/waypoint.pot` holds exactly the messages the code marks (`_`, `N_`,
       `ngettext`), error messages of every package included; rebuild it with
       `python -m scripts.extract_messages`.
UI061: the English catalog translates every message, and gettext's `msgfmt -c` accepts it.
UI062: every screen's text comes from the catalog: with a catalog that rewrites every message, no
       English interface text is left on the screens of a whole interview.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import flet as ft
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flet_harness import AppHarness, iter_controls
from ui_support import ANSWERS, answer_current, question_id, set_up

from app.main import create_main
from app.services import AppServices
from scripts.extract_messages import ENGLISH, TEMPLATE, english_catalog, extract_template, read
from waypoint.core.errors import WaypointError


def _ids(catalog: object) -> set[object]:
    return {(m.context, m.id) for m in catalog if m.id}  # type: ignore[attr-defined]


def test_ui060_template_matches_code() -> None:
    expected = extract_template()
    assert TEMPLATE.exists(), "run: .venv/bin/python -m scripts.extract_messages"
    stale = _ids(read(TEMPLATE)) ^ _ids(expected)
    assert not stale, (
        f"waypoint/locales/waypoint.pot is out of date ({len(stale)} messages); "
        "run python -m scripts.extract_messages"
    )
    assert ("", WaypointError.what) in {(m.context or "", m.id) for m in expected}


def test_ui061_english_catalog_is_complete() -> None:
    english = read(ENGLISH)
    expected = english_catalog(extract_template())
    assert _ids(english) == _ids(expected)
    untranslated = [m.id for m in english if m.id and (not m.string or m.fuzzy)]
    assert not untranslated, untranslated
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI") == "true":
            pytest.fail("msgfmt is missing; CI must install Debian's gettext")
        pytest.skip("msgfmt is missing (Debian's gettext)")
    result = subprocess.run([msgfmt, "-c", "-o", "/dev/null", str(ENGLISH)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _pseudo_locales(root: Path) -> Path:
    """A French interface catalog that wraps every message in ⟦…⟧ (protocol text stays real French)."""
    pseudo = Catalog(locale="fr", domain="waypoint", fuzzy=False)
    for message in extract_template():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            pseudo.add(message.id, tuple(f"⟦{m}⟧" for m in message.id))
        else:
            pseudo.add(message.id, f"⟦{message.id}⟧")
    folder = root / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "waypoint.mo").open("wb") as handle:
        write_mo(handle, pseudo)
    return root


def _english_left(app: AppHarness, english: set[str], prefixes: set[str]) -> list[str]:
    found = []
    for control in iter_controls(app.top_view):
        for text in (getattr(control, "value", None), getattr(control, "label", None)):
            if not isinstance(text, str) or "⟦" in text:
                continue
            if text in english or any(text.startswith(p) for p in prefixes):
                found.append(f"{app.top_view.route}: {text!r} ({type(control).__name__})")
    return found


async def test_ui062_every_interface_text_is_translated(
    tmp_path: Path, make_services: Callable[..., AppServices]
) -> None:
    template = [m.id for m in extract_template() if m.id and isinstance(m.id, str)]
    english = {t for t in template if "{" not in t and t != "Waypoint"}
    prefixes = {t.split("{")[0] for t in template if "{" in t and len(t.split("{")[0]) > 8}
    services = make_services(locales_dir=_pseudo_locales(tmp_path / "locales"), default_language="fr")
    app = await AppHarness(create_main(services=services)).start()
    left: list[str] = []
    try:
        left += _english_left(app, english, prefixes)
        await set_up(app)
        left += _english_left(app, english, prefixes)
        await app.click("home-new")
        left += _english_left(app, english, prefixes)
        await to_first_question_from_protocol(app)
        while app.top_view.route == "/question":
            left += _english_left(app, english, prefixes)
            await answer_current(app, ANSWERS[question_id(app)])
        for step in ("summary-rights", "rights-done", "end-done"):
            left += _english_left(app, english, prefixes)
            await app.click(step)
            await app.wait_for(lambda: not app.page.data.state.busy)
    finally:
        await app.close()
        await services.close()
    assert not left, left
    assert isinstance(app.top_view, ft.View)


async def to_first_question_from_protocol(app: AppHarness) -> None:
    await app.click("protocol-border-rapid")
    await app.click("respondent-language-fr")
    await app.click("protocol-continue")
    await app.click("check-alone-no")
    await app.click("check-interpreter-family")
    if app.find("check-confirm-red-flags") is not None:  # red flags are confirmed before going on
        await app.toggle("check-confirm-red-flags", True)
    await app.click("checks-continue")
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
