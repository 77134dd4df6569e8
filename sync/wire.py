"""What travels between a device and the referral server: request and response bodies, as pydantic models.

The server declares its OpenAPI document from these models and the device builds and reads its requests
with the same ones, so the two cannot drift. Limits live in the field definitions; patterns are tight
so that a body valid against the schema is one the server can act on.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ENVELOPE_MAX_CHARS",
    "MAX_BATCH_ITEMS",
    "BatchResult",
    "DirectoryUpdate",
    "EnrollRequest",
    "EnrollResponse",
    "Health",
    "InboxItem",
    "InboxResponse",
    "PartnerEnrollRequest",
    "Problem",
    "Receipt",
    "ReferralBatch",
    "ReferralEvent",
    "ReferralEventRequest",
    "ReferralEvents",
    "ReferralItem",
    "RejectedItem",
    "SubmissionBatch",
    "SubmissionItem",
    "UpdatesResponse",
    "b64u_decode",
    "b64u_encode",
    "canonical_json",
]

MAX_BATCH_ITEMS = 100
ENVELOPE_MAX_BYTES = 256 * 1024
ENVELOPE_MAX_CHARS = 4 * ((ENVELOPE_MAX_BYTES + 2) // 3)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ORGANIZATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"  # an HSDS organization id
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,31}$"
SHA256_HEX_PATTERN = r"^[0-9a-f]{64}$"


def _b64u(length: int) -> str:
    """A pattern for unpadded base64url of exactly `length` bytes (32 -> 43 chars, 64 -> 86, 16 -> 22)."""
    full_chars, spare_bits = divmod(length * 8, 6)
    # The last character holds the spare bits followed by zero padding bits.
    last = {0: "", 2: "[AQgw]", 4: "[AEIMQUYcgkosw048]"}[spare_bits]
    return rf"^[A-Za-z0-9_-]{{{full_chars}}}{last}$"


# The patterns fix the lengths; repeating them as min/max lengths only slows request generators down.
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Version = Annotated[str, Field(pattern=VERSION_PATTERN)]
PublicKey32 = Annotated[str, Field(pattern=_b64u(32))]
Signature64 = Annotated[str, Field(pattern=_b64u(64))]
TOKEN_PATTERN = _b64u(16)  # a one-time enrollment token: 16 random bytes
Token16 = Annotated[str, Field(pattern=TOKEN_PATTERN)]
CodeId16 = Annotated[str, Field(pattern=_b64u(16))]  # an authorised enrollment code's id
Mac32 = Annotated[str, Field(pattern=_b64u(32))]
Sha256Hex = Annotated[str, Field(pattern=SHA256_HEX_PATTERN)]
UnixMillis = Annotated[int, Field(ge=0, le=2**53)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Problem(_Strict):
    """Every refusal: a stable machine-readable `code` and a short English `detail` (no content)."""

    code: str = Field(max_length=64, examples=["bad_signature"])
    detail: str = Field(max_length=500)
    server_time: UnixMillis | None = Field(default=None, description="Set when the refusal is about time.")


class Health(_Strict):
    status: Literal["ok"]
    server_time: UnixMillis


class EnrollRequest(_Strict):
    """A device joins with a one-time token and proves it holds the private half of its key."""

    token: Token16
    device_public_key: PublicKey32 = Field(description="Raw Ed25519 public key, base64url without padding.")
    proof: Signature64 = Field(
        description='Ed25519 signature of "waypoint-enroll/1|<token>|<device_public_key>".'
    )
    previous_device_id: Id | None = Field(
        default=None, description="Re-enrolling: keep this device id (its outbox stays valid)."
    )
    previous_proof: Signature64 | None = Field(
        default=None, description="The same proof message, signed with the previous device key."
    )
    code_id: CodeId16 | None = Field(
        default=None, description="The authorised code's id (a code the case desk authorised carries it)."
    )
    key_proof: Mac32 | None = Field(
        default=None,
        description='HMAC-SHA256 with the code\'s secret of "waypoint-device-key/1|" + the raw device key.',
    )


class EnrollResponse(_Strict):
    device_id: Id
    server_time: UnixMillis
    signature: Signature64 = Field(description="The server's receipt key over the enrollment (see docs).")


class SubmissionItem(_Strict):
    interview_id: Id = Field(description="The interview id: the idempotency key.")
    seq: int = Field(ge=0, le=2**62, description="The device's order of sealing.")
    protocol_id: Id
    protocol_version: Version
    envelope: str = Field(
        min_length=1,
        max_length=ENVELOPE_MAX_CHARS,
        json_schema_extra={"format": "byte"},  # base64 (OpenAPI); a bad one is a rejected item
        description="The sealed envelope, standard base64.",
    )


class SubmissionBatch(_Strict):
    items: list[SubmissionItem] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class RejectedItem(_Strict):
    interview_id: Id
    code: str = Field(max_length=64)


class Receipt(_Strict):
    """What the server signs after it committed a batch; every id sent is in exactly one list."""

    v: Literal[1] = 1
    device_id: Id
    batch_digest: Sha256Hex = Field(description="SHA-256 of the request body, hex.")
    server_time: UnixMillis
    accepted: list[Id] = Field(description="Stored now, sorted.")
    duplicates: list[Id] = Field(description="Already stored with the same content, sorted.")
    conflicts: list[Id] = Field(description="Already stored with other content (409), sorted.")
    rejected: list[RejectedItem] = Field(description="Refused for good, sorted by id.")
    signature: Signature64 = Field(description="Ed25519 by the server's receipt key; see docs/sync.md.")

    def signed_message(self) -> bytes:
        """The exact bytes the signature covers."""
        return b"waypoint-receipt/1\x00" + canonical_json(self.model_dump(exclude={"signature"}))


class BatchResult(_Strict):
    receipt: Receipt


class DirectoryUpdate(_Strict):
    """The organisation's signed directory of services, newer than the one the device said it holds.

    Opaque here: the server stores and serves it; the device checks the signature with the
    organisation key from its enrollment and reads it (`referral.directory.signed`).
    """

    version: int = Field(ge=1, le=2**53, description="Grows by one with every import.")
    document: str = Field(
        min_length=1,
        json_schema_extra={"format": "byte"},
        description="The signed document, standard base64.",
    )
    signature: Signature64 = Field(description="XEdDSA by the organisation's X25519 key (docs/referral.md).")


class UpdatesResponse(_Strict):
    """Server to device: the device's status now, a newer directory if there is one; referral status later."""

    device_id: Id
    status: Literal["active"]
    server_time: UnixMillis
    updates: list[dict[str, str]] = Field(default_factory=list, max_length=0)
    directory: DirectoryUpdate | None = Field(
        default=None, description="Only when the device's `directory_version` is older than the newest."
    )


