"""What the sync layer needs from the device's storage, as interfaces.

The device keeps its enrollment and its outbox in the vault's SQLite database (`app.vault`), because
sealing an interview and queueing its envelope must happen in one local transaction. The sync layer
never imports the vault: it works through these two protocols, which the vault implements and tests
fake in memory. Neither needs the officer's secret, so the outbox drains while the vault is locked:
everything in it is sealed to the organisation and unreadable on the device.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Enrollment:
    """What a device learns when it joins an organisation's referral server."""

    server_url: str
    device_id: str
    organisation_public_key: bytes  # raw X25519 public key that envelopes are sealed to
    organisation_key_id: str  # names that key, so the organisation can rotate keys
    receipt_public_key: bytes  # raw Ed25519 key the server signs receipts with
    enrolled_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    """One sealed interview waiting to be sent; `id` is its idempotency key (the interview id)."""

    id: str
    seq: int  # per-device order of sealing
    protocol_id: str
    protocol_version: str
    key_id: str
    envelope: bytes
    attempts: int


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sent: int
    parked: int  # refused by the server; needs a person, never retried on its own


class DeviceStore(Protocol):
    def load_enrollment(self) -> Enrollment | None: ...

    def device_signing_key(self) -> bytes | None:
        """The raw Ed25519 private key (32 bytes) this device signs requests with, once enrolled."""
        ...

    def save_enrollment(self, enrollment: Enrollment, signing_key: bytes) -> None: ...


class OutboxStore(Protocol):
    def pending(self, limit: int) -> list[OutboxItem]:
        """Items not yet acknowledged, oldest `seq` first."""
        ...

    def mark_sent(self, item_ids: Sequence[str], receipt: bytes) -> None:
        """Record a verified server receipt for these items, in one transaction."""
        ...

    def record_attempt(self, item_ids: Sequence[str], error_code: str) -> None:
        """Count a failed try; the items stay pending."""
        ...

    def park(self, item_id: str, reason_code: str) -> None:
        """The server refused this item for good (e.g. 409): stop retrying and show it."""
        ...

    def counts(self) -> OutboxCounts: ...
