"""Errors the sync layer raises, split by what the caller can do about them.

    WaypointError
    └── SyncError                      sending or sealing failed
        ├── EnvelopeError              an envelope is malformed, sealed to another key or bound elsewhere
        ├── EnrollmentError            an enrollment code is malformed, expired, used or refused
        ├── SignatureError             a request's signature is missing, malformed or wrong (server side)
        ├── SyncTransportError         the network or the server failed: keep the item, retry with backoff
        │   ├── NotTheServerError      something else answered (a captive portal): check the network
        │   └── sync.client.RateLimited  the server asked the device to wait (429)
        ├── ReceiptError               the server's receipt does not verify: nothing counts as sent; retry
        ├── SyncRejected               the server refused an item for good (4xx): park it, show it
        └── DeviceRefused              the server refuses this device (revoked, unknown): stop and tell

Messages never carry answers, notes, keys, tokens or ciphertext: only ids, counts and status codes.
"""

from __future__ import annotations

from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = [
    "DeviceRefused",
    "EnrollmentError",
    "EnvelopeError",
    "NotTheServerError",
    "ReceiptError",
    "SignatureError",
    "SyncError",
    "SyncRejected",
    "SyncTransportError",
]


class SyncError(WaypointError):
    """Sealing, enrolling or sending failed."""

    code = "WP-SYNC-001"
    what = N_("Sending to the organisation failed.")
    todo = N_("Your interviews are kept on this device. Try again when you have a connection.")


class EnvelopeError(SyncError):
    """A sealed envelope could not be made or opened."""

    code = "WP-SYNC-002"
    what = N_("A sealed interview could not be opened.")
    todo = N_("Check that you use the organisation key it was sealed to.")


class EnrollmentError(SyncError):
    """Joining an organisation's server failed."""

    code = "WP-SYNC-003"
    what = N_("This device could not join the organisation's server.")
    todo = N_("Ask your coordinator for a new enrollment code.")


class SignatureError(SyncError):
    """A request's signature or digest does not check out; `check` says which check failed."""

    code = "WP-SYNC-004"
    what = N_("A request's signature could not be verified ({code}).")
    todo = N_("Sign each request with the device key, a fresh nonce and the current time.")

    def __init__(self, *, check: str) -> None:
        self.check = check
        super().__init__(code=check)  # the message's {code} placeholder, kept for its translations


class SyncTransportError(SyncError):
    """The connection or the server failed; the items stay in the outbox and are retried."""

    code = "WP-SYNC-005"
    what = N_("The organisation's server could not be reached.")
    todo = N_("Your interviews are kept on this device and will be sent when a connection is back.")


class NotTheServerError(SyncTransportError):
    """The network answered, but not as the server would: a captive portal or a filtering proxy."""

    code = "WP-SYNC-010"
    what = N_("The answer from the network was not from the organisation's server.")
    todo = N_("Check that this network gives real internet access, then try again.")


class ReceiptError(SyncError):
    """The server's receipt did not verify, so nothing in the batch counts as sent."""

    code = "WP-SYNC-006"
    what = N_("The server's receipt could not be verified.")
    todo = N_("Your interviews are kept on this device. If this keeps happening, tell your coordinator.")


class SyncRejected(SyncError):
    """The server refused a request for good; retrying the same request cannot help."""

    code = "WP-SYNC-007"
    what = N_("The organisation's server refused a request (status {status}).")
    todo = N_("The interview is kept on this device. Tell your coordinator.")


class DeviceRefused(SyncError):
    """The server refuses this device: it was revoked or is not enrolled."""

    code = "WP-SYNC-008"
    what = N_("The organisation's server no longer accepts this device.")
    todo = N_("Your interviews are kept on this device. Ask your coordinator to enroll it again.")
