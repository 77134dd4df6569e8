"""The coordinator's desk in a fake browser tab over a fake service (tests/desk_app/desk_fakes.py).

WD001: the case list shows every case; each filter (protocol, level, device, referral state, dates)
       asks the service with that filter; a date that is not a date shows a translated banner.
WD002: the case detail groups the indicators in Act / Means / Purpose blocks, each chip with its ILO
       dimension, strength and "because"; a child's case says Means is not needed; unknowns and the
       case's referrals with their history are listed.
WD003: sending a referral records the consent: "mandatory" needs a legal basis (banner otherwise) and
       sends it; "given" sends no legal basis; no partner chosen is refused before the service.
WD004: revoking a referral needs a reason, then the history shows it.
WD005: the dashboard draws bars; the shareable view shows suppressed cells as "<11".
WD006: Refresh shows "n of N opened" while the envelopes open off the event loop, then a notice.
WD007: a rail at 1280 px, a bar at 412 px; every button, field, choice and switch has an identifier.
WD008: directory: import from a path (a missing file: banner), stale entries flagged, save, verify.
WD009: devices and partners: an enrollment code as text and QR image; revoke.
WD010: audit log and exports (JSON, HTCDS) into a folder; errors in the desk's language.
WD011: every screen has a builder and a title.
WD012: with one active partner, the referral form has it chosen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import flet as ft
import pytest
from desk_fakes import FakeCoordinatorService

from desk_app.coordinator import create_desk_main
from desk_app.coordinator.state import Screen
from sync.desk.service import CaseFilter
from sync.enrollment_code import qr_png
from tests.ui.flet_harness import AppHarness, iter_controls


@pytest.fixture
def service() -> FakeCoordinatorService:
    return FakeCoordinatorService()


async def _resize(h: AppHarness, width: int, height: int) -> None:
    h.sess.apply_patch(h.page._i, {"width": width, "height": height})
    await h.sess.dispatch_event(h.page._i, "resize", {"width": width, "height": height})
    await h.settle()


async def _open(service: FakeCoordinatorService, language: str = "en", width: int = 1280) -> AppHarness:
    h = await AppHarness(create_desk_main(service, language)).start()  # type: ignore[arg-type]
    if width != 412:
        await _resize(h, width, 800)
    await h.wait_for(lambda: h.find("case-case-1") is not None, what="the case list")
    return h


@pytest.fixture
async def desk(service: FakeCoordinatorService) -> AsyncIterator[AppHarness]:
    h = await _open(service)
    yield h
    await h.close()


def _state(h: AppHarness) -> Any:
    return h.page.data.state


async def _goto(h: AppHarness, screen: str) -> None:
    await h.click(f"nav-{screen}")
    await h.wait_for(lambda: h.top_view.route == f"/{screen}" and not _state(h).busy, what=screen)


def _last_cases_filter(service: FakeCoordinatorService) -> CaseFilter:
    return [args for name, args in service.calls if name == "cases"][-1]


async def test_wd001_case_list_and_filters(desk: AppHarness, service: FakeCoordinatorService) -> None:
    assert {f"case-case-{n}" for n in (1, 2, 3)} <= set(desk.keys())
    assert "3 cases" in desk.texts()
    await desk.select("filter-protocol", "ilo-adult")
    assert _last_cases_filter(service) == CaseFilter(protocol_id="ilo-adult")
    await desk.select("filter-level", "high")
    assert _last_cases_filter(service) == CaseFilter(protocol_id="ilo-adult", level="high")
    assert desk.find("case-case-1") and not desk.find("case-case-2") and not desk.find("case-case-3")
    await desk.select("filter-protocol", "")
    await desk.select("filter-level", "")
    await desk.select("filter-device", "dev-b")
    await desk.select("filter-referral", "accepted")
    assert _last_cases_filter(service) == CaseFilter(device_id="dev-b", referral_state="accepted")
    assert desk.find("case-case-2") and not desk.find("case-case-1")
    await desk.select("filter-device", "")
    await desk.select("filter-referral", "none")
    assert {k for k in desk.keys() if k.startswith("case-case-")} == {"case-case-1", "case-case-3"}
    await desk.select("filter-referral", "")
    await desk.type("filter-since", "2026-11-01")
    await desk.fire(desk.by_key("filter-since"), "submit", "2026-11-01")
    await desk.type("filter-until", "2026-11-30")
    await desk.fire(desk.by_key("filter-until"), "submit", "2026-11-30")
    assert _last_cases_filter(service) == CaseFilter(since=date(2026, 11, 1), until=date(2026, 11, 30))
    assert not desk.find("case-case-1") and desk.find("case-case-2")
    await desk.type("filter-since", "1 November")
    await desk.fire(desk.by_key("filter-since"), "submit", "1 November")
    assert any("WP-DESK-003" in t for t in desk.texts())


async def test_wd002_case_detail_groups_the_outcome(desk: AppHarness) -> None:
    await desk.click("case-case-2")
    await desk.wait_for(lambda: desk.top_view.route == "/case", what="the case detail")
    assert desk.by_key("case-headline").value.startswith("Some indication")

    def block_keys(element: str) -> set[str]:
        block = desk.by_key(f"block-{element}")
        return {str(c.key) for c in iter_controls(block) if str(c.key or "").startswith("indicator-")}

    assert block_keys("act") == {
        "indicator-recruited_by_deception",
        "indicator-recruited_by_deception-strength",
    }
    assert "indicator-documents_withheld" in block_keys("means") and "indicator-debt" in block_keys("means")
    assert "indicator-forced_work" in block_keys("purpose")
    assert desk.by_key("indicator-documents_withheld-strength").value == "ILO dimension: coercion · Strong"
    assert "Because: Q7: the employer keeps the passport" in desk.texts()
    assert "• Who holds the passport?" in desk.texts()
    history = desk.by_key("referral-ref-1-history")
    assert len(history.controls) == 2 and desk.by_key("referral-ref-1-status").value == "Accepted"
    await desk.click("back-to-cases")
    await desk.wait_for(lambda: desk.top_view.route == "/cases")
    await desk.click("case-case-3")
    await desk.wait_for(lambda: desk.find("means-child") is not None, what="the child case")
    assert not block_keys("means")


async def test_wd003_send_a_referral_with_consent(desk: AppHarness, service: FakeCoordinatorService) -> None:
    await desk.click("case-case-1")
    await desk.wait_for(lambda: desk.find("referral-send") is not None)
    await desk.click("referral-send")
    assert any("WP-DESK-004" in t for t in desk.texts())
    await desk.select("referral-partner", "partner-a")
    await desk.select("referral-service", "svc-shelter")
    await desk.select("referral-consent", "mandatory")
    await desk.click("referral-send")
    assert any("WP-DESK-001" in t for t in desk.texts())
    assert not [c for c in service.calls if c[0] == "send_referral"]
    await desk.type("referral-legal-basis", "Child protection act, art. 12")
    await desk.click("referral-send")
    await desk.wait_for(lambda: desk.find("notice") is not None, what="the sent notice")
    sent = [args for name, args in service.calls if name == "send_referral"]
    assert sent == [("case-1", "partner-a", "svc-shelter", "mandatory", "Child protection act, art. 12")]
    assert desk.find("referral-ref-2-status").value == "Sent"
    await desk.select("referral-partner", "partner-b")
    await desk.select("referral-consent", "given")
    assert desk.find("referral-legal-basis") is None
    await desk.click("referral-send")
    await desk.wait_for(lambda: len([c for c in service.calls if c[0] == "send_referral"]) == 2)
    assert service.calls[-2][1] == ("case-1", "partner-b", "svc-shelter", "given", "") or any(
        args == ("case-1", "partner-b", "svc-shelter", "given", "")
        for name, args in service.calls
        if name == "send_referral"
    )


async def test_wd004_revoke_needs_a_reason(desk: AppHarness, service: FakeCoordinatorService) -> None:
    await _goto(desk, "referrals")
    await desk.click("revoke-ref-1")
    assert any("WP-DESK-005" in t for t in desk.texts())
    await desk.type("revoke-ref-1-reason", "The person withdrew consent")
    await desk.click("revoke-ref-1")
    await desk.wait_for(lambda: desk.find("notice") is not None)
    assert ("revoke_referral", ("ref-1", "The person withdrew consent")) in service.calls
    assert desk.by_key("referral-ref-1-status").value == "Revoked"
    assert len(desk.by_key("referral-ref-1-history").controls) == 3
    assert desk.find("revoke-ref-1") is None


async def test_wd005_shareable_dashboard_hides_small_cells(
    desk: AppHarness, service: FakeCoordinatorService
) -> None:
    await _goto(desk, "dashboard")
    assert desk.by_key("cell-level_by_protocol-0-1").value == "3"
    assert "<11" not in desk.texts()
    await desk.toggle("shareable", True)
    await desk.wait_for(lambda: _state(desk).dashboard.shareable, what="the shareable view")
    assert ("dashboard", True) in service.calls
    assert desk.by_key("cell-level_by_protocol-0-1").value == "<11"
    assert desk.by_key("cell-level_by_protocol-0-0").value == "25"
    assert desk.find("cell-level_by_protocol-1-1") is None  # a zero draws no bar


async def test_wd006_refresh_shows_progress(desk: AppHarness, service: FakeCoordinatorService) -> None:
    import threading

    service.gate = threading.Event()
    clicked = asyncio.create_task(desk.click("refresh"))  # the handler runs until the envelopes are open
    try:
        await desk.wait_for(
            lambda: desk.find("progress") is not None and desk.by_key("progress").value == "2 of 4 opened",
            what="half the progress",
        )
        assert service.reached_gate.is_set()
        bar = desk.by_key("busy")
        assert isinstance(bar, ft.ProgressBar) and bar.value == 0.5
    finally:
        service.gate.set()
    await clicked
    await desk.wait_for(lambda: desk.find("notice") is not None, what="the refresh notice")
    assert desk.by_key("notice").value == "2 new cases opened." and desk.find("progress") is None


INTERACTIVE = (
    ft.Button,
    ft.FilledButton,
    ft.FilledTonalButton,
    ft.OutlinedButton,
    ft.TextButton,
    ft.TextField,
    ft.Dropdown,
    ft.Switch,
    ft.RadioGroup,
)


def _untagged(h: AppHarness) -> list[str]:
    tagged = {c.identifier for c in iter_controls(h.top_view) if isinstance(c, ft.Semantics)}
    return [
        repr(c)
        for c in iter_controls(h.top_view)
        if isinstance(c, INTERACTIVE) and (not c.key or str(c.key) not in tagged)
    ]


async def test_wd007_layout_and_identifiers(service: FakeCoordinatorService) -> None:
    wide = await _open(service, width=1280)
    try:
        assert wide.find("nav-rail") is not None and wide.find("nav-bar") is None
        for screen in ("cases", "referrals", "directory", "devices", "audit", "exports", "dashboard"):
            await _goto(wide, screen)
            assert _untagged(wide) == [], screen
        await _goto(wide, "cases")
        await wide.click("case-case-1")
        await wide.wait_for(lambda: wide.top_view.route == "/case")
        assert _untagged(wide) == []
        assert isinstance(wide.by_key("outcome-picture").content, ft.Row)
    finally:
        await wide.close()
    narrow = await _open(service, width=412)
    try:
        assert narrow.find("nav-bar") is not None and narrow.find("nav-rail") is None
        await narrow.click("case-case-1")
        await narrow.wait_for(lambda: narrow.top_view.route == "/case")
        assert isinstance(narrow.by_key("outcome-picture").content, ft.Column)
    finally:
        await narrow.close()


async def test_wd008_directory(desk: AppHarness, service: FakeCoordinatorService, tmp_path: Path) -> None:
    await _goto(desk, "directory")
    assert desk.find("entry-svc-legal-stale") is not None and desk.find("entry-svc-shelter-stale") is None
    await desk.type("directory-path", str(tmp_path / "missing.json"))
    await desk.click("directory-import")
    assert any("WP-DESK-002" in t for t in desk.texts())
    hsds = tmp_path / "hsds.json"
    hsds.write_bytes(b'{"services": []}')
    await desk.type("directory-path", str(hsds))
    await desk.click("directory-import")
    await desk.wait_for(lambda: desk.find("notice") is not None)
    assert ("import_directory", b'{"services": []}') in service.calls
    await desk.type("entry-svc-legal-name", "Legal aid centre")
    await desk.type("entry-svc-legal-email", "help@law-b.example")
    await desk.click("entry-svc-legal-save")
    await desk.wait_for(
        lambda: (
            ("update_entry", ("svc-legal", {"name": "Legal aid centre", "email": "help@law-b.example"}))
            in service.calls
        )
    )
    await desk.click("entry-svc-legal-verify")
    await desk.wait_for(lambda: desk.find("entry-svc-legal-stale") is None, what="the verified entry")
    await desk.click("directory-publish")
    await desk.wait_for(lambda: ("publish_directory", None) in service.calls)


async def test_wd009_devices_and_partners(desk: AppHarness, service: FakeCoordinatorService) -> None:
    await _goto(desk, "devices")
    await desk.click("device-code")
    await desk.wait_for(lambda: desk.find("code-text") is not None, what="the code")
    assert desk.by_key("code-text").value == "WAYPOINT-DEVICE-CODE-1"
    image = desk.by_key("code-qr-image").src
    assert image.startswith(b"\x89PNG") and image == qr_png("WAYPOINT-DEVICE-CODE-1")
    await desk.click("partner-code")
    assert any("WP-DESK-007" in t for t in desk.texts())
    await desk.type("partner-organization", "org-c")
    await desk.click("partner-code")
    await desk.wait_for(lambda: desk.by_key("code-text").value == "WAYPOINT-PARTNER-org-c")
    await desk.click("device-dev-b-revoke")
    await desk.wait_for(lambda: desk.find("device-dev-b-revoked") is not None)
    await desk.click("partner-partner-b-revoke")
    await desk.wait_for(lambda: desk.find("partner-partner-b-revoked") is not None)
    assert ("revoke_device", "dev-b") in service.calls and ("revoke_partner", "partner-b") in service.calls


async def test_wd010_audit_exports_and_language(service: FakeCoordinatorService, tmp_path: Path) -> None:
    desk = await _open(service)
    try:
        await _goto(desk, "audit")
        assert desk.find("audit-0") is not None
        await _goto(desk, "exports")
        await desk.click("export-json")
        assert any("WP-DESK-006" in t for t in desk.texts())
        await desk.type("export-folder", str(tmp_path))
        await desk.click("export-json")
        await desk.wait_for(lambda: desk.find("notice") is not None)
        assert desk.by_key("notice").value == f"2 files written to {tmp_path}."
        await desk.click("export-htcds")
        await desk.wait_for(lambda: ("export_htcds", tmp_path) in service.calls)
    finally:
        await desk.close()
    french = await _open(service, language="fr")
    try:
        await _goto(french, "exports")
        await french.click("export-json")
        banner = next(t for t in french.texts() if "WP-DESK-006" in t)
        assert (
            banner
            != "No path is given. Write the full path of a file or folder on this computer. (WP-DESK-006)"
        )
        assert french.by_key("nav-cases").content != "Cases"
    finally:
        await french.close()


def test_wd011_state_screens_are_the_navigation() -> None:
    from desk_app.coordinator.screens import BUILDERS, SCREEN_TITLES

    assert set(BUILDERS) == set(Screen) == set(SCREEN_TITLES)


async def test_wd012_the_only_active_partner_is_chosen(service: FakeCoordinatorService) -> None:
    service.revoke_partner("partner-b")
    desk = await _open(service)
    try:
        await desk.click("case-case-1")
        await desk.wait_for(lambda: desk.find("referral-send") is not None)
        assert desk.by_key("referral-partner").value == "partner-a"
        await desk.click("referral-send")
        await desk.wait_for(lambda: any(name == "send_referral" for name, _ in service.calls))
        assert [a for n, a in service.calls if n == "send_referral"] == [
            ("case-1", "partner-a", None, "given", "")
        ]
    finally:
        await desk.close()
