"""Referral packages sealed end to end, and the signed status changes that follow them.

A device seals one referral package twice with HPKE (`sync.envelope.seal_to`): once to the receiving
partner's X25519 key, once to the organisation's. Both copies carry the same device signature over the
plaintext (`sync.sender_signature`), so the partner and the case desk can each check that the device
wrote it, and the server's operator, who sees only ciphertext, cannot forge one. The HPKE `info` and
the signature both bind the referral id, the sending device and the receiving partner:

    info = b"waypoint-referral/1\\x00" + canonical JSON {device_id, key_id, partner_id, recipient,
                                                        referral_id, suite}

A status change (`accepted`, `declined`, `completed` by the partner; `revoked` by the device) is a
statement signed by its actor's Ed25519 key over

    b"waypoint-referral-status/1\\x00" + canonical JSON {actor_id, at, detail_sha256, referral_id, status}

where `detail` (a decline reason, a completion note) is sealed to the organisation only and the
statement covers its SHA-256. Whoever receives a status checks it with the actor's key it trusts:
the device with the partner's signing key from the organisation-signed directory, the desk with the
partner keys the organisation vouched for.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.envelope import SUITE_IDS, key_id_for, open_with, read_header, recipient_key, seal_to
from sync.errors import EnvelopeError, SyncError
from sync.sender_signature import sign_document, verify_signed_document
from sync.wire import canonical_json
from waypoint.core.i18n import N_

__all__ = [
    "REFERRAL_FORMAT",
    "TRANSITIONS",
    "ReferralCopies",
    "ReferralNotVerifiedError",
    "StatusStatement",
    "detail_digest",
    "open_detail",
    "open_referral",
    "seal_detail",
    "seal_referral",
    "sign_status",
    "verify_status",
]

REFERRAL_FORMAT = "waypoint-referral/1"
INFO_LABEL = b"waypoint-referral/1\x00"
STATUS_LABEL = b"waypoint-referral-status/1\x00"
# Which status may follow which, and who may set it (Primero's referral states, plus revocation).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accepted": (frozenset({"sent"}), "partner"),
    "declined": (frozenset({"sent"}), "partner"),
    "completed": (frozenset({"accepted"}), "partner"),
    "revoked": (frozenset({"sent", "accepted"}), "device"),
}


class ReferralNotVerifiedError(SyncError):
    """A referral or a status change does not verify; `params["reason"]` says why (never content)."""

    code = "WP-SYNC-030"
    what = N_("Referral {referral_id} could not be verified ({reason}).")
    todo = N_("Do not act on it: keep it and tell your coordinator; the server may have been tampered with.")


@dataclass(frozen=True)
class ReferralCopies:
    """The two sealed copies of one referral package."""

    for_partner: bytes
    for_organisation: bytes


def _binding(referral_id: str, device_id: str, partner_id: str) -> dict[str, object]:
    return {"device_id": device_id, "partner_id": partner_id, "referral_id": referral_id}


def _info(binding: dict[str, object], recipient: str, key_id: str) -> bytes:
    fields = {**binding, "key_id": key_id, "recipient": recipient, "suite": list(SUITE_IDS)}
    return INFO_LABEL + canonical_json(fields)


def seal_referral(
    package: bytes,
    *,
    referral_id: str,
    device_id: str,
    partner_id: str,
    partner_sealing_key: bytes,
    organisation_public_key: bytes,
    device_signing_key: bytes,
) -> ReferralCopies:
    """Sign `package` with the device key and seal it to the partner and to the organisation.

    Raises:
        EnvelopeError: a key is not usable.
    """
    binding = _binding(referral_id, device_id, partner_id)
    try:
        signed = sign_document(
            package,
            signing_key=Ed25519PrivateKey.from_private_bytes(device_signing_key),
            binding=canonical_json(binding),
        )
        copies = []
        for recipient, public_key in (
            ("partner", partner_sealing_key),
            ("organisation", organisation_public_key),
        ):
            key_id = key_id_for(public_key)
            copies.append(
                seal_to(recipient_key(public_key), key_id, _info(binding, recipient, key_id), signed)
            )
    except ValueError as error:
        raise EnvelopeError(
            N_("A referral could not be sealed: a key is not usable."),
            N_("Sync again to refresh the directory, or ask your coordinator."),
        ) from error
    return ReferralCopies(*copies)


def open_referral(
    envelope: bytes,
    *,
    private_key: X25519PrivateKey,
    recipient: str,
    referral_id: str,
    device_id: str,
    partner_id: str,
    device_public_keys: list[bytes],
) -> dict[str, object]:
    """Open one copy and check the device signature; the package as a JSON object.

    Args:
        recipient: "partner" or "organisation", whose copy this is.
        device_public_keys: the sending device's Ed25519 keys the opener trusts.

    Raises:
        ReferralNotVerifiedError: `does_not_open`, `unsigned`, `bad_signature`, `not_a_referral` or
            `binding_mismatch`.
    """
    binding = _binding(referral_id, device_id, partner_id)
    try:
        key_id = read_header(envelope).key_id
        plaintext = open_with(envelope, private_key, _info(binding, recipient, key_id))
    except EnvelopeError:
        raise ReferralNotVerifiedError(referral_id=referral_id, reason="does_not_open") from None
    try:
        document = verify_signed_document(
            plaintext,
            device_public_keys=device_public_keys,
            binding=canonical_json(binding),
            interview_id=referral_id,
        )
    except SyncError as error:
        reason = str(error.params.get("reason", "bad_signature"))
        raise ReferralNotVerifiedError(referral_id=referral_id, reason=reason) from None
    try:
        package = json.loads(document)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ReferralNotVerifiedError(referral_id=referral_id, reason="not_a_referral") from None
    if not isinstance(package, dict) or package.get("format") != REFERRAL_FORMAT:
        raise ReferralNotVerifiedError(referral_id=referral_id, reason="not_a_referral")
    if any(package.get(name) != value for name, value in binding.items()):
        raise ReferralNotVerifiedError(referral_id=referral_id, reason="binding_mismatch")
    return package


@dataclass(frozen=True)
class StatusStatement:
    """One status change as its actor signed it."""

    referral_id: str
    status: str
    at: int  # Unix milliseconds, UTC
    actor_id: str
    detail_sha256: str | None = None

    def message(self) -> bytes:
        """The exact bytes the actor signs."""
        return STATUS_LABEL + canonical_json(
            {
                "actor_id": self.actor_id,
                "at": self.at,
                "detail_sha256": self.detail_sha256,
                "referral_id": self.referral_id,
                "status": self.status,
            }
        )


DETAIL_LABEL = b"waypoint-referral-detail/1\x00"


def _detail_info(referral_id: str, status: str, key_id: str) -> bytes:
    return DETAIL_LABEL + canonical_json({"key_id": key_id, "referral_id": referral_id, "status": status})


def seal_detail(text: str, *, referral_id: str, status: str, organisation_public_key: bytes) -> bytes:
    """A decline reason or completion note, sealed to the organisation only (the server cannot read it)."""
    key_id = key_id_for(organisation_public_key)
    info = _detail_info(referral_id, status, key_id)
    return seal_to(recipient_key(organisation_public_key), key_id, info, text.encode())


def open_detail(envelope: bytes, *, private_key: X25519PrivateKey, referral_id: str, status: str) -> str:
    """The text of a sealed detail (the case desk).

    Raises:
        ReferralNotVerifiedError: reason `does_not_open`.
    """
    try:
        info = _detail_info(referral_id, status, read_header(envelope).key_id)
        return open_with(envelope, private_key, info).decode()
    except (EnvelopeError, UnicodeDecodeError):
        raise ReferralNotVerifiedError(referral_id=referral_id, reason="does_not_open") from None


def detail_digest(detail: bytes | None) -> str | None:
    """What a statement records of its sealed detail: the SHA-256 of the envelope, hex."""
    return None if detail is None else hashlib.sha256(detail).hexdigest()


def sign_status(statement: StatusStatement, signing_key: Ed25519PrivateKey) -> bytes:
    """The actor's Ed25519 signature of `statement`."""
    return signing_key.sign(statement.message())


def verify_status(statement: StatusStatement, signature: bytes, actor_public_key: bytes) -> None:
    """Check a status change with the key of the actor the checker trusts for it.

    Raises:
        ReferralNotVerifiedError: reason `bad_status_signature`.
    """
    try:
        Ed25519PublicKey.from_public_bytes(actor_public_key).verify(signature, statement.message())
    except (InvalidSignature, ValueError):
        raise ReferralNotVerifiedError(
            referral_id=statement.referral_id, reason="bad_status_signature"
        ) from None