Envelope = Annotated[
    str,
    Field(
        min_length=1,
        max_length=ENVELOPE_MAX_CHARS,
        json_schema_extra={"format": "byte"},
        description="A sealed envelope, standard base64.",
    ),
]
ReferralStatus = Literal["sent", "accepted", "declined", "completed", "revoked"]


class PartnerEnrollRequest(_Strict):
    """A partner organisation joins with a one-time partner token and proves it holds both keys."""

    token: Token16
    signing_public_key: PublicKey32 = Field(description="Raw Ed25519 public key, base64url.")
    sealing_public_key: PublicKey32 = Field(description="Raw X25519 public key referrals are sealed to.")
    proof: Signature64 = Field(
        description='Ed25519 signature of "waypoint-partner-enroll/1|<token>|<signing>|<sealing>".'
    )
    code_id: CodeId16 | None = None
    key_proof: Mac32 | None = Field(
        default=None, description="HMAC with the code's secret over the partner's organization id and keys."
    )


class ReferralItem(_Strict):
    """One referral a device sends: sealed once to the partner and once to the organisation."""

    referral_id: Id = Field(description="The referral id: the idempotency key.")
    partner_id: Id
    for_partner: Envelope
    for_organisation: Envelope


class ReferralBatch(_Strict):
    items: list[ReferralItem] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class InboxItem(_Strict):
    """A referral as its receiving partner fetches it: the partner's sealed copy and the sender's keys."""

    referral_id: Id
    device_id: Id
    received_at: UnixMillis
    status: ReferralStatus
    envelope: Envelope
    device_keys: list[PublicKey32] = Field(max_length=32)


class InboxResponse(_Strict):
    items: list[InboxItem] = Field(max_length=10_000)


class ReferralEventRequest(_Strict):
    """A status change, signed by whoever makes it (the partner, or the sending device to revoke)."""

    status: ReferralStatus
    at: UnixMillis
    detail: Envelope | None = Field(
        default=None, description="The reason or note, sealed to the organisation."
    )
    signature: Signature64


class ReferralEvent(_Strict):
    event_id: int = Field(ge=0)
    referral_id: Id
    status: ReferralStatus
    at: UnixMillis
    actor_id: Id
    actor_role: Literal["device", "partner", "coordinator"]
    detail_sha256: Sha256Hex | None = None
    signature: Signature64


class ReferralEvents(_Strict):
    events: list[ReferralEvent] = Field(max_length=100_000)


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys and no spaces: the form every signature in the protocol covers."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def b64u_encode(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    """Decode unpadded base64url; raises ValueError when it is not."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError("not base64url") from error
