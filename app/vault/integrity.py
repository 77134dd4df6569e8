"""Authenticating what the vault keeps in clear: the enrollment, the organisation's settings, the counters.

The enrollment (organisation public key and key id, server address, receipt key, device id and
signing key) and the organisation's settings (idle lock, wipe limit, retention) must be readable while
the vault is locked, so they are not encrypted. Instead an HMAC-SHA256 under a key derived from the
data key (`integrity_key`) covers them; it is written in every unlocked transaction that changes them
(`attest`) and checked before every seal and at every unlock (`verify`). A file edited while locked
fails the check with `VaultTamperedError`: nothing is sealed to a swapped key, nothing is reset.

The unlock counters are needed *before* the secret is known (throttling), so they cannot be checked
with the key at that moment. They are built so that they only move forward and can be checked twice:

* while locked, `failures` must equal `attempts_total - forgiven_total` (both only grow): lowering
  the failure count alone is refused before any secret is tried (`check_counters`);
* at every unlock, the MAC also covers `attested_attempts`, the attempt count at the last unlock that
  attested; counters rolled back below it are refused then.

Residual risk (see docs/vault.md, "Integrity of what stays in clear"): an attacker who edits the
file can move `forgiven_total` up to `attempts_total` exactly as a duress unlock does, gaining more
guesses before the officer's next unlock, which reveals nothing wrong. Restoring a whole earlier copy
of the file is not detectable without hardware-backed storage. The enrollment written before the
vault exists is trusted on first use, when the vault is created.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, select, update
from sqlmodel import col

from app.vault.errors import VaultTamperedError
from app.vault.tables import EnrollmentRow, IntegrityRow, PolicyRow, UnlockGuardRow

__all__ = ["attest", "check_counters", "clear_attestation", "integrity_key", "is_attested", "verify"]

_KEY_LABEL = b"waypoint-vault-integrity/1"
_FORMAT = "waypoint-vault-protected-state/1"
_ENROLLMENT_COLUMNS = (
    "server_url",
    "device_id",
    "organisation_public_key",
    "organisation_key_id",
    "receipt_public_key",
    "enrolled_at",
    "signing_key",
)
_POLICY_COLUMNS = (
    "idle_lock_seconds",
    "wipe_after_failures",
    "retention_days",
    "duress_required",
    "updated_at",
)
_LATER_POLICY_COLUMNS = ("private_idle_lock_seconds",)


def integrity_key(data_key: bytes) -> bytes:
    """The MAC key for the protected state, derived from (and only as secret as) the data key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_LABEL).derive(data_key)


def _plain(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def _protected_state(connection: Connection, attested_attempts: int) -> bytes:
    enrollment = connection.execute(select(EnrollmentRow)).first()
    policy = connection.execute(select(PolicyRow)).one()
    state = {
        "format": _FORMAT,
        "enrollment": None
        if enrollment is None
        else {name: _plain(getattr(enrollment, name)) for name in _ENROLLMENT_COLUMNS},
        "policy": {name: _plain(getattr(policy, name)) for name in _POLICY_COLUMNS}
        # Settings added later join only once set, so a vault attested before them still verifies.
        | {
            name: getattr(policy, name) for name in _LATER_POLICY_COLUMNS if getattr(policy, name) is not None
        },
        "attested_attempts": attested_attempts,
    }
    return json.dumps(state, sort_keys=True, separators=(",", ":")).encode()


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _guard(connection: Connection) -> Any:
    return connection.execute(select(UnlockGuardRow)).one()


def check_counters(guard: Any) -> None:
    """Refuse counters that cannot have come from Waypoint (checked while locked, before any secret).

    Raises:
        VaultTamperedError: the failure count does not match the forward-only totals.
    """
    if not (0 <= guard.forgiven_total <= guard.attempts_total) or guard.failures != (
        guard.attempts_total - guard.forgiven_total
    ):
        raise VaultTamperedError()


def attest(connection: Connection, key: bytes) -> None:
    """Authenticate the current enrollment, settings and attempt count (inside the caller's transaction)."""
    attempts = int(_guard(connection).attempts_total)
    connection.execute(
        update(IntegrityRow).values(
            attested_attempts=attempts, mac=_mac(key, _protected_state(connection, attempts))
        )
    )


def is_attested(connection: Connection) -> bool:
    """True once an unlocked session has authenticated the protected state (False: never, or wiped)."""
    return connection.execute(select(col(IntegrityRow.mac))).scalar_one() is not None


def verify(connection: Connection, key: bytes) -> None:
    """Check the protected state against its MAC and the counters against the attested count.

    Raises:
        VaultTamperedError: the enrollment or settings changed outside an unlocked session, the MAC is
            missing, or the counters went back below what the last unlock attested.
    """
    row = connection.execute(select(IntegrityRow)).one()
    if row.mac is None:
        raise VaultTamperedError()
    expected = _mac(key, _protected_state(connection, int(row.attested_attempts)))
    if not hmac.compare_digest(expected, row.mac):
        raise VaultTamperedError()
    guard = _guard(connection)
    check_counters(guard)
    if guard.forgiven_total < row.attested_attempts:
        raise VaultTamperedError()


def clear_attestation(connection: Connection) -> None:
    """Forget the MAC (a wipe: the key it was made with no longer exists)."""
    connection.execute(update(IntegrityRow).values(attested_attempts=0, mac=None))
