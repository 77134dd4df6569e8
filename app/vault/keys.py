"""The vault's keys: a random data key, wrapped by a key derived from the officer's secret.

    secret ──NFC, UTF-8──► Argon2id(salt, m, t, p) ──┐
    device secret (phones: hardware-backed storage) ─┴─► HKDF-SHA256 ──► KEK
    KEK ──AES-256-GCM, AAD = canonical JSON of the KDF parameters + slot + vault id──► wrapped data key

Binding the parameters in the AAD means a stored parameter set cannot be swapped for a weaker one
without the unwrap failing; `KdfPolicy.check` also refuses any stored set below the floor before a
single derivation runs. Changing the secret re-wraps the same data key: no data is re-encrypted.

New vaults are calibrated on the device that creates them (`KdfPolicy.choose`): memory is fixed at the
floor of 64 MiB (low-end tablets must not run out of memory) and the number of passes is raised until
one derivation takes about `target_seconds`.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.vault.errors import DeviceSecretError, UnsafeKdfParametersError

__all__ = [
    "DATA_KEY_LENGTH",
    "LEGACY_SLOT_FORMAT",
    "MIN_DEVICE_SECRET_LENGTH",
    "WRAPPED_KEY_LENGTH",
    "KdfParams",
    "KdfPolicy",
    "derive_kek",
    "new_data_key",
    "unwrap_data_key",
    "wrap_data_key",
]

DATA_KEY_LENGTH = 32
SALT_LENGTH = 16
NONCE_LENGTH = 12
WRAPPED_KEY_LENGTH = NONCE_LENGTH + DATA_KEY_LENGTH + 16
MIN_DEVICE_SECRET_LENGTH = 16
# Version 2 marks a vault whose clear rows are authenticated (`integrity.py`); a version-1 wrap is a vault
# from before that, whose first unlock writes the MAC and re-wraps the slot as version 2.
SLOT_FORMAT = "waypoint-vault-keyslot/2"
LEGACY_SLOT_FORMAT = "waypoint-vault-keyslot/1"


@dataclass(frozen=True)
class KdfParams:
    """One Argon2id parameter set, stored next to the wrapped keys (and bound to them)."""

    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes
    with_device_secret: bool
    algorithm: str = "argon2id"

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, salt in hex): what is stored and what the wrap's AAD binds."""
        fields = asdict(self)
        fields["salt"] = self.salt.hex()
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> KdfParams:
        """Read a stored parameter set.

        Raises:
            UnsafeKdfParametersError: the JSON does not describe an Argon2id parameter set.
        """
        try:
            fields = json.loads(text)
            params = cls(
                memory_kib=int(fields["memory_kib"]),
                iterations=int(fields["iterations"]),
                lanes=int(fields["lanes"]),
                salt=bytes.fromhex(fields["salt"]),
                with_device_secret=bool(fields["with_device_secret"]),
                algorithm=str(fields["algorithm"]),
            )
        except (ValueError, KeyError, TypeError):
            raise UnsafeKdfParametersError() from None
        if params.algorithm != "argon2id" or len(params.salt) != SALT_LENGTH:
            raise UnsafeKdfParametersError()
        return params


_CALIBRATED: dict[tuple[int, int, int, float], int] = {}
_CALIBRATION_LOCK = threading.Lock()


