"""The coordinator's signing key, derived from the organisation key: nothing to store, same on every launch.

    Ed25519 seed = HKDF-SHA256(raw X25519 private key, salt none, info b"waypoint coordinator signing v1")

The derivation is one-way: the coordinator key (which signs HTTP requests and referrals the desk
sends) reveals nothing of the organisation key. The enrollment request is signed by both keys
(`sync.server.coordinators`).
"""

from __future__ import annotations

import os
import time
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sync import organisation_signature
from sync.envelope import key_id_for
from sync.identity import ed25519_public_bytes
from sync.server.coordinators import coordinator_id_for, enroll_message
from sync.server.desk_wire import CoordinatorEnrollRequest
from sync.wire import b64u_decode, b64u_encode

__all__ = [
    "COORDINATOR_INFO",
    "LINK_INFO",
    "coordinator_id",
    "coordinator_signing_key",
    "enroll_request",
    "linked_interview",
    "new_referral_id",
]

COORDINATOR_INFO = b"waypoint coordinator signing v1"
LINK_INFO = b"waypoint coordinator referral link v1"
LINK_PREFIX = "r"  # an id must start with a letter or digit; base64url may start with - or _


def coordinator_signing_key(organisation_key: X25519PrivateKey) -> Ed25519PrivateKey:
    """The coordinator's Ed25519 key for this organisation key (deterministic)."""
    return Ed25519PrivateKey.from_private_bytes(_derived(organisation_key, COORDINATOR_INFO))


def _derived(organisation_key: X25519PrivateKey, info: bytes) -> bytes:
    raw = organisation_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)


def new_referral_id(organisation_key: X25519PrivateKey, interview_id: str) -> str:
    """A referral id that only this organisation's desk can link back to `interview_id`.

    The interview id (a UUID) is encrypted with AES-256-GCM under a key derived from the organisation
    key (random nonce; `LINK_INFO`): the partner and the server see an opaque id, the desk reads the
    case it belongs to on every launch. Any other interview id gets a random, unlinked id.
    """
    try:
        plain = uuid.UUID(interview_id).bytes
    except ValueError:
        return str(uuid.uuid4())
    nonce = os.urandom(12)
    sealed = AESGCM(_derived(organisation_key, LINK_INFO)).encrypt(nonce, plain, LINK_INFO)
    return LINK_PREFIX + b64u_encode(nonce + sealed)


def linked_interview(organisation_key: X25519PrivateKey, referral_id: str) -> str | None:
    """The interview a referral id from `new_referral_id` names; None for any other id."""
    if not referral_id.startswith(LINK_PREFIX) or len(referral_id) != 60:
        return None
    try:
        data = b64u_decode(referral_id[len(LINK_PREFIX) :])
        plain = AESGCM(_derived(organisation_key, LINK_INFO)).decrypt(data[:12], data[12:], LINK_INFO)
    except (ValueError, InvalidTag):
        return None
    return str(uuid.UUID(bytes=plain))


def coordinator_id(organisation_key: X25519PrivateKey) -> str:
    """The id the server gives this organisation key's coordinator."""
    return coordinator_id_for(ed25519_public_bytes(coordinator_signing_key(organisation_key)))


def enroll_request(organisation_key: X25519PrivateKey, *, at: int | None = None) -> CoordinatorEnrollRequest:
    """The signed enrollment body for this organisation key's coordinator, at `at` (Unix ms, now)."""
    signing = coordinator_signing_key(organisation_key)
    public = b64u_encode(ed25519_public_bytes(signing))
    key_id = key_id_for(
        organisation_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    when = int(time.time() * 1000) if at is None else at
    message = enroll_message(signing_public_key=public, key_id=key_id, at=when)
    return CoordinatorEnrollRequest(
        signing_public_key=public,
        key_id=key_id,
        at=when,
        organisation_signature=b64u_encode(organisation_signature.sign(organisation_key, message)),
        proof=b64u_encode(signing.sign(message)),
    )
