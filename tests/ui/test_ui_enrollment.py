"""Joining the organisation, its policy, and what the lock and home screens tell the officer.

UI080: set-up reads the code from a picture of the QR image `waypoint enroll create --qr` drew; the
       code's policy asks for a duress secret, which set-up asks for, explains and applies; the
       organisation's wipe limit and idle lock are in force; the duress secret opens an empty vault.
UI081: set-up checks both secrets before the one-time code is spent: no duress secret, or the
       officer's own, is refused, and the device is neither enrolled nor created.
UI082: a device enrolled before the app starts skips the code step and says where it sends; home
       names the organisation's server.
UI083: joining from home seals the interviews finished before enrollment.
UI084: joining from home under a policy that requires a duress secret leads to the duress screen,
       which there is no way past but choosing one (or the quick exit).
UI085: officer's notes typed on the summary end up in the sealed payload (opened with the
       organisation's key); the summary says they are encrypted, sealed and sent, and to leave out
       names and graphic detail.
UI086: the unlock screen counts the wait down after wrong secrets (field and button off), and after
       the organisation's wipe the set-up screen says what happened and what to do.
UI087: the idle lock is the organisation's setting once it set one, the app's setting before.
UI088: home shows times in the device's time zone (CLDR, the officer's language).
UI089: home reads two bounded, newest-first lists, never every interview.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flet_harness import AppHarness
from ui_organisation import Organisation
from ui_support import ANSWERS, SECRET, answer_current, question_id, set_up, to_first_question, unlock

from app import home_data
from app.clock import ManualClock
from app.errors import DuressMissingError
from app.main import create_main
from app.services import AppServices
from app.vault import KdfPolicy, Vault, VaultPolicy, WeakSecretError
from sync import join, open_submission
from sync.enroll import OrganisationEnrollment
from sync.enrollment_code import OrganisationPolicy
from sync.envelope import binding_info
from sync.sealed import SealedInterview
from sync.sender_signature import verify_signed_document

DURESS = "lantern orchard 58 duress"


async def _started(services: AppServices) -> AppHarness:
    return await AppHarness(create_main(services=services)).start()


async def _type_secrets(app: AppHarness, duress: str | None = DURESS, prefix: str = "setup") -> None:
    await app.type(f"{prefix}-secret", SECRET)
    await app.type(f"{prefix}-confirm", SECRET)
    if duress is not None:
        await app.type(f"{prefix}-duress", duress)
        await app.type(f"{prefix}-duress-confirm", duress)


async def test_ui080_scan_the_qr_image_and_apply_the_policy(
    app: AppHarness, services: AppServices, organisation: Organisation, tmp_path: Path
) -> None:
    png = tmp_path / "code.png"
    organisation.code("--require-duress", "--wipe-after", "5", "--idle-lock-seconds", "15", qr=png)

    async def pick_image(_page: object) -> bytes:
        return png.read_bytes()

    services.pick_image = pick_image  # type: ignore[method-assign]
    await app.click("setup-scan")
    await app.wait_for(lambda: app.find("setup-duress") is not None, what="the duress fields")
    assert "setup-duress-help" in app.keys() and "empty" in " ".join(app.texts())
    await _type_secrets(app)
    await app.click("setup-create")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home")
    session = app.page.data
    vault = session.state.vault
    assert vault.policy.wipe_after_failures == 5 and not vault.duress_secret_required
    assert session.state.idle_lock_seconds == 15
    assert organisation.url in " ".join(app.texts()) and "home-enrolled-server" in app.semantics_ids()
    await app.click("home-lock")
    await unlock(app, DURESS)
    assert app.top_view.route == "/home" and vault.list_interviews() == []


async def test_ui081_secrets_are_checked_before_the_code_is_spent(
    app: AppHarness, organisation: Organisation
) -> None:
    code = organisation.code("--require-duress")
    await app.type("setup-enrollment-code", code)
    await app.click("setup-code-continue")
    await app.wait_for(lambda: app.find("setup-duress") is not None, what="the duress fields")
    vault = app.page.data.state.vault
    await _type_secrets(app, duress="")
    await app.click("setup-create")
    await app.wait_for(lambda: app.page.data.state.last_error is not None, what="the refusal")
    assert app.page.data.state.last_error.startswith(DuressMissingError.what)
    await _type_secrets(app, duress=SECRET)
    await app.click("setup-create")
    await app.wait_for(lambda: app.page.data.state.last_error is not None, what="the refusal")
    assert app.page.data.state.last_error.startswith(WeakSecretError.what)
    assert not vault.has_secret and vault.device_store.load_enrollment() is None
    await _type_secrets(app)
    await app.click("setup-create")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home")
    assert vault.device_store.load_enrollment() is not None  # the same code was still good


async def test_ui082_pre_enrolled_device(
    make_services: Callable[..., AppServices], organisation: Organisation
) -> None:
    services = make_services()
    join(organisation.code(), Vault.open(services.config.data_dir).device_store)
    app = await _started(services)
    try:
        assert app.top_view.route == "/setup"
        assert "setup-enrollment-code" not in app.keys() and "setup-back" not in app.keys()
        assert organisation.url in app.by_key("setup-enrolled").value
        await set_up(app)
        assert organisation.url in app.by_key("home-enrolled-server").value
        assert "home-enrollment-code" not in app.keys()
    finally:
        await app.close()
        await services.close()


async def test_ui083_joining_seals_what_was_finished_before(
    app: AppHarness, organisation: Organisation
) -> None:
    await set_up(app)
    vault = app.page.data.state.vault
    finished = vault.interviews.create(
        protocol_id="border-rapid", protocol_version="1", engine_state={}, context={}
    )
    document = SealedInterview(finished, "border-rapid", "1", answers={})
    assert vault.interviews.complete(finished, document) is False
    await app.click("home-lock")
    await unlock(app)
    assert "home-enrolled-server" not in app.semantics_ids()
    await app.type("home-enrollment-code", organisation.code())
    await app.click("home-join")
    await app.wait_for(lambda: "home-enrolled-server" in app.semantics_ids(), what="home, enrolled")
    (only,) = vault.list_interviews()
    assert only.id == finished and only.state in ("sealed", "sent")


async def test_ui084_duress_screen_after_joining_from_home(
    app: AppHarness, organisation: Organisation
) -> None:
    await set_up(app)
    await app.type("home-enrollment-code", organisation.code("--require-duress"))
    await app.click("home-join")
    await app.wait_for(lambda: app.top_view.route == "/duress", what="the duress screen")
    assert "quick-exit" in app.keys() and set(app.keys()) >= {"duress-duress", "duress-duress-confirm"}
    assert not [k for k in app.keys() if k.startswith("home-")]
    await app.type("duress-duress", DURESS)
    await app.type("duress-duress-confirm", DURESS + "x")
    await app.click("duress-save")
    await app.wait_for(lambda: app.page.data.state.last_error is not None, what="the refusal")
    assert app.top_view.route == "/duress"
    await app.type("duress-duress", DURESS)
    await app.type("duress-duress-confirm", DURESS)
    await app.click("duress-save")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home")
    assert not app.page.data.state.vault.duress_secret_required


async def test_ui085_notes_are_sealed_with_the_interview(
    make_services: Callable[..., AppServices], organisation: Organisation
) -> None:
    services = make_services()
    join(organisation.code(), Vault.open(services.config.data_dir).device_store)
    app = await _started(services)
    try:
        await set_up(app)
        await to_first_question(app)
        while app.top_view.route == "/question":
            await answer_current(app, ANSWERS[question_id(app)])
        await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
        help_text = app.by_key("summary-notes-help").value
        assert "encrypted" in help_text and "sealed and sent" in help_text and "names" in help_text
        notes = "Seemed tired; asked about the shelter. NOTES-CANARY-7f3"
        await app.type("summary-notes", notes)
        await app.click("summary-rights")
        await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights")
        vault = app.page.data.state.vault
        (summary,) = vault.list_interviews()
        connection = sqlite3.connect(vault.database_path)
        envelope, protocol_version = connection.execute(
            "SELECT envelope, protocol_version FROM outbox WHERE id = ?", (summary.id,)
        ).fetchone()
        connection.close()
        assert b"NOTES-CANARY" not in envelope
        enrollment = vault.device_store.load_enrollment()
        binding = {
            "device_id": enrollment.device_id,
            "interview_id": summary.id,
            "protocol_id": "border-rapid",
            "protocol_version": protocol_version,
        }
        signed = open_submission(envelope, private_key=organisation.private_key, **binding)
        device_key = Ed25519PrivateKey.from_private_bytes(vault.device_store.device_signing_key())
        opened = json.loads(  # the device signed it: checked as the desk checks it
            verify_signed_document(
                signed,
                device_public_keys=[device_key.public_key().public_bytes_raw()],
                binding=binding_info(**binding, key_id=enrollment.organisation_key_id),
                interview_id=summary.id,
            )
        )
        assert opened["notes"] == notes
    finally:
        await app.close()
        await services.close()


class SteppedClock:
    """The vault's clock, moved by the test (waits pass without sleeping)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return datetime.now(UTC).timestamp() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


