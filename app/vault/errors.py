"""Errors the vault raises, split by what the officer (or the app) can do about them.

    WaypointError
    └── VaultError                       the local vault refused
        ├── VaultLockedError             no unlocked session (never unlocked, locked, idle): unlock again
        ├── NoVaultError                 nothing to unlock yet: create the vault first
        ├── VaultExistsError             the vault already has a secret: unlock it instead
        ├── WrongSecretError             the secret (or the device's secure-storage key) did not open it
        ├── ThrottledError               too many wrong secrets: wait `seconds`, then try again
        ├── VaultWipedError              the organisation's wipe limit was reached: the data is gone
        ├── WeakSecretError              a new secret is too easy to guess: choose a stronger one
        ├── DeviceSecretError            the secure-storage key is missing or not usable
        ├── UnsafeKdfParametersError     the stored key settings are below the floor: refused
        ├── VaultIntegrityError          stored data failed its authentication check (moved or altered)
        │   └── VaultTamperedError       the enrollment, settings or unlock counters were altered: refused
        ├── VaultFileDamagedError        the database file is damaged or not a vault: left as it is
        ├── VaultBusyError               another program kept writing to the vault: close it, try again
        ├── SchemaTooNewError            the vault was written by a newer Waypoint: update the app
        ├── PolicyError                  an organisation setting is out of range
        └── InterviewError               no such interview, or not in a state that allows this

Messages carry only ids, counts, seconds and state names: never a secret, an answer or a note.
"""

from __future__ import annotations

from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = [
    "DeviceSecretError",
    "InterviewError",
    "NoVaultError",
    "PolicyError",
    "SchemaTooNewError",
    "ThrottledError",
    "UnsafeKdfParametersError",
    "VaultBusyError",
    "VaultError",
    "VaultExistsError",
    "VaultFileDamagedError",
    "VaultIntegrityError",
    "VaultLockedError",
    "VaultTamperedError",
    "VaultWipedError",
    "WeakSecretError",
    "WrongSecretError",
]


class VaultError(WaypointError):
    """The device's encrypted vault refused an operation."""

    code = "WP-VAULT-001"
    what = N_("The vault on this device refused this.")
    todo = N_("Try again. If it happens again, tell your coordinator.")


class VaultLockedError(VaultError):
    """The operation needs the data key, and this session has not unlocked the vault (or it locked)."""

    code = "WP-VAULT-002"
    what = N_("The vault is locked.")
    todo = N_("Unlock it with your secret, then continue: nothing you saved is lost.")


class NoVaultError(VaultError):
    """`unlock` was called before the vault was created."""

    code = "WP-VAULT-003"
    what = N_("This device has no vault yet.")
    todo = N_("Create it first by choosing a secret.")


class VaultExistsError(VaultError):
    """`create` was called on a vault that already has a secret."""

    code = "WP-VAULT-004"
    what = N_("This device already has a vault.")
    todo = N_("Unlock it with its secret instead of creating a new one.")


class WrongSecretError(VaultError):
    """The secret did not open the vault; the attempt was counted."""

    code = "WP-VAULT-005"
    what = N_("That secret does not open the vault.")
    todo = N_("Check it and try again. Each wrong try makes the next wait longer.")


class ThrottledError(VaultError):
    """Too many wrong secrets in a row: the next attempt is allowed after `seconds`."""

    code = "WP-VAULT-006"
    what = N_("Too many wrong secrets.")
    todo = N_("Wait {seconds} seconds, then try again.")

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(seconds=seconds)


class VaultWipedError(VaultError):
    """The organisation's limit of wrong secrets was reached and the vault's keys were destroyed."""

    code = "WP-VAULT-007"
    what = N_("Too many wrong secrets: the interviews on this device were erased.")
    todo = N_("Ask your coordinator to set up this device again.")


class WeakSecretError(VaultError):
    """A new secret was refused because it is too easy to guess; `todo` says what would be accepted."""

    code = "WP-VAULT-008"
    what = N_("This secret is too easy to guess.")
    todo = N_("Choose a passphrase of at least 12 characters, for example four unrelated words.")


class DeviceSecretError(VaultError):
    """The key held in the device's secure storage is missing, too short, or not expected."""

    code = "WP-VAULT-009"
    what = N_("The key kept in this device's secure storage is missing or not usable.")
    todo = N_("Restart Waypoint. If it happens again, ask your coordinator to set up this device again.")


class UnsafeKdfParametersError(VaultError):
    """The stored key-derivation settings are weaker than the floor (or absurdly large): refused."""

    code = "WP-VAULT-010"
    what = N_("The vault's key settings are outside what Waypoint allows.")
    todo = N_("Do not use this copy of the vault, and tell your coordinator: it may have been altered.")


class VaultIntegrityError(VaultError):
    """A stored value failed its authentication check: it was altered or moved to another place."""

    code = "WP-VAULT-011"
    what = N_("Stored data failed its integrity check ({place}).")
    todo = N_("Do not use this device for interviews, and tell your coordinator.")


class VaultTamperedError(VaultIntegrityError):
    """The organisation's key, the server address, the settings or the unlock counters kept beside the
    vault were changed outside Waypoint (they no longer match what the officer's key authenticated).
    Nothing is sealed or unlocked, and nothing is reset; `place` names what failed (never a value).
    The message is its parent's: the officer's action is the same (stop, tell the coordinator)."""

    code = "WP-VAULT-020"

    def __init__(self, place: str = "enrollment, settings or unlock counters") -> None:
        super().__init__(place=place)


class VaultFileDamagedError(VaultError):
    """SQLite cannot read the vault's database file: it is damaged (cut short, overwritten) or is not a
    Waypoint vault at all. Nothing was written to it; `file` is its path (never its contents)."""

    code = "WP-VAULT-012"
    what = N_("The vault file {file} is damaged or is not a Waypoint vault.")
    todo = N_(
        "Do not delete or replace it: keep it as it is and tell your coordinator, who may still "
        "recover the interviews in it."
    )

    def __init__(self, *, file: str) -> None:
        self.file = file
        super().__init__(file=file)


class VaultBusyError(VaultError):
    """Another Waypoint program (the command line beside the app, a second app) kept writing to the
    vault for the whole busy timeout. Nothing was written by this attempt."""

    code = "WP-VAULT-016"
    what = N_("Another Waypoint program is busy writing to the vault.")
    todo = N_(
        "Wait a moment and try again. If it keeps happening, close other Waypoint windows and commands."
    )


class SchemaTooNewError(VaultError):
    """The database was written by a newer Waypoint than this one."""

    code = "WP-VAULT-013"
    what = N_(
        "This vault was written by a newer version of Waypoint (format {found}, this app knows {known})."
    )
    todo = N_("Update Waypoint on this device; the data is kept as it is.")


class PolicyError(VaultError):
    """An organisation setting for the vault is out of range."""

    code = "WP-VAULT-014"
    what = N_("The vault setting {name} is out of range.")
    todo = N_("Use a value from {minimum} to {maximum}.")


class InterviewError(VaultError):
    """No such interview in this session, or its state does not allow the operation."""

    code = "WP-VAULT-015"
    what = N_("Interview {interview_id} cannot be changed now (it is {state}).")
    todo = N_("Open the list of interviews and pick it again.")
