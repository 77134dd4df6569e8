"""Sync: sealing, device identity, the outbox sender, the referral server and the case desk.

The device side is importable from here; the server lives in `sync.server`, the case desk in
`sync.desk` (both import heavier libraries the device does not need).
"""

from sync.client import SyncClient
from sync.enroll import join
from sync.enrollment_code import EnrollmentCode
from sync.envelope import open_submission, seal_submission
from sync.errors import (
    DeviceRefused,
    EnrollmentError,
    EnvelopeError,
    NotTheServerError,
    ReceiptError,
    SignatureError,
    SyncError,
    SyncRejected,
    SyncTransportError,
)
from sync.outbox import Backoff, ItemResult, Outbox, SyncProgress, SyncReport
from sync.provisioning import Provisioned, Provisioning
from sync.sealed import SEALED_FORMAT, SealedDocumentError, SealedInterview
from sync.stores import DeviceStore, Enrollment, OutboxCounts, OutboxItem, OutboxStore

__all__ = [
    "SEALED_FORMAT",
    "Backoff",
    "DeviceRefused",
    "DeviceStore",
    "Enrollment",
    "EnrollmentCode",
    "EnrollmentError",
    "EnvelopeError",
    "ItemResult",
    "NotTheServerError",
    "Outbox",
    "OutboxCounts",
    "OutboxItem",
    "OutboxStore",
    "Provisioned",
    "Provisioning",
    "ReceiptError",
    "SealedDocumentError",
    "SealedInterview",
    "SignatureError",
    "SyncClient",
    "SyncError",
    "SyncProgress",
    "SyncRejected",
    "SyncReport",
    "SyncTransportError",
    "join",
    "open_submission",
    "seal_submission",
]
