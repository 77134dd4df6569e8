"""The organisation's settings for a device's vault.

The organisation sets these (in the enrollment code, applied when the device joins; or through
`Vault.set_policy` from an unlocked session), never the officer on the unlock screen. They are kept in
clear because they must work while the vault is locked; someone who can edit the file can also copy
it, and then no on-device limit applies anyway: against that, only the strength of the secret and the
device secret help.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.vault.errors import PolicyError
from sync.enrollment_code import (
    IDLE_LOCK_RANGE,
    PRIVATE_IDLE_LOCK_RANGE,
    RETENTION_DAYS_RANGE,
    WIPE_AFTER_RANGE,
    EmergencyNumbers,
    OrganisationPolicy,
)

__all__ = ["VaultPolicy", "emergency_numbers_from_json"]


@dataclass(frozen=True)
class VaultPolicy:
    """What the organisation decides for this device's vault.

    Attributes:
        idle_lock_seconds: lock after this long without activity (default 2 minutes).
        wipe_after_failures: destroy the keys and interviews after this many wrong secrets in a row;
            None (the default) never wipes.
        retention_days: keep a sent envelope this long after its receipt, then purge it.
        emergency_numbers: the emergency and duty numbers by country (the emergency screen shows them).
        private_idle_lock_seconds: the idle lock while the respondent holds the device; None: the app's.
    """

    idle_lock_seconds: int = 120
    wipe_after_failures: int | None = None
    retention_days: int = 30
    emergency_numbers: tuple[EmergencyNumbers, ...] = ()
    private_idle_lock_seconds: int | None = None

    def validate(self) -> None:
        """Check every setting is in range.

        Raises:
            PolicyError: naming the setting and its allowed range.
        """
        _check_range("idle_lock_seconds", self.idle_lock_seconds, IDLE_LOCK_RANGE)
        if self.wipe_after_failures is not None:
            _check_range("wipe_after_failures", self.wipe_after_failures, WIPE_AFTER_RANGE)
        _check_range("retention_days", self.retention_days, RETENTION_DAYS_RANGE)
        if not all(numbers.valid() for numbers in self.emergency_numbers):
            raise PolicyError(name="emergency_numbers", minimum=0, maximum=0)
        if self.private_idle_lock_seconds is not None:
            _check_range("private_idle_lock_seconds", self.private_idle_lock_seconds, PRIVATE_IDLE_LOCK_RANGE)

    @classmethod
    def from_organisation(cls, policy: OrganisationPolicy) -> VaultPolicy:
        """The vault's settings for an organisation's policy from an enrollment code (unset: defaults)."""
        defaults = cls()
        return cls(
            idle_lock_seconds=policy.idle_lock_seconds or defaults.idle_lock_seconds,
            wipe_after_failures=policy.wipe_after_failures,
            retention_days=(
                policy.retention_days if policy.retention_days is not None else defaults.retention_days
            ),
            emergency_numbers=policy.emergency_numbers,
            private_idle_lock_seconds=policy.private_idle_lock_seconds,
        )

    def emergency_numbers_json(self) -> str | None:
        """The emergency numbers as the vault keeps them (None when the organisation set none)."""
        if not self.emergency_numbers:
            return None
        return json.dumps([[n.country, n.emergency, n.duty] for n in self.emergency_numbers])


def emergency_numbers_from_json(stored: str | None) -> tuple[EmergencyNumbers, ...]:
    """Read back what `VaultPolicy.emergency_numbers_json` wrote (a damaged value reads as none)."""
    if not stored:
        return ()
    try:
        entries = tuple(EmergencyNumbers(*map(str, item)) for item in json.loads(stored))
    except (ValueError, TypeError):
        return ()
    return tuple(entry for entry in entries if entry.valid())


def _check_range(name: str, value: int, bounds: tuple[int, int]) -> None:
    minimum, maximum = bounds
    if not isinstance(value, int) or not minimum <= value <= maximum:
        raise PolicyError(name=name, minimum=minimum, maximum=maximum)
