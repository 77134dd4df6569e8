"""The coordinator principal: the organisation's case desk, enrolled by the organisation key itself.

The desk derives an Ed25519 key from the organisation's X25519 private key (`sync.desk.coordinator_key`)
and enrolls it with `POST /v1/coordinators/enroll`. The body carries the key, the desk's time and two
signatures over

    b"waypoint-coordinator-enroll/1\\x00" + canonical JSON {at, key_id, signing_public_key}

one by the organisation key (XEdDSA, `sync.organisation_signature`), checked against the organisation
keys this server has registered, and one by the coordinator key (proof of possession). Only the holder
of the organisation's private key can make the first: the server cannot sign in as a coordinator of
another organisation key, nor turn a device or partner into one. The coordinator id is derived from
the key, so enrolling again (every launch of the desk) is the same principal; a revoked coordinator
stays revoked.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session

from sync.organisation_signature import verify
from sync.server import crud
from sync.server.models import Coordinator, Device, DeviceKeyHistory, OrganisationKey
from sync.server.refusals import Refusal
from sync.wire import canonical_json

__all__ = ["ENROLL_LABEL", "coordinator_id_for", "enroll_message", "register_coordinator"]

ENROLL_LABEL = b"waypoint-coordinator-enroll/1\x00"


def enroll_message(*, signing_public_key: str, key_id: str, at: int) -> bytes:
    """The bytes both enrollment signatures cover (`signing_public_key` as sent: base64url)."""
    return ENROLL_LABEL + canonical_json(
        {"at": at, "key_id": key_id, "signing_public_key": signing_public_key}
    )


def coordinator_id_for(signing_public_key: bytes) -> str:
    """The coordinator's id: fixed by its key, so the same key is the same principal."""
    return (
        "coordinator-" + hashlib.sha256(b"waypoint coordinator id\x00" + signing_public_key).hexdigest()[:40]
    )


def register_coordinator(
    *,
    session: Session,
    signing_key: bytes,
    key_id: str,
    message: bytes,
    organisation_signature: bytes,
    proof: bytes,
    now: int,
) -> str:
    """Check both signatures and add the coordinator (idempotent: an enrolled key keeps its id).

    Raises:
        Refusal: 403 `bad_proof` (the coordinator key's proof), 403 `unknown_key` (no such
            organisation key registered), 403 `bad_organisation_signature`.
    """
    try:
        Ed25519PublicKey.from_public_bytes(signing_key).verify(proof, message)
    except (InvalidSignature, ValueError):
        raise Refusal(403, "bad_proof", "The proof of possession is wrong.") from None
    organisation = session.get(OrganisationKey, key_id)
    if organisation is None:
        raise Refusal(403, "unknown_key", "This server has no such organisation key.")
    if not verify(bytes(organisation.public_key), message, organisation_signature):
        raise Refusal(403, "bad_organisation_signature", "The organisation's signature does not verify.")
    coordinator_id = coordinator_id_for(signing_key)
    if session.get(Coordinator, coordinator_id) is not None:
        return coordinator_id
    session.add(Device(device_id=coordinator_id, public_key=signing_key, enrolled_at=now))
    session.add(DeviceKeyHistory(device_id=coordinator_id, public_key=signing_key, enrolled_at=now))
    session.add(
        Coordinator(
            coordinator_id=coordinator_id,
            key_id=key_id,
            signing_public_key=signing_key,
            enrollment_signature=organisation_signature,
            enrolled_at=now,
        )
    )
    crud.record_event(session=session, at=now, kind="coordinator_enrolled", device_id=coordinator_id)
    return coordinator_id
