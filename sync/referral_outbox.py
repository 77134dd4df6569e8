"""The device sends its sealed referrals and learns what became of them.

`send_referrals` posts the pending referrals in batches and marks them sent only after the server's
signed receipt verifies (`sync.receipts.verify_receipt`, as for interviews); a referral the server
refuses for good is parked. `fetch_statuses` reads the status changes of what this device sent and
keeps each one with whether its actor's signature verified: a partner's with the partner's signing key
the device took from the organisation-signed directory when it sent the referral, a revocation with
the device's own key. A status that does not verify is kept as refused and never changes the shown
status. Neither needs the officer's secret: the store holds ciphertext and statuses only.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from sync.client import SyncClient
from sync.errors import DeviceRefused, ReceiptError, SyncError
from sync.identity import DeviceIdentity, ed25519_public_bytes
from sync.receipts import verify_receipt
from sync.referral_seal import StatusStatement, sign_status, verify_status
from sync.stores import DeviceStore
from sync.wire import (
    MAX_BATCH_ITEMS,
    ReferralBatch,
    ReferralEvent,
    ReferralEventRequest,
    ReferralItem,
    b64u_decode,
    b64u_encode,
)

__all__ = [
    "PendingReferral",
    "ReferralStatusUpdate",
    "ReferralStore",
    "ReferralSyncReport",
    "SentReferral",
    "fetch_statuses",
    "revoke_referral",
    "send_referrals",
]


@dataclass(frozen=True)
class PendingReferral:
    referral_id: str
    partner_id: str
    for_partner: bytes
    for_organisation: bytes


@dataclass(frozen=True)
class SentReferral:
    """A referral this device sent, and the partner key its statuses must verify with."""

    referral_id: str
    partner_signing_key: bytes


@dataclass(frozen=True)
class ReferralStatusUpdate:
    """One status change as received, and whether its actor's signature verified."""

    event_id: int
    referral_id: str
    status: str
    at: int  # Unix ms, UTC
    actor_id: str
    actor_role: str
    verified: bool


class ReferralStore(Protocol):
    """What the device keeps about referrals (the vault implements it; no secret needed)."""

    def pending_referrals(self, limit: int) -> list[PendingReferral]: ...

    def mark_referrals_sent(self, referral_ids: Sequence[str], receipt: bytes) -> None: ...

    def park_referral(self, referral_id: str, reason_code: str) -> None: ...

    def sent_referrals(self) -> list[SentReferral]: ...

    def record_statuses(self, updates: Sequence[ReferralStatusUpdate]) -> None:
        """Keep new status changes (known `event_id`s are ignored); verified ones set the status."""
        ...


@dataclass
class ReferralSyncReport:
    sent: int = 0
    parked: int = 0
    statuses: int = 0
    refused_statuses: int = 0
    errors: list[SyncError] = field(default_factory=list)


def _client(
    device_store: DeviceStore, transport: httpx.BaseTransport | None, insecure_http: bool
) -> SyncClient | None:
    enrollment, key = device_store.load_enrollment(), device_store.device_signing_key()
    if enrollment is None or key is None:
        return None
    identity = DeviceIdentity.from_raw(enrollment.device_id, key)
    return SyncClient(
        enrollment.server_url, identity=identity, transport=transport, insecure_http=insecure_http
    )


