"""Setting a device up: the enrollment code, the secrets, joining later, and the duress secret.

First start has two steps on the set-up screen: the enrollment code (pasted, or read from a picture
of its QR image), then the secret, and the duress secret when the organisation's policy asks for one.
The order of what happens then is `sync.provisioning`'s, shared with `waypoint enroll join`: the
secrets are checked before the one-time code is spent, the device joins, the vault is created, the
duress secret is kept, and interviews finished before enrollment are sealed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.controllers.lock import LockController
from app.errors import DuressMissingError, SecretMismatchError
from app.qr_scan import read_enrollment_code
from app.runtime import SessionRuntime
from app.state import Screen
from sync.enrollment_code import EnrollmentCode
from sync.provisioning import Provisioned, Provisioning

__all__ = ["SetupController"]


class SetupController:
    """The set-up screen's two steps, joining from home, and choosing the duress secret."""

    def __init__(
        self,
        runtime: SessionRuntime,
        lock: LockController,
        *,
        go_home: Callable[[], Awaitable[None]],
        provisioning: Provisioning,
    ) -> None:
        self._runtime = runtime
        self._lock = lock
        self._go_home = go_home
        self._provisioning = provisioning
        self.state = runtime.state

    # -- first start ---------------------------------------------------------------------------

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
        await self._lock.refresh_device_status()

    async def back_to_code(self) -> None:
        """Set-up: back to the enrollment code (to change it, or to continue without one)."""
        self.state.setup_code = None
        self.state.setup_code_step_done = False
        await self._lock.refresh_device_status()

    async def scan_code(self, then_join: bool = False) -> None:
        """Read the code from a picture of its QR image; then keep it (set-up) or join at once (home)."""
        image = await self._runtime.services.pick_image(self._runtime.page)
        if image is None:
            return  # the officer cancelled the picker
        code = await self._runtime.off_loop(read_enrollment_code, image)
        if then_join:
            await self.join_organisation(code)
        else:
            await self.accept_code(code)

    async def create_vault(
        self, secret: str, confirmation: str, duress: str = "", duress_confirmation: str = ""
    ) -> None:
        """Set-up, second step: check both secrets, join, create the vault, keep the duress secret."""
        if secret != confirmation:
            raise SecretMismatchError
        if self.state.duress_required:
            self._check_duress(duress, duress_confirmation)
        device_secret = await self._runtime.device_secret(create=True)
        done = await self._runtime.off_loop(
            self._provisioning.provision,
            self._runtime.vault,
            self.state.setup_code,
            secret=secret,
            duress=duress or None,
            device_secret=device_secret,
        )
        self.state.setup_code = None
        await self._after(done)

    # -- joining later, and the duress secret ---------------------------------------------------

    async def join_organisation(self, code: str) -> None:
        """Enroll this unlocked device (needs the network once), then seal what was finished before."""
        done = await self._runtime.off_loop(self._provisioning.provision, self._runtime.vault, code)
        await self._after(done)

    async def choose_duress(self, duress: str, confirmation: str) -> None:
        """The organisation requires a duress secret: keep the one the officer chose, then seal."""
        self._check_duress(duress, confirmation)
        device_secret = await self._runtime.device_secret(create=False)
        done = await self._runtime.off_loop(
            self._provisioning.choose_duress, self._runtime.vault, duress, device_secret=device_secret
        )
        await self._after(done)

    async def _after(self, done: Provisioned) -> None:
        await self._lock.refresh_device_status()
        if done.duress_pending:
            self.state.screen = Screen.DURESS  # the policy asks for a duress secret: the officer chooses it
            return
        self._runtime.services.sync_worker().poke()
        await self._lock.resume_or_home()

    @staticmethod
    def _check_duress(duress: str, confirmation: str) -> None:
        if not duress:
            raise DuressMissingError
        if duress != confirmation:
            raise SecretMismatchError
