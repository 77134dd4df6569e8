"""The device's encrypted vault: field-level AES-256-GCM over SQLite, keys wrapped under Argon2id.

See docs/vault.md for the design, the threat model and the secret rules.
"""

from app.vault.clock import Clock
from app.vault.errors import (
    DeviceSecretError,
    InterviewError,
    NoVaultError,
    PolicyError,
    SchemaTooNewError,
    ThrottledError,
    UnsafeKdfParametersError,
    VaultBusyError,
    VaultError,
    VaultExistsError,
    VaultFileDamagedError,
    VaultIntegrityError,
    VaultLockedError,
    VaultTamperedError,
    VaultWipedError,
    WeakSecretError,
    WrongSecretError,
)
from app.vault.finished import FinishedIndicator, FinishedSummary
from app.vault.keys import KdfParams, KdfPolicy
from app.vault.migrations import SCHEMA_VERSION
from app.vault.policy import VaultPolicy
from app.vault.records import STATES, InterviewRecords, InterviewSummary, StoredInterview
from app.vault.secret_rules import check_duress_secret, check_new_secret
from app.vault.stores import VaultDeviceStore, VaultOutboxStore
from app.vault.vault import Vault

__all__ = [
    "SCHEMA_VERSION",
    "STATES",
    "Clock",
    "DeviceSecretError",
    "FinishedIndicator",
    "FinishedSummary",
    "InterviewError",
    "InterviewRecords",
    "InterviewSummary",
    "KdfParams",
    "KdfPolicy",
    "NoVaultError",
    "PolicyError",
    "SchemaTooNewError",
    "StoredInterview",
    "ThrottledError",
    "UnsafeKdfParametersError",
    "Vault",
    "VaultBusyError",
    "VaultDeviceStore",
    "VaultError",
    "VaultExistsError",
    "VaultFileDamagedError",
    "VaultIntegrityError",
    "VaultLockedError",
    "VaultOutboxStore",
    "VaultPolicy",
    "VaultTamperedError",
    "VaultWipedError",
    "WeakSecretError",
    "WrongSecretError",
    "check_duress_secret",
    "check_new_secret",
]
