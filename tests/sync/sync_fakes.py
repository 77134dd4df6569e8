"""In-memory fakes of the device-storage protocols in `sync/stores.py`, and small key helpers.

They keep the same promises the vault makes: `pending` returns unacknowledged items oldest `seq` first,
`mark_sent` is all-or-nothing, parked items are never returned again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.envelope import key_id_for, seal_submission
from sync.referral_outbox import PendingReferral, ReferralStatusUpdate, SentReferral
from sync.stores import Enrollment, OutboxCounts, OutboxItem


def raw_public(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def make_enrollment(
    organisation_key: X25519PrivateKey,
    device_id: str,
    *,
    key_id: str | None = None,
    server_url: str = "http://127.0.0.1:1",
) -> Enrollment:
    public = raw_public(organisation_key)
    return Enrollment(
        server_url=server_url,
        device_id=device_id,
        organisation_public_key=public,
        organisation_key_id=key_id or key_id_for(public),
        receipt_public_key=raw_public(Ed25519PrivateKey.generate()),
        enrolled_at=datetime.now(UTC),
    )


@dataclass
class MemoryDeviceStore:
    enrollment: Enrollment | None = None
    signing_key: bytes | None = None

    def load_enrollment(self) -> Enrollment | None:
        return self.enrollment

    def device_signing_key(self) -> bytes | None:
        return self.signing_key

    def save_enrollment(self, enrollment: Enrollment, signing_key: bytes) -> None:
        self.enrollment, self.signing_key = enrollment, signing_key


@dataclass
class MemoryOutboxStore:
    items: dict[str, OutboxItem] = field(default_factory=dict)
    sent: dict[str, bytes] = field(default_factory=dict)
    parked: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item_id: str, envelope: bytes, *, protocol_id: str = "adult", version: str = "1") -> None:
        key_id = envelope[11 : 11 + envelope[10]].decode()
        with self.lock:
            seq = len(self.items) + len(self.sent) + len(self.parked) + 1
            self.items[item_id] = OutboxItem(item_id, seq, protocol_id, version, key_id, envelope, 0)

    def seal_and_add(self, enrollment: Enrollment, item_id: str, plaintext: bytes) -> None:
        device = getattr(self, "device", None)  # the device store, when a test attached one: it signs
        envelope = seal_submission(
            plaintext,
            enrollment=enrollment,
            interview_id=item_id,
            protocol_id="adult",
            protocol_version="1",
            signing_key=device.signing_key if device is not None else None,
        )
        self.add(item_id, envelope)

    def pending(self, limit: int) -> list[OutboxItem]:
        with self.lock:
            return sorted(self.items.values(), key=lambda item: item.seq)[:limit]

    def mark_sent(self, item_ids: Sequence[str], receipt: bytes) -> None:
        with self.lock:
            missing = [item_id for item_id in item_ids if item_id not in self.items]
            if missing:
                raise KeyError(missing)
            for item_id in item_ids:
                del self.items[item_id]
                self.sent[item_id] = receipt

    def record_attempt(self, item_ids: Sequence[str], error_code: str) -> None:
        with self.lock:
            self.errors.append(error_code)
            for item_id in item_ids:
                item = self.items[item_id]
                self.items[item_id] = replace(item, attempts=item.attempts + 1)

    def park(self, item_id: str, reason_code: str) -> None:
        with self.lock:
            del self.items[item_id]
            self.parked[item_id] = reason_code

    def counts(self) -> OutboxCounts:
        with self.lock:
            return OutboxCounts(pending=len(self.items), sent=len(self.sent), parked=len(self.parked))


@dataclass
class MemoryReferralStore:
    pending: dict[str, PendingReferral] = field(default_factory=dict)
    sent: dict[str, bytes] = field(default_factory=dict)  # referral id -> partner signing key
    parked: dict[str, str] = field(default_factory=dict)
    partner_keys: dict[str, bytes] = field(default_factory=dict)
    statuses: dict[int, ReferralStatusUpdate] = field(default_factory=dict)

    def pending_referrals(self, limit: int) -> list[PendingReferral]:
        return list(self.pending.values())[:limit]

    def mark_referrals_sent(self, referral_ids: Sequence[str], receipt: bytes) -> None:
        for referral_id in referral_ids:
            self.pending.pop(referral_id)
            self.sent[referral_id] = self.partner_keys[referral_id]

    def park_referral(self, referral_id: str, reason_code: str) -> None:
        self.pending.pop(referral_id)
        self.parked[referral_id] = reason_code

    def sent_referrals(self) -> list[SentReferral]:
        return [SentReferral(referral_id, key) for referral_id, key in self.sent.items()]

    def record_statuses(self, updates: Sequence[ReferralStatusUpdate]) -> None:
        for update in updates:
            self.statuses.setdefault(update.event_id, update)

    def verified_status(self, referral_id: str) -> str:
        verified = [u for u in self.statuses.values() if u.referral_id == referral_id and u.verified]
        return verified[-1].status if verified else "sent"