def send_referrals(
    store: ReferralStore,
    device_store: DeviceStore,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
    report: ReferralSyncReport | None = None,
) -> ReferralSyncReport:
    """Send every pending referral (one try; what fails stays pending for the next sync)."""
    report = report or ReferralSyncReport()
    enrollment = device_store.load_enrollment()
    client = _client(device_store, transport, insecure_http)
    if client is None or enrollment is None:
        return report
    with client:
        for _round in range(10_000):  # bounded: each round sends or stops
            pending = store.pending_referrals(MAX_BATCH_ITEMS)
            if not pending:
                break
            batch = ReferralBatch(
                items=[
                    ReferralItem(
                        referral_id=item.referral_id,
                        partner_id=item.partner_id,
                        for_partner=base64.b64encode(item.for_partner).decode(),
                        for_organisation=base64.b64encode(item.for_organisation).decode(),
                    )
                    for item in pending
                ]
            )
            ids = [item.referral_id for item in pending]
            try:
                reply = client.send_referrals(batch)
                receipt = reply.result.receipt
                verify_receipt(
                    receipt,
                    public_key=enrollment.receipt_public_key,
                    device_id=enrollment.device_id,
                    body=reply.body,
                    sent_ids=ids,
                )
            except (SyncError, ReceiptError) as error:
                report.errors.append(error)
                break
            done = [*receipt.accepted, *receipt.duplicates]
            store.mark_referrals_sent(done, receipt.model_dump_json().encode())
            report.sent += len(receipt.accepted)
            for referral_id in receipt.conflicts:
                store.park_referral(referral_id, "conflict")
            for item in receipt.rejected:
                store.park_referral(item.interview_id, item.code)
            report.parked += len(receipt.conflicts) + len(receipt.rejected)
    return report


def fetch_statuses(
    store: ReferralStore,
    device_store: DeviceStore,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
    report: ReferralSyncReport | None = None,
) -> ReferralSyncReport:
    """Fetch and verify the status changes of what this device sent."""
    report = report or ReferralSyncReport()
    sent = {item.referral_id: item.partner_signing_key for item in store.sent_referrals()}
    client = _client(device_store, transport, insecure_http)
    enrollment, own_key = device_store.load_enrollment(), device_store.device_signing_key()
    if client is None or enrollment is None or own_key is None or not sent:
        return report
    own_raw = ed25519_public_bytes(DeviceIdentity.from_raw(enrollment.device_id, own_key).signing_key)
    try:
        with client:
            events = client.referral_events().events
    except SyncError as error:
        report.errors.append(error)
        return report
    updates = [
        _checked(event, sent, own_raw, enrollment.device_id) for event in events if event.referral_id in sent
    ]
    store.record_statuses([update for update in updates if update is not None])
    report.statuses += sum(1 for update in updates if update is not None and update.verified)
    report.refused_statuses += sum(1 for update in updates if update is not None and not update.verified)
    return report


def _checked(
    event: ReferralEvent, sent: dict[str, bytes], own_key: bytes, device_id: str
) -> ReferralStatusUpdate | None:
    if event.actor_role == "partner":
        key = sent[event.referral_id]
    elif event.actor_id == device_id:
        key = own_key
    else:
        key = b""
    statement = StatusStatement(
        event.referral_id, event.status, event.at, event.actor_id, event.detail_sha256
    )
    try:
        verify_status(statement, b64u_decode(event.signature), key)
        verified = True
    except (SyncError, ValueError):
        verified = False
    return ReferralStatusUpdate(
        event.event_id, event.referral_id, event.status, event.at, event.actor_id, event.actor_role, verified
    )


def revoke_referral(
    device_store: DeviceStore,
    referral_id: str,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
) -> ReferralEvent:
    """Revoke a referral this device sent, signed with its device key (the next sync records it).

    Raises:
        DeviceRefused: the device is not enrolled (or was revoked).
        SyncRejected: 404 (not this device's referral) or 409 (already declined, completed or revoked).
    """
    enrollment, key = device_store.load_enrollment(), device_store.device_signing_key()
    client = _client(device_store, transport, insecure_http)
    if client is None or enrollment is None or key is None:
        raise DeviceRefused()
    signing_key = DeviceIdentity.from_raw(enrollment.device_id, key).signing_key
    statement = StatusStatement(referral_id, "revoked", int(time.time() * 1000), enrollment.device_id)
    request = ReferralEventRequest(
        status="revoked", at=statement.at, signature=b64u_encode(sign_status(statement, signing_key))
    )
    with client:
        return client.post_referral_event(f"/v1/referrals/{referral_id}/events", request)
