"""Signed receipts: the server's proof that it committed a batch, checked before anything counts as sent.

The server signs, with its Ed25519 receipt key, the device id, the SHA-256 of the exact request body,
its time, and which ids it accepted, already had, found in conflict, or refused. The device checks the
signature with the receipt key from its enrollment code, then that the receipt is about this device and
this body, and that every id it sent appears exactly once. Only then does it mark items sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.errors import ReceiptError
from sync.wire import EnrollResponse, Receipt, RejectedItem, b64u_decode, b64u_encode, canonical_json
from waypoint.core.i18n import N_

__all__ = ["enrollment_message", "sign_receipt", "verify_enrollment", "verify_receipt"]


def sign_receipt(
    key: Ed25519PrivateKey,
    *,
    device_id: str,
    body: bytes,
    server_time: int,
    accepted: Sequence[str],
    duplicates: Sequence[str],
    conflicts: Sequence[str],
    rejected: Sequence[RejectedItem],
    body_sha256: bytes | None = None,
) -> Receipt:
    """Build and sign the receipt for one committed batch (the server side; `body_sha256`: the
    body's SHA-256 when the caller has it already)."""
    unsigned = {
        "v": 1,
        "device_id": device_id,
        "batch_digest": (body_sha256 or hashlib.sha256(body).digest()).hex(),
        "server_time": server_time,
        "accepted": sorted(accepted),
        "duplicates": sorted(duplicates),
        "conflicts": sorted(conflicts),
        "rejected": sorted(rejected, key=lambda item: item.interview_id),
    }
    draft = Receipt.model_validate({**unsigned, "signature": "A" * 85 + "A"})
    return draft.model_copy(update={"signature": b64u_encode(key.sign(draft.signed_message()))})


def verify_receipt(
    receipt: Receipt,
    *,
    public_key: bytes,
    device_id: str,
    body: bytes,
    sent_ids: Sequence[str],
    body_sha256: bytes | None = None,
) -> None:
    """Check a receipt fully before any item counts as sent (`body_sha256`: the body's SHA-256, when
    the caller has it already).

    Raises:
        ReceiptError: bad signature, another device or body, or ids missing, extra or repeated.
    """
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            b64u_decode(receipt.signature), receipt.signed_message()
        )
    except (InvalidSignature, ValueError) as error:
        raise ReceiptError() from error
    digest = (body_sha256 or hashlib.sha256(body).digest()).hex()
    if receipt.device_id != device_id or receipt.batch_digest != digest:
        raise ReceiptError(N_("The server's receipt is for another device or another batch."))
    listed = [
        *receipt.accepted,
        *receipt.duplicates,
        *receipt.conflicts,
        *(item.interview_id for item in receipt.rejected),
    ]
    if len(listed) != len(set(listed)) or set(listed) != set(sent_ids) or len(sent_ids) != len(set(sent_ids)):
        raise ReceiptError(N_("The server's receipt does not list exactly the interviews that were sent."))


def enrollment_message(*, device_id: str, device_public_key: str, token: str, server_time: int) -> bytes:
    """What the server signs when it enrolls a device, so the device knows it reached the right server."""
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    fields = {
        "device_id": device_id,
        "device_public_key": device_public_key,
        "server_time": server_time,
        "token_sha256": token_hash,
    }
    return b"waypoint-enrolled/1\x00" + canonical_json(fields)


def verify_enrollment(
    response: EnrollResponse, *, public_key: bytes, device_public_key: str, token: str
) -> None:
    """Check the server's signature on an enrollment answer with the receipt key from the code.

    Raises:
        ReceiptError: the answer was not signed by the server the code names.
    """
    message = enrollment_message(
        device_id=response.device_id,
        device_public_key=device_public_key,
        token=token,
        server_time=response.server_time,
    )
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(b64u_decode(response.signature), message)
    except (InvalidSignature, ValueError) as error:
        raise ReceiptError(
            N_("The server that answered is not the one named in the enrollment code."),
            N_("Check the server address with your coordinator and ask for a new code."),
        ) from error