@dataclass(frozen=True)
class KdfPolicy:
    """The floor every stored parameter set must meet, and how new vaults pick theirs.

    `KdfPolicy()` is production: m = 64 MiB, at least 3 passes, calibrated to about 0.75 s.
    `KdfPolicy.insecure_fast_for_tests()` exists so unit tests do not spend a second per unlock; it
    is only ever passed explicitly to `Vault.open`, never read from the environment.
    """

    min_memory_kib: int = 64 * 1024
    min_iterations: int = 3
    max_memory_kib: int = 1024 * 1024
    max_iterations: int = 200
    lanes: int = 4
    target_seconds: float = 0.75
    fixed_iterations: int | None = None

    @classmethod
    def insecure_fast_for_tests(cls) -> KdfPolicy:
        """A tiny Argon2id profile (1 MiB, 1 pass) for tests; a production vault refuses it."""
        return cls(min_memory_kib=1024, min_iterations=1, lanes=1, fixed_iterations=1)

    def check(self, params: KdfParams) -> None:
        """Refuse a stored parameter set below the floor, or large enough to hang the device.

        Raises:
            UnsafeKdfParametersError: the parameters are out of bounds.
        """
        if not (
            self.min_memory_kib <= params.memory_kib <= self.max_memory_kib
            and self.min_iterations <= params.iterations <= self.max_iterations
            and 1 <= params.lanes <= 16
        ):
            raise UnsafeKdfParametersError()

    def choose(self, *, with_device_secret: bool) -> KdfParams:
        """Pick parameters for a new vault, calibrating the pass count on this device.

        Returns:
            Parameters with a fresh random salt, at or above the floor.
        """
        salt = os.urandom(SALT_LENGTH)
        iterations = self.fixed_iterations or self.calibrate()
        return KdfParams(
            memory_kib=self.min_memory_kib,
            iterations=max(self.min_iterations, min(iterations, self.max_iterations)),
            lanes=self.lanes,
            salt=salt,
            with_device_secret=with_device_secret,
        )

    def calibrate(self) -> int:
        """The pass count that takes about `target_seconds` here: measured once per process and kept
        (the device does not change), so the app can measure it while the officer types a new secret
        and creating the vault then runs Argon2id once."""
        key = (self.min_memory_kib, self.min_iterations, self.lanes, self.target_seconds)
        with _CALIBRATION_LOCK:
            if key not in _CALIBRATED:
                _CALIBRATED[key] = self._calibrate_iterations()
            return _CALIBRATED[key]

    def _calibrate_iterations(self) -> int:
        probe = KdfParams(self.min_memory_kib, self.min_iterations, self.lanes, os.urandom(16), False)
        timings = []
        for _ in range(2):
            # The faster of two runs, each counted as the lesser of wall and CPU time: other processes
            # busy at the moment of creation must not weaken this vault for good.
            wall, cpu = time.perf_counter(), time.process_time()
            _argon2id(b"calibration", probe)
            timings.append(min(time.perf_counter() - wall, time.process_time() - cpu))
        return math.ceil(self.min_iterations * self.target_seconds / max(min(timings), 1e-3))


def normalise_secret(secret: str) -> bytes:
    """The same secret typed on any keyboard gives the same bytes (Unicode NFC, then UTF-8)."""
    return unicodedata.normalize("NFC", secret).encode("utf-8")


def _argon2id(secret: bytes, params: KdfParams) -> bytes:
    kdf = Argon2id(
        salt=params.salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(secret)


def derive_kek(secret: str, params: KdfParams, device_secret: bytes | None) -> bytes:
    """Derive the key-encryption key from the secret (and the device secret, when the vault has one).

    Raises:
        DeviceSecretError: the vault needs a device secret and none (or a short one) was given, or
            one was given to a vault created without it.
    """
    if params.with_device_secret != (device_secret is not None):
        raise DeviceSecretError()
    if device_secret is not None and len(device_secret) < MIN_DEVICE_SECRET_LENGTH:
        raise DeviceSecretError()
    stretched = _argon2id(normalise_secret(secret), params)
    label = b"waypoint-vault-kek/1|device" if device_secret is not None else b"waypoint-vault-kek/1|secret"
    mixer = HKDF(algorithm=hashes.SHA256(), length=32, salt=params.salt, info=label)
    return mixer.derive(stretched + (device_secret or b""))


def new_data_key() -> bytes:
    """A fresh random 256-bit data key."""
    return os.urandom(DATA_KEY_LENGTH)


def _slot_aad(params: KdfParams, slot: str, vault_id: str, slot_format: str = SLOT_FORMAT) -> bytes:
    binding = {"format": slot_format, "kdf": json.loads(params.to_json()), "slot": slot, "vault_id": vault_id}
    return json.dumps(binding, sort_keys=True, separators=(",", ":")).encode()


def wrap_data_key(kek: bytes, data_key: bytes, params: KdfParams, *, slot: str, vault_id: str) -> bytes:
    """Wrap the data key under the KEK, binding the KDF parameters, the slot name and the vault id."""
    nonce = os.urandom(NONCE_LENGTH)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _slot_aad(params, slot, vault_id))


def unwrap_data_key(
    kek: bytes,
    wrapped: bytes,
    params: KdfParams,
    *,
    slot: str,
    vault_id: str,
    formats: tuple[str, ...] = (SLOT_FORMAT, LEGACY_SLOT_FORMAT),
) -> bytes | None:
    """The data key, or None when this KEK (or these parameters, slot or vault) does not open the slot.

    `formats` are the slot formats accepted, newest first (both by default).
    """
    if len(wrapped) != WRAPPED_KEY_LENGTH:
        return None
    for slot_format in formats:
        try:
            return AESGCM(kek).decrypt(
                wrapped[:NONCE_LENGTH], wrapped[NONCE_LENGTH:], _slot_aad(params, slot, vault_id, slot_format)
            )
        except InvalidTag:
            continue
    return None
