"""The actions of setting a device up: joining the organisation, the secrets, and what the lock shows.

Mixed into `app.session.Session`, like `app.interview_actions`. First start has two steps on the
set-up screen: the enrollment code (pasted, or read from a picture of its QR image), then the secret,
and the duress secret when the organisation's policy asks for one. Everything is checked before the
one-time code is spent: the secrets first, then the device joins, then the vault is created and the
organisation's policy applied (the enrollment itself writes the policy's limits; the duress secret
needs the officer). Interviews finished before enrollment are sealed as soon as the device has joined.

The unlock screen is honest about the vault's state: how long the officer must wait after wrong
secrets (counted down), and that the organisation's limit erased the vault.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from app.errors import DuressMissingError, SecretMismatchError
from app.qr_scan import read_enrollment_code
from app.state import Screen, SessionState
from app.vault import check_duress_secret, check_new_secret
from sync.enrollment_code import EnrollmentCode

if TYPE_CHECKING:
    import flet as ft

    from app.config import AppConfig
    from app.services import AppServices

__all__ = ["DeviceStatus", "SetupActions", "read_device_status"]

T = TypeVar("T")


@dataclass(frozen=True)
class DeviceStatus:
    """What the locked screens and the idle timer need to know; no interview content."""

    enrolled_server: str | None
    unlock_wait: int
    wiped: bool
    duress_required: bool
    idle_lock_seconds: float


def read_device_status(vault: Any, app_idle_lock_seconds: float) -> DeviceStatus:
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
    )


class SetupActions:
    """Set-up, enrollment and lock-status actions; expects what `app.session.Session` defines."""

    state: SessionState
    services: AppServices
    config: AppConfig
    page: ft.Page
    _idle_limit: float
    _unlock_allowed_at: float = 0.0

    if TYPE_CHECKING:

        async def off_loop(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

        def render(self) -> None: ...

        async def go_home(self) -> None: ...

        async def resume_interview(self, interview_id: str, screen: Screen | None = None) -> None: ...

        async def device_kwargs(self, *, create: bool) -> dict[str, Any]: ...

    # -- what the lock shows -------------------------------------------------------------------

    async def refresh_device_status(self) -> None:
        """Re-read enrollment, wait, wipe and the organisation's idle lock (one thread hop)."""
        status = await asyncio.to_thread(read_device_status, self.state.vault, self.config.idle_lock_seconds)
        self.state.enrolled_server = status.enrolled_server
        self.state.vault_wiped = status.wiped
        self.state.duress_required = status.duress_required or self._code_requires_duress()
        self._idle_limit = status.idle_lock_seconds
        self._unlock_allowed_at = asyncio.get_running_loop().time() + status.unlock_wait
        self.state.unlock_wait = status.unlock_wait

    def tick_unlock_wait(self) -> None:
        """Count the wait down on the unlock screen (called about once a second)."""
        remaining = max(0, math.ceil(self._unlock_allowed_at - asyncio.get_running_loop().time()))
        if remaining != self.state.unlock_wait:
            self.state.unlock_wait = remaining
            if self.state.screen in (Screen.UNLOCK, Screen.PAUSED):
                self.render()

    # -- first start ---------------------------------------------------------------------------

    def _code_requires_duress(self) -> bool:
        if not self.state.setup_code:
            return False
        policy = EnrollmentCode.decode(self.state.setup_code).policy
        return policy is not None and policy.require_duress

    async def accept_code(self, code: str) -> None:
        """Set-up, first step: keep a pasted (or scanned) code for when the secret is chosen.

        Raises:
            EnrollmentError: it is not a Waypoint enrollment code (checked here, offline).
        """
        text = code.strip()
        if text:
            EnrollmentCode.decode(text)
        self.state.setup_code = text or None
        self.state.setup_code_step_done = True
        await self.refresh_device_status()

    async def back_to_code(self) -> None:
        """Set-up: back to the enrollment code (to change it, or to continue without one)."""
        self.state.setup_code = None
        self.state.setup_code_step_done = False
        await self.refresh_device_status()

    async def scan_code(self, then_join: bool = False) -> None:
        """Read the code from a picture of its QR image; then keep it (set-up) or join at once (home)."""
        image = await self.services.pick_image(self.page)
        if image is None:
            return  # the officer cancelled the picker
        code = await self.off_loop(read_enrollment_code, image)
        if then_join:
            await self.join_organisation(code)
        else:
            await self.accept_code(code)

    async def create_vault(
        self, secret: str, confirmation: str, duress: str = "", duress_confirmation: str = ""
    ) -> None:
        """Set-up, second step: check both secrets, join, create the vault, apply the policy."""
        if secret != confirmation:
            raise SecretMismatchError
        vault = self.state.vault
        device = await self.device_kwargs(create=True)
        with_device_secret = "device_secret" in device
        check_new_secret(secret, with_device_secret=with_device_secret)
        if self.state.duress_required:
            if not duress:
                raise DuressMissingError
            if duress != duress_confirmation:
                raise SecretMismatchError
            check_duress_secret(duress, secret, with_device_secret=with_device_secret)
        if self.state.setup_code:
            await self.off_loop(self.services.join, self.state.setup_code, vault)
            self.state.setup_code = None
        await self.off_loop(vault.create, secret, **device)
        if self.state.duress_required:
            await self.off_loop(vault.set_policy, vault.policy, duress_secret=duress, **device)
        await self._after_enrollment()
        await self.go_home()

    # -- joining later, and the duress secret ---------------------------------------------------

    async def join_organisation(self, code: str) -> None:
        """Enroll this unlocked device (needs the network once), then seal what was finished before."""
        await self.off_loop(self.services.join, code.strip(), self.state.vault)
        await self.refresh_device_status()
        if self.state.duress_required:
            self.state.screen = Screen.DURESS  # the policy asks for a duress secret: the officer chooses it
            return
        await self._after_enrollment()
        await self.go_home()

    async def choose_duress(self, duress: str, confirmation: str) -> None:
        """The organisation requires a duress secret: keep the one the officer chose."""
        if not duress:
            raise DuressMissingError
        if duress != confirmation:
            raise SecretMismatchError
        vault = self.state.vault
        device = await self.device_kwargs(create=False)
        await self.off_loop(vault.set_policy, vault.policy, duress_secret=duress, **device)
        await self.refresh_device_status()
        await self._after_enrollment()
        if self.state.resume_interview_id:
            await self.resume_interview(self.state.resume_interview_id, self.state.resume_screen)
        else:
            await self.go_home()

    async def _after_enrollment(self) -> None:
        """Interviews finished before the device joined are sealed now, and the sender is woken."""
        await self.off_loop(self.state.vault.seal_completed)
        await self.refresh_device_status()
        self.services.sync_worker().poke()
