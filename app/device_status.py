"""What the locked screens and the idle timer know about the device: no interview content."""

from __future__ import annotations

from dataclasses import dataclass

from app.vault import Vault

__all__ = ["DeviceStatus", "read_device_status"]


@dataclass(frozen=True)
class DeviceStatus:
    """Enrollment, the wait after wrong secrets, a wipe, a duress secret still to choose, the idle lock."""

    enrolled_server: str | None
    unlock_wait: int
    wiped: bool
    duress_required: bool
    idle_lock_seconds: float
    private_idle_lock_seconds: float | None  # the organisation's, while the respondent holds the device


def read_device_status(vault: Vault, app_idle_lock_seconds: float) -> DeviceStatus:
    """Read the device's status from the vault (blocking: run it off the event loop).

    The idle lock is the organisation's setting once it has set one; before that, the app's setting
    (never longer than the vault's own default).
    """
    enrollment = vault.device_store.load_enrollment()
    policy = vault.policy
    idle = float(policy.idle_lock_seconds)
    if not vault.policy_set_by_organisation:
        idle = min(float(app_idle_lock_seconds), idle)
    return DeviceStatus(
        enrolled_server=enrollment.server_url if enrollment else None,
        unlock_wait=vault.throttle_seconds(),
        wiped=vault.was_wiped,
        duress_required=vault.duress_secret_required,
        idle_lock_seconds=idle,
        private_idle_lock_seconds=(
            None if policy.private_idle_lock_seconds is None else float(policy.private_idle_lock_seconds)
        ),
    )
