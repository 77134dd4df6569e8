"""Sealed submissions: HPKE (RFC 9180) envelopes that only the organisation's private key opens.

Base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM. The HPKE `info` binds the device id,
interview id, protocol id and version, the key id and the suite, so an envelope moved to another
interview, device or protocol fails to open. A small versioned wrapper carries the key id in clear,
so the organisation can rotate keys and the desk can say which key an envelope needs:

    b"WPS1" | kem u16 | kdf u16 | aead u16 | key id length u8 | key id (ASCII) | enc (32 B) | ciphertext

Sealing uses pyhpke (it runs where `cryptography` has no HPKE module, such as the phone builds);
opening uses `cryptography`'s OpenSSL-backed HPKE, so every envelope the desk opens is also an
interoperability check between two independent implementations.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKeyInterface, PyHPKEError

from sync.errors import EnvelopeError
from sync.sender_signature import sign_document
from sync.stores import Enrollment
from waypoint.core.i18n import N_

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

__all__ = [
    "ENVELOPE_MAGIC",
    "HPKE_SUITE",
    "EnvelopeHeader",
    "binding_info",
    "key_id_for",
    "open_submission",
    "open_with",
    "read_header",
    "recipient_key",
    "seal_submission",
    "seal_to",
]

ENVELOPE_MAGIC = b"WPS1"
SUITE_IDS = (KEMId.DHKEM_X25519_HKDF_SHA256.value, KDFId.HKDF_SHA256.value, AEADId.AES256_GCM.value)
HPKE_SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)
ENC_LENGTH = 32
TAG_LENGTH = 16
INFO_LABEL = b"waypoint-submission/1\x00"
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
_FIXED = struct.Struct(">4sHHHB")


@dataclass(frozen=True)
class EnvelopeHeader:
    """The clear part of an envelope: which suite and which organisation key it is sealed to."""

    kem_id: int
    kdf_id: int
    aead_id: int
    key_id: str
    enc: bytes
    ciphertext: bytes


def key_id_for(public_key: bytes) -> str:
    """Name an organisation public key: the first 16 hex digits of its SHA-256.

    Args:
        public_key: the raw 32-byte X25519 public key.

    Returns:
        A stable, short id; the same key always gets the same id.
    """
    return hashlib.sha256(public_key).hexdigest()[:16]


def binding_info(
    *, device_id: str, interview_id: str, protocol_id: str, protocol_version: str, key_id: str
) -> bytes:
    """The HPKE `info` that binds an envelope to its device, interview, protocol and key.

    Canonical JSON (sorted keys, no spaces) after a fixed label, so no two bindings share an encoding.
    """
    binding = {
        "device_id": device_id,
        "interview_id": interview_id,
        "key_id": key_id,
        "protocol_id": protocol_id,
        "protocol_version": protocol_version,
        "suite": list(SUITE_IDS),
    }
    return INFO_LABEL + json.dumps(binding, sort_keys=True, separators=(",", ":")).encode()


def seal_submission(
    plaintext: bytes,
    *,
    enrollment: Enrollment,
    interview_id: str,
    protocol_id: str,
    protocol_version: str,
    signing_key: bytes | None = None,
) -> bytes:
    """Seal a completed interview to the organisation's public key, signed by this device.

    Args:
        plaintext: the sealed-plaintext JSON object, encoded (see docs/architecture.md).
        enrollment: this device's enrollment: the organisation key, its id and the device id.
        interview_id: the interview's id, also the outbox idempotency key.
        protocol_id: the screening protocol's id.
        protocol_version: the screening protocol's version.
        signing_key: the device's raw Ed25519 private key; the plaintext is signed with it before
            sealing (`sync.sender_signature`). None seals it unsigned, which the case desk refuses.

    Returns:
        The envelope bytes; only the organisation's private key opens them.

    Raises:
        EnvelopeError: the enrollment's key or the ids cannot be used.
    """
    key_id = enrollment.organisation_key_id
    _check_ids(enrollment.device_id, interview_id, protocol_id, protocol_version, key_id)
    try:
        recipient = recipient_key(enrollment.organisation_public_key)
    except ValueError as error:
        raise EnvelopeError(
            N_("The organisation key in this device's enrollment is not usable."),
            N_("Enroll the device again with a new code."),
        ) from error
    info = binding_info(
        device_id=enrollment.device_id,
        interview_id=interview_id,
        protocol_id=protocol_id,
        protocol_version=protocol_version,
        key_id=key_id,
    )
    if signing_key is not None:
        try:
            device_key = Ed25519PrivateKey.from_private_bytes(signing_key)
        except ValueError as error:
            raise EnvelopeError(
                N_("This device's signing key is not usable."), N_("Enroll the device again with a new code.")
            ) from error
        plaintext = sign_document(plaintext, signing_key=device_key, binding=info)
    return seal_to(recipient, key_id, info, plaintext)


def seal_to(recipient: KEMKeyInterface, key_id: str, info: bytes, plaintext: bytes) -> bytes:
    """HPKE-seal `plaintext` to `recipient` under `info`, in the versioned wrapper naming `key_id`.

    The one sealing path: interviews (`seal_submission`) and referral packages (`sync.referral_seal`)
    differ only in their `info` and recipient.
    """
    enc, sender = HPKE_SUITE.create_sender_context(recipient, info=info)
    ciphertext = sender.seal(plaintext)
    kid = key_id.encode("ascii")
    return _FIXED.pack(ENVELOPE_MAGIC, *SUITE_IDS, len(kid)) + kid + enc + ciphertext


def recipient_key(public_key: bytes) -> KEMKeyInterface:
    """A raw X25519 public key as pyhpke's recipient (ValueError when it is not one)."""
    try:
        return HPKE_SUITE.kem.deserialize_public_key(public_key)
    except PyHPKEError as error:
        raise ValueError("not an X25519 public key") from error