async def test_ui086_unlock_is_honest_about_waits_and_wipes(tmp_path: Path) -> None:
    from app.config import AppConfig

    clock = SteppedClock()
    session_clock = ManualClock()
    services = AppServices(
        AppConfig(data_dir=tmp_path / "device", sync_interval_seconds=3600.0),
        vault_options={"kdf_policy": KdfPolicy.insecure_fast_for_tests(), "clock": clock},
        clock=session_clock,
    )
    app = await _started(services)
    try:
        await set_up(app)
        session = app.page.data
        vault = session.state.vault
        enrollment = _enrollment(OrganisationPolicy(wipe_after_failures=5))
        vault.device_store.save_enrollment(enrollment, b"\x01" * 32)
        await app.click("home-lock")

        async def let_the_wait_pass() -> None:
            wait = vault.throttle_seconds()
            clock.offset += wait
            await session_clock.advance(wait)  # the screen counts down on the session's clock

        for _ in range(3):
            await app.type("unlock-secret", "a wrong guess at the secret")
            await app.click("unlock-submit")
            await app.wait_for(lambda: not session.state.busy, what="the refusal")
        assert session.state.unlock_wait == 30
        assert "0:30" in app.by_key("unlock-wait").value
        assert app.by_key("unlock-secret").disabled and app.by_key("unlock-submit").disabled
        await let_the_wait_pass()
        await app.settle()
        assert "unlock-wait" not in app.keys() and not app.by_key("unlock-submit").disabled
        for _ in range(2):
            await let_the_wait_pass()
            await app.type("unlock-secret", "a wrong guess at the secret")
            await app.click("unlock-submit")
            await app.wait_for(lambda: not session.state.busy, what="the refusal")
        await app.wait_for(lambda: app.top_view.route == "/setup", what="set-up after the wipe")
        assert "vault-wiped" in app.semantics_ids() and "coordinator" in app.by_key("vault-wiped").value
        assert vault.was_wiped and "setup-secret" in app.keys()  # enrolled: straight to the secret
    finally:
        await app.close()
        await services.close()


