"""The vault's two key slots: the officer's data key, and the decoy key the duress secret opens.

They live in the key-slot file (`key_file.py`, schema version 6), never in the SQLite file, so that
destroying them (a wipe, or duress) overwrites them in place and leaves no copy in a WAL or free page.
Callers hold the database's write lock while they write them, which serialises processes.

Both slots share one Argon2id parameter set and salt, so an unlock derives once and tries both wraps:
a duress unlock costs exactly what a real one costs. Without a duress secret the duress slot holds
random bytes of a wrap's size, so the file does not show whether one is set. Changing a secret re-wraps
one slot with the same salt (the other slot's secret is unknown to the session changing it).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from app.vault.errors import DeviceSecretError
from app.vault.key_file import KeyFile, KeyRecord
from app.vault.keys import (
    MIN_DEVICE_SECRET_LENGTH,
    SLOT_FORMAT,
    WRAPPED_KEY_LENGTH,
    KdfParams,
    KdfPolicy,
    derive_kek,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)

__all__ = ["DURESS_SLOT", "OFFICER_SLOT", "KeySlots", "check_device_secret"]

OFFICER_SLOT = "officer"
DURESS_SLOT = "duress"


def check_device_secret(params: KdfParams, device_secret: bytes | None) -> None:
    """The device secret must be given exactly when the vault was made with one, and long enough.

    Raises:
        DeviceSecretError: it is missing, unexpected or too short.
    """
    if params.with_device_secret != (device_secret is not None):
        raise DeviceSecretError()
    if device_secret is not None and len(device_secret) < MIN_DEVICE_SECRET_LENGTH:
        raise DeviceSecretError()


@dataclass(frozen=True)
class KeySlots:
    """The stored key slots, read once per operation."""

    vault_id: str
    params: KdfParams
    officer: bytes
    duress: bytes

    @classmethod
    def read(cls, key_file: KeyFile, kdf_policy: KdfPolicy) -> KeySlots | None:
        """The slots, or None before the vault is created (or after a wipe).

        Raises:
            UnsafeKdfParametersError: the stored parameters are below the floor (or absurd).
        """
        record = key_file.read()
        if record is None:
            return None
        params = KdfParams.from_json(record.kdf_params)
        kdf_policy.check(params)
        return cls(record.vault_id, params, record.officer_slot, record.duress_slot)

    @staticmethod
    def create(
        key_file: KeyFile, kek: bytes, params: KdfParams, updated_at: str
    ) -> tuple[bytes, KeySlots] | None:
        """Write new slots for a fresh data key, unless the vault already exists (then None)."""
        if key_file.read() is not None:
            return None
        data_key, vault_id = new_data_key(), str(uuid.uuid4())
        slots = KeySlots(
            vault_id,
            params,
            wrap_data_key(kek, data_key, params, slot=OFFICER_SLOT, vault_id=vault_id),
            os.urandom(WRAPPED_KEY_LENGTH),
        )
        slots.write(key_file, updated_at)
        return data_key, slots

    def write(self, key_file: KeyFile, updated_at: str) -> None:
        """Overwrite the key-slot file with these slots."""
        key_file.write(KeyRecord(self.vault_id, self.params.to_json(), self.officer, self.duress, updated_at))

    def derive(self, secret: str, device_secret: bytes | None) -> bytes:
        """The key-encryption key for `secret` under these parameters (slow on purpose)."""
        check_device_secret(self.params, device_secret)
        return derive_kek(secret, self.params, device_secret)

    def unwrap(self, kek: bytes, slot: str) -> bytes | None:
        """The data key in `slot`, or None when `kek` does not open it."""
        wrapped = self.duress if slot == DURESS_SLOT else self.officer
        return unwrap_data_key(kek, wrapped, self.params, slot=slot, vault_id=self.vault_id)

    def is_legacy(self, kek: bytes) -> bool:
        """True when the officer slot opens only as a wrap from before the integrity MAC (schema < 4)."""
        current = unwrap_data_key(
            kek, self.officer, self.params, slot=OFFICER_SLOT, vault_id=self.vault_id, formats=(SLOT_FORMAT,)
        )
        return current is None and self.unwrap(kek, OFFICER_SLOT) is not None

    def open(self, kek: bytes) -> tuple[bytes, bool] | None:
        """(data key, is the decoy) for whichever slot `kek` opens; both are always tried."""
        officer, duress = self.unwrap(kek, OFFICER_SLOT), self.unwrap(kek, DURESS_SLOT)
        if officer is not None:
            return officer, False
        if duress is not None:
            return duress, True
        return None

    def with_slot(self, kek: bytes, data_key: bytes, slot: str) -> KeySlots:
        """These slots with `data_key` wrapped under `kek` into `slot` (secret change, new decoy key)."""
        wrapped = wrap_data_key(kek, data_key, self.params, slot=slot, vault_id=self.vault_id)
        if slot == DURESS_SLOT:
            return KeySlots(self.vault_id, self.params, self.officer, wrapped)
        return KeySlots(self.vault_id, self.params, wrapped, self.duress)

    def store(self, key_file: KeyFile, kek: bytes, data_key: bytes, slot: str, updated_at: str) -> KeySlots:
        """Wrap `data_key` under `kek` into `slot` and overwrite the key-slot file; returns the new slots."""
        slots = self.with_slot(kek, data_key, slot)
        slots.write(key_file, updated_at)
        return slots