def open_with(envelope: bytes, private_key: X25519PrivateKey, info: bytes) -> bytes:
    """Open an envelope made by `seal_to` with the recipient's private key and the same `info`.

    Raises:
        EnvelopeError: malformed, sealed to another key, altered, or bound to another `info`.
    """
    # Imported here: phone builds ship a `cryptography` without HPKE.
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hpke

    header = read_header(envelope)
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    try:
        return suite.decrypt(header.enc + header.ciphertext, private_key, info=info)
    except (InvalidTag, ValueError) as error:
        raise EnvelopeError(
            N_("A sealed record does not open: it was altered or belongs to another record."),
            N_("Keep the envelope and tell the person who runs the server."),
        ) from error


def read_header(envelope: bytes) -> EnvelopeHeader:
    """Parse an envelope's clear wrapper without opening it (the server and the desk use this).

    Raises:
        EnvelopeError: the bytes are not a version-1 Waypoint envelope of the supported suite.
    """
    if len(envelope) < _FIXED.size:
        raise _malformed()
    magic, kem_id, kdf_id, aead_id, kid_length = _FIXED.unpack_from(envelope)
    if magic != ENVELOPE_MAGIC or (kem_id, kdf_id, aead_id) != SUITE_IDS:
        raise _malformed()
    kid_end = _FIXED.size + kid_length
    enc_end = kid_end + ENC_LENGTH
    if len(envelope) < enc_end + TAG_LENGTH:
        raise _malformed()
    key_id = envelope[_FIXED.size : kid_end].decode("ascii", errors="replace")
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise _malformed()
    return EnvelopeHeader(kem_id, kdf_id, aead_id, key_id, envelope[kid_end:enc_end], envelope[enc_end:])


def open_submission(
    envelope: bytes,
    *,
    private_key: X25519PrivateKey,
    device_id: str,
    interview_id: str,
    protocol_id: str,
    protocol_version: str,
) -> bytes:
    """Open an envelope with the organisation's private key, checking everything it is bound to.

    Args:
        envelope: bytes made by `seal_submission`.
        private_key: the organisation's X25519 private key (from the desk's key file).
        device_id: the device the server received it from.
        interview_id: the interview id it was submitted under.
        protocol_id: the protocol id it was submitted under.
        protocol_version: the protocol version it was submitted under.

    Returns:
        The plaintext exactly as sealed.

    Raises:
        EnvelopeError: malformed, sealed to another key, tampered with, or bound to other ids.
    """
    # Imported here: phone builds ship a `cryptography` without HPKE, and they never open envelopes.
    from cryptography.hazmat.primitives import serialization

    header = read_header(envelope)
    public_raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    if header.key_id != key_id_for(public_raw):
        raise EnvelopeError(
            N_("Interview {interview_id} is sealed to organisation key {key_id}, not to this key."),
            N_("Open it with the private key whose id is {key_id}."),
            interview_id=interview_id,
            key_id=header.key_id,
        )
    info = binding_info(
        device_id=device_id,
        interview_id=interview_id,
        protocol_id=protocol_id,
        protocol_version=protocol_version,
        key_id=header.key_id,
    )
    try:
        return open_with(envelope, private_key, info)
    except EnvelopeError as error:
        raise EnvelopeError(
            N_("Interview {interview_id} does not open: it was altered or belongs to another record."),
            N_("Keep the envelope and tell the person who runs the server."),
            interview_id=interview_id,
        ) from error


def _check_ids(*values: str) -> None:
    key_id = values[-1]
    if not all(isinstance(value, str) and value for value in values) or not KEY_ID_PATTERN.fullmatch(key_id):
        raise EnvelopeError(
            N_("An interview could not be sealed: an id or the organisation key id is missing."),
            N_("Enroll the device again with a new code."),
        )


def _malformed() -> EnvelopeError:
    return EnvelopeError(
        N_("This is not a sealed Waypoint interview, or its format is not supported."),
        N_("Update Waypoint, or check that the file is a sealed interview."),
    )
