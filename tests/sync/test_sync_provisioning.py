"""Enrollment written once: `sync.provisioning` runs code → vault → join → duress → seal, in that order.

PV001: a new vault: the secrets are checked before the one-time code is spent, the device joins, then
       the vault is created, the duress secret kept, and what was finished before sealed.
PV002: a weak secret, or a duress secret equal to the secret, spends no code and creates nothing.
PV003: an existing vault is unlocked before the code is spent: a wrong secret spends nothing.
PV004: a policy asking for a duress secret, without one: joined, nothing sealed, `duress_pending`;
       `choose_duress` then keeps it and seals.
PV005: a code that expired (beyond the grace for a fast clock) is refused offline; within it, accepted.
PV006: an unreachable or busy server is explained as an enrollment problem (the same code works later).
PV007: the app's vault is what provisioning expects (one flow for the app, the CLI and partners).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sync_fakes import MemoryDeviceStore

from sync.client import RateLimited
from sync.enroll import OrganisationEnrollment
from sync.enrollment_code import EnrollmentCode, OrganisationPolicy
from sync.errors import EnrollmentError, SyncTransportError
from sync.provisioning import CODE_EXPIRY_GRACE_SECONDS, Provisioning
from sync.stores import DeviceStore
from sync.wire import b64u_encode

NOW = 1_800_000_000.0
SECRET = "correct horse battery staple"
DURESS = "a different duress phrase"


def _code(*, require_duress: bool = False, expires_at: float = NOW + 3600) -> str:
    policy = OrganisationPolicy(require_duress=True) if require_duress else None
    return EnrollmentCode(
        server_url="http://127.0.0.1:9",
        organisation_public_key=b"\x02" * 32,
        organisation_key_id="k1",
        receipt_public_key=b"\x03" * 32,
        token=b64u_encode(os.urandom(16)),
        expires_at=int(expires_at),
        policy=policy,
    ).encode()


@dataclass
class FakeVault:
    """A vault that records what provisioning asks of it, in order."""

    has_secret: bool = False
    duress_secret_required: bool = False
    is_unlocked: bool = False
    calls: list[str] = field(default_factory=list)
    device_store: MemoryDeviceStore = field(default_factory=MemoryDeviceStore)

    def check_secret(self, secret: str, *, with_device_secret: bool) -> None:
        self.calls.append("check")
        if len(secret) < 12:
            raise ValueError("weak")

    def check_duress_secret(
        self, duress_secret: str, officer_secret: str, *, with_device_secret: bool
    ) -> None:
        self.calls.append("check-duress")
        if duress_secret == officer_secret:
            raise ValueError("same")

    def create(self, secret: str, device_secret: bytes | None = None) -> None:
        self.calls.append("create")
        self.has_secret = self.is_unlocked = True

    def unlock(self, secret: str, device_secret: bytes | None = None) -> None:
        self.calls.append("unlock")
        if secret != SECRET:
            raise PermissionError("wrong secret")
        self.is_unlocked = True

    def set_duress_secret(self, duress_secret: str, device_secret: bytes | None = None) -> None:
        self.calls.append("duress")
        self.duress_secret_required = False

    def seal_completed(self) -> list[str]:
        self.calls.append("seal")
        return ["finished-before"]


def _joiner(vault: FakeVault, error: Exception | None = None):  # type: ignore[no-untyped-def]
    def join(code: str, store: DeviceStore) -> OrganisationEnrollment:
        vault.calls.append("join")
        if error is not None:
            raise error
        parsed = EnrollmentCode.decode(code)
        if parsed.policy is not None and parsed.policy.require_duress:
            vault.duress_secret_required = True  # as the vault's device store does when it saves
        return OrganisationEnrollment(
            server_url=parsed.server_url,
            device_id="device-1",
            organisation_public_key=parsed.organisation_public_key,
            organisation_key_id=parsed.organisation_key_id,
            receipt_public_key=parsed.receipt_public_key,
            enrolled_at=datetime.now(UTC),
            policy=parsed.policy,
        )

    return join


def _provisioning(vault: FakeVault, error: Exception | None = None) -> Provisioning:
    return Provisioning(join=_joiner(vault, error), now=lambda: NOW)


def test_pv001_new_vault_in_order() -> None:
    vault = FakeVault()
    done = _provisioning(vault).provision(vault, _code(require_duress=True), secret=SECRET, duress=DURESS)
    assert vault.calls == ["check", "check-duress", "join", "create", "duress", "seal"]
    assert done.enrollment is not None and done.enrollment.device_id == "device-1"
    assert done.sealed == ("finished-before",) and not done.duress_pending


@pytest.mark.parametrize(("secret", "duress"), [("short", None), (SECRET, SECRET)])
def test_pv002_weak_secrets_spend_no_code(secret: str, duress: str | None) -> None:
    vault = FakeVault()
    with pytest.raises(ValueError):
        _provisioning(vault).provision(vault, _code(require_duress=True), secret=secret, duress=duress)
    assert "join" not in vault.calls and "create" not in vault.calls


def test_pv003_existing_vault_is_unlocked_first() -> None:
    vault = FakeVault(has_secret=True)
    with pytest.raises(PermissionError):
        _provisioning(vault).provision(vault, _code(), secret="not the secret at all")
    assert vault.calls == ["unlock"]
    vault.calls.clear()
    done = _provisioning(vault).provision(vault, _code(), secret=SECRET)
    assert vault.calls == ["unlock", "join", "seal"] and done.sealed == ("finished-before",)


def test_pv004_duress_asked_later() -> None:
    vault = FakeVault(is_unlocked=True, has_secret=True)
    provisioning = _provisioning(vault)
    done = provisioning.provision(vault, _code(require_duress=True))
    assert done.duress_pending and done.sealed == () and vault.calls == ["join"]
    chosen = provisioning.choose_duress(vault, DURESS)
    assert vault.calls == ["join", "duress", "seal"] and chosen.sealed == ("finished-before",)


def test_pv005_expiry_is_checked_offline() -> None:
    vault = FakeVault()
    provisioning = _provisioning(vault)
    late = _code(expires_at=NOW - CODE_EXPIRY_GRACE_SECONDS - 60)
    with pytest.raises(EnrollmentError) as refused:
        provisioning.provision(vault, late)
    assert "expired" in refused.value.message() and vault.calls == []
    provisioning.provision(vault, _code(expires_at=NOW - CODE_EXPIRY_GRACE_SECONDS + 60))
    assert vault.calls == ["join"]  # no secret given: joined, nothing unlocked, nothing sealed


@pytest.mark.parametrize(
    ("error", "said"),
    [(SyncTransportError(), "could not be reached"), (RateLimited(retry_after=30), "wait 30 seconds")],
)
def test_pv006_unreachable_server_is_explained(error: Exception, said: str) -> None:
    vault = FakeVault()
    with pytest.raises(EnrollmentError) as refused:
        _provisioning(vault, error).provision(vault, _code())
    assert said in refused.value.message()


def test_pv007_the_app_vault_provisions(tmp_path: Path) -> None:
    from app.vault import KdfPolicy, Vault

    vault = Vault.open(tmp_path / "device", kdf_policy=KdfPolicy.insecure_fast_for_tests())
    store = MemoryDeviceStore()
    seen: list[str] = []

    def join(code: str, device_store: DeviceStore) -> OrganisationEnrollment:
        seen.append(code)
        enrollment = _joiner(FakeVault())(code, store)
        device_store.save_enrollment(enrollment, b"\x01" * 32)
        return enrollment

    try:
        code = _code(require_duress=True)
        done = Provisioning(join=join, now=lambda: NOW).provision(vault, code, secret=SECRET, duress=DURESS)
        assert seen == [code] and vault.is_unlocked and not vault.duress_secret_required
        assert done.sealed == () and vault.device_store.load_enrollment() is not None
    finally:
        vault.close()
