"""The device's signature inside a sealed envelope: who wrote an interview, checked by the case desk.

HPKE base mode (`sync.envelope`) hides an interview from everyone but the organisation, but anyone who
knows the organisation's public key can seal something, so on its own it says nothing about who wrote
it. Before sealing, the device therefore signs the document with its Ed25519 device key (the key it
signs requests with) and seals the signed form:

    b"WPSIG1\\x00" | Ed25519 signature (64 B) | the interview document (`sync.sealed`), as recorded

The signature covers a label, the envelope's binding (`sync.envelope.binding_info`: device id,
interview id, protocol, key id, suite, length-prefixed) and the document, so it cannot be moved to
another interview, device or key. Only the organisation opens the envelope, so the signature is never
visible to the server. The desk checks it against the device key it knows (`verify_signed_document`).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.errors import SyncError
from waypoint.core.i18n import N_

__all__ = [
    "SIGNED_MAGIC",
    "SenderNotVerifiedError",
    "is_signed_document",
    "sign_document",
    "signed_content",
    "verify_signed_document",
]

SIGNED_MAGIC = b"WPSIG1\x00"
SIGNATURE_LENGTH = 64
SIGNED_LABEL = b"waypoint-signed-interview/1\x00"


class SenderNotVerifiedError(SyncError):
    """A sealed interview's device signature is missing or does not verify; `params["reason"]` says which."""

    code = "WP-SYNC-013"
    what = N_("Interview {interview_id} is not signed by the device it claims to come from ({reason}).")
    todo = N_(
        "Do not use it for case work: keep the envelope and tell your security contact; the server may "
        "have been tampered with."
    )


def sign_document(document: bytes, *, signing_key: Ed25519PrivateKey, binding: bytes) -> bytes:
    """The signed form of `document`, to be sealed (see the module docstring)."""
    return SIGNED_MAGIC + signing_key.sign(_message(binding, document)) + document


def is_signed_document(plaintext: bytes) -> bool:
    """True when an opened envelope carries a device signature (envelopes sealed before it do not)."""
    return plaintext.startswith(SIGNED_MAGIC) and len(plaintext) >= len(SIGNED_MAGIC) + SIGNATURE_LENGTH


def signed_content(plaintext: bytes) -> bytes:
    """The document inside an opened envelope, signature NOT checked (the plaintext itself if unsigned)."""
    if not is_signed_document(plaintext):
        return plaintext
    return plaintext[len(SIGNED_MAGIC) + SIGNATURE_LENGTH :]


def verify_signed_document(
    plaintext: bytes, *, device_public_keys: Sequence[bytes], binding: bytes, interview_id: str
) -> bytes:
    """Check the device signature of an opened envelope and return the interview document inside.

    Args:
        plaintext: what `open_submission` returned.
        device_public_keys: the raw Ed25519 keys the device the envelope is bound to has enrolled with
            (a device that enrolled again signed its older envelopes with an earlier key).
        binding: the envelope's `binding_info`, for the device id it was opened with.
        interview_id: named in the error (an id, never content).

    Raises:
        SenderNotVerifiedError: `reason` "unsigned" (no signature) or "bad_signature" (it does not
            verify with any of this device's keys: forged, altered, or another device's).
    """
    if not is_signed_document(plaintext):
        raise SenderNotVerifiedError(interview_id=interview_id, reason="unsigned")
    start = len(SIGNED_MAGIC)
    signature = plaintext[start : start + SIGNATURE_LENGTH]
    document = signed_content(plaintext)
    message = _message(binding, document)
    for public_key in device_public_keys:
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            continue
        return document
    raise SenderNotVerifiedError(interview_id=interview_id, reason="bad_signature")


def _message(binding: bytes, document: bytes) -> bytes:
    return SIGNED_LABEL + struct.pack(">I", len(binding)) + binding + document
