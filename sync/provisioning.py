"""Provisioning a device: from a one-time enrollment code to a device that seals for its organisation.

One path, in one order, for every front end (the app's set-up and home screens, `waypoint enroll
join`, and later the partners' tools):

    read the code (offline) → check the secrets → open the vault → join → duress secret → seal

Everything that can be refused without the network is refused before the one-time code is spent: the
code's shape and expiry, and the strength of the new secrets. An existing vault is unlocked first, so
only its officer can enroll it again; a new vault is created only after the device has joined, so a
failed join leaves nothing behind. When the organisation's policy asks for a duress secret and none
was given, nothing is sealed yet (`Provisioned.duress_pending`): the front end asks for it and calls
`choose_duress`.

`sync` never imports the app: the vault is whatever implements `ProvisionedVault` (`app.vault.Vault`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sync.client import RateLimited
from sync.enroll import OrganisationEnrollment
from sync.enroll import join as enroll_with_server
from sync.enrollment_code import EnrollmentCode
from sync.errors import EnrollmentError, NotTheServerError, SyncTransportError
from sync.stores import DeviceStore
from waypoint.core.i18n import N_

__all__ = ["CODE_EXPIRY_GRACE_SECONDS", "Provisioned", "ProvisionedVault", "Provisioning"]

# A code is refused on the device only when it expired longer ago than this by the device's clock, so
# a clock a few minutes fast does not block enrollment; the server's check is the one that counts.
CODE_EXPIRY_GRACE_SECONDS = 300

Joiner = Callable[[str, DeviceStore], OrganisationEnrollment]


class ProvisionedVault(Protocol):
    """What provisioning needs of the device's vault (`app.vault.Vault` implements it)."""

    @property
    def device_store(self) -> DeviceStore: ...

    @property
    def has_secret(self) -> bool: ...

    @property
    def is_unlocked(self) -> bool: ...

    @property
    def duress_secret_required(self) -> bool: ...

    def check_secret(self, secret: str, *, with_device_secret: bool) -> None: ...

    def check_duress_secret(
        self, duress_secret: str, officer_secret: str, *, with_device_secret: bool
    ) -> None: ...

    def create(self, secret: str, device_secret: bytes | None = None) -> None: ...

    def unlock(self, secret: str, device_secret: bytes | None = None) -> None: ...

    def set_duress_secret(self, duress_secret: str, device_secret: bytes | None = None) -> None: ...

    def seal_completed(self) -> list[str]: ...


@dataclass(frozen=True)
class Provisioned:
    """What provisioning did: the enrollment (None without a code), and what it sealed."""

    enrollment: OrganisationEnrollment | None
    sealed: tuple[str, ...] = ()
    duress_pending: bool = False  # the organisation asks for a duress secret: ask, then `choose_duress`


class Provisioning:
    """The one enrollment flow; `join` and `now` are replaceable for tests.

    Args:
        join: enrolls with the server named in the code (default: `sync.enroll.join`).
        now: Unix time, for the code's expiry.
        insecure_http: a test lab's explicit choice to accept a plain http:// server elsewhere.
    """

    def __init__(
        self, *, join: Joiner | None = None, now: Callable[[], float] = time.time, insecure_http: bool = False
    ) -> None:
        self._join = join or functools.partial(enroll_with_server, insecure_http=insecure_http)
        self._now = now
        self._insecure_http = insecure_http

    def read_code(self, code: str) -> EnrollmentCode:
        """Read a code and check its expiry, offline, before anything is created.

        Raises:
            EnrollmentError: the code is unreadable, or it expired (by this device's clock).
            InsecureServerAddress: the code names a plain http:// server elsewhere (and no lab asked).
        """
        parsed = EnrollmentCode.decode(code.strip(), insecure_http=self._insecure_http)
        if parsed.expires_at + CODE_EXPIRY_GRACE_SECONDS < self._now():
            expired = datetime.fromtimestamp(parsed.expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
            raise EnrollmentError(
                N_("This enrollment code expired at {expired} (by this device's clock)."),
                N_(
                    "Ask your coordinator for a new enrollment code. If it was made just now, check this "
                    "device's date and time."
                ),
                expired=expired,
            )
        return parsed

    @staticmethod
    def code_requires_duress(code: EnrollmentCode | None) -> bool:
        """True when the organisation's policy in `code` asks for a duress secret."""
        return code is not None and code.policy is not None and code.policy.require_duress

    def provision(
        self,
        vault: ProvisionedVault,
        code: str | None = None,
        *,
        secret: str | None = None,
        duress: str | None = None,
        device_secret: bytes | None = None,
    ) -> Provisioned:
        """Enroll with `code` (if any), creating or unlocking the vault with `secret` (if given).

        Args:
            vault: the device's vault; left unlocked when a secret was given (the caller locks it).
            code: a one-time enrollment code, or None to set up the vault only.
            secret: the officer's secret: creates the vault, or unlocks the existing one.
            duress: the duress secret, used when the organisation (code or earlier enrollment) asks.
            device_secret: the phone's secure-storage secret mixed into the vault key, if any.

        Raises:
            EnrollmentError: the code is unreadable, expired or refused, or the server is unreachable.
            WeakSecretError, WrongSecretError, ThrottledError: from the vault (nothing was enrolled).
        """
        parsed = self.read_code(code) if code else None
        duress_needed = self.code_requires_duress(parsed) or vault.duress_secret_required
        with_device_secret = device_secret is not None
        creating = secret is not None and not vault.has_secret
        if secret is not None and creating:
            vault.check_secret(secret, with_device_secret=with_device_secret)
        usable_duress = duress if duress_needed else None
        if usable_duress is not None and secret is not None:
            vault.check_duress_secret(usable_duress, secret, with_device_secret=with_device_secret)
        if secret is not None and not creating:
            vault.unlock(secret, device_secret)
        enrollment = self._join_or_explain(code, parsed, vault) if code and parsed else None
        if secret is not None and creating:
            vault.create(secret, device_secret)
        if not vault.is_unlocked:
            return Provisioned(enrollment)
        if usable_duress is not None and vault.duress_secret_required:
            vault.set_duress_secret(usable_duress, device_secret)
        if vault.duress_secret_required:
            return Provisioned(enrollment, duress_pending=True)
        return Provisioned(enrollment, tuple(vault.seal_completed()))

    def choose_duress(
        self, vault: ProvisionedVault, duress: str, *, device_secret: bytes | None = None
    ) -> Provisioned:
        """The officer chose the duress secret the organisation asks for: keep it, then seal.

        Raises:
            VaultLockedError, WeakSecretError: from the vault.
        """
        vault.set_duress_secret(duress, device_secret)
        return Provisioned(None, tuple(vault.seal_completed()))

    def _join_or_explain(
        self, code: str, parsed: EnrollmentCode, vault: ProvisionedVault
    ) -> OrganisationEnrollment:
        """`join`, with a message that fits enrollment when the server cannot be reached."""
        try:
            return self._join(code.strip(), vault.device_store)
        except RateLimited as error:
            raise EnrollmentError(
                N_("The organisation's server is busy and asked this device to wait {seconds} seconds."),
                N_("Wait that long, then try again with the same code."),
                seconds=round(error.retry_after),
            ) from error
        except NotTheServerError:
            raise  # it says what went wrong already: a network that is not the internet
        except SyncTransportError as error:
            raise EnrollmentError(
                N_("The organisation's server at {server} could not be reached."),
                N_(
                    "Check this device's network connection and try again with the same code. If it "
                    "keeps failing, ask your coordinator whether the server is running."
                ),
                server=parsed.server_url,
            ) from error