def _enrollment(policy: OrganisationPolicy | None = None) -> OrganisationEnrollment:
    return OrganisationEnrollment(
        server_url="http://127.0.0.1:9",
        device_id="device-ui-test",
        organisation_public_key=b"\x02" * 32,
        organisation_key_id="k1",
        receipt_public_key=b"\x03" * 32,
        enrolled_at=datetime(2026, 1, 2, tzinfo=UTC),
        policy=policy,
    )


async def test_ui087_idle_lock_follows_the_organisation(make_services: Callable[..., AppServices]) -> None:
    services = make_services(idle_lock_seconds=60.0)
    app = await _started(services)
    try:
        await set_up(app)
        session = app.page.data
        assert session.state.idle_lock_seconds == 60  # no organisation setting yet: the app's
        device_store = session.state.vault.device_store
        for organisation_idle in (600, 15):
            policy = OrganisationPolicy(idle_lock_seconds=organisation_idle)
            device_store.save_enrollment(_enrollment(policy), b"\x01" * 32)
            await app.click("home-lock")
            await unlock(app)
            assert session.state.idle_lock_seconds == organisation_idle  # longer or shorter: theirs
        assert session.state.vault.policy.idle_lock_seconds == 15
    finally:
        await app.close()
        await services.close()


async def test_ui088_home_times_are_local(app: AppHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    zone = timezone(timedelta(hours=5, minutes=30))
    monkeypatch.setattr("app.i18n.device_time_zone", lambda: zone)
    await set_up(app)
    await to_first_question(app)
    await app.click("quick-exit")
    await app.click("neutral-open")
    app.page.data.state.resume_interview_id = None
    await app.settle()  # the state re-renders the unlock screen
    await unlock(app)
    (draft,) = app.page.data.state.vault.list_interviews()
    from babel.dates import format_datetime

    local = format_datetime(draft.updated_at, format="short", tzinfo=zone, locale="en")
    utc = format_datetime(draft.updated_at, format="short", tzinfo=UTC, locale="en")
    assert local != utc
    row = " ".join(app.texts())
    assert local in row and utc not in row


def test_ui089_home_reads_bounded_lists() -> None:
    calls: list[tuple[Any, ...]] = []

    class RecordingVault:
        device_store = type("Store", (), {"load_enrollment": staticmethod(lambda: None)})()
        policy = VaultPolicy()  # home shows the organisation's retention period
        referrals = type("Referrals", (), {"list": staticmethod(list)})()

        def list_interviews(
            self, states: Any = None, *, newest_first: bool = False, limit: Any = None
        ) -> list[Any]:
            calls.append((tuple(states) if states else None, newest_first, limit))
            return []

    home_data.load_home(RecordingVault())
    assert calls == [
        (("in_progress",), True, home_data.RECENT_DRAFTS),
        (("completed", "sealed", "sent"), True, home_data.RECENT_FINISHED),
    ]
