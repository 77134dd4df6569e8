"""What the coordinator's desk and the referral server say to each other (`/v1/coordinators/enroll`,
`/v1/desk/...`): pydantic models, strict like `sync.wire`. Envelopes travel as standard base64, keys
and signatures as unpadded base64url. Nothing here is plaintext: the desk opens what it fetches.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sync.wire import (
    ID_PATTERN,
    ORGANIZATION_ID_PATTERN,
    Envelope,
    Id,
    PublicKey32,
    Signature64,
    UnixMillis,
)

__all__ = [
    "AuditPage",
    "AuditRow",
    "CodeRequest",
    "CodeResponse",
    "CoordinatorEnrollRequest",
    "CoordinatorEnrolled",
    "DeskDevice",
    "DeskDevices",
    "DeskPartner",
    "DeskPartners",
    "DeskReferral",
    "DeskReferralEvent",
    "DeskReferrals",
    "DeskSubmission",
    "DirectoryPublish",
    "DirectoryVersionView",
    "RevokeResponse",
    "SubmissionPage",
    "VouchedKeyView",
]

MAX_PAGE = 1000  # submissions (or audit rows) per page
_B64_ANY = r"^[A-Za-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CoordinatorEnrollRequest(_Strict):
    """The desk enrolls its coordinator key, signed by the organisation key (XEdDSA) and by itself."""

    signing_public_key: PublicKey32 = Field(description="Raw Ed25519 coordinator key, base64url.")
    key_id: str = Field(max_length=64, pattern=ID_PATTERN, description="The organisation key that signs.")
    at: UnixMillis = Field(description="The desk's time; must be within the signature window.")
    organisation_signature: Signature64 = Field(
        description="XEdDSA signature by the organisation key of the enrollment message (docs/sync.md)."
    )
    proof: Signature64 = Field(description="The same message signed with the coordinator key itself.")


class CoordinatorEnrolled(_Strict):
    coordinator_id: Id
    server_time: UnixMillis


class DeskSubmission(_Strict):
    row_id: int = Field(ge=0)
    interview_id: str = Field(max_length=64)
    device_id: str = Field(max_length=64)
    protocol_id: str = Field(max_length=64)
    protocol_version: str = Field(max_length=32)
    received_at: UnixMillis
    envelope: Envelope


class SubmissionPage(_Strict):
    """Stored envelopes after a cursor, oldest first; `remaining` counts those after the cursor."""

    items: list[DeskSubmission] = Field(max_length=MAX_PAGE)
    next_after: int | None = Field(default=None, description="Pass as ?after= for the next page.")
    remaining: int = Field(ge=0)


class VouchedKeyView(_Strict):
    public_key: PublicKey32
    code_id: str | None = Field(default=None, max_length=64)
    key_proof: str | None = Field(default=None, max_length=128, pattern=_B64_ANY)


class DeskDevice(_Strict):
    device_id: Id
    status: str = Field(max_length=16)
    enrolled_at: UnixMillis
    revoked_at: UnixMillis | None = None
    predecessor_id: str | None = Field(default=None, max_length=64)
    last_seen: UnixMillis | None = None
    keys: list[VouchedKeyView] = Field(max_length=64)


class DeskDevices(_Strict):
    devices: list[DeskDevice]


class DeskPartner(_Strict):
    partner_id: Id
    organization_id: str = Field(max_length=128, pattern=ORGANIZATION_ID_PATTERN)
    status: str = Field(max_length=16)
    signing_public_key: PublicKey32
    sealing_public_key: PublicKey32
    enrolled_at: UnixMillis
    code_id: str | None = Field(default=None, max_length=64)
    key_proof: str | None = Field(default=None, max_length=128, pattern=_B64_ANY)


class DeskPartners(_Strict):
    partners: list[DeskPartner]


class DeskReferralEvent(_Strict):
    event_id: int = Field(ge=0)
    status: str = Field(max_length=16)
    at: UnixMillis
    actor_id: str = Field(max_length=64)
    actor_role: str = Field(max_length=16)
    detail: str | None = Field(default=None, description="The sealed detail, standard base64.")
    detail_sha256: str | None = Field(default=None, max_length=64)
    signature: Signature64


class DeskReferral(_Strict):
    referral_id: str = Field(max_length=64)
    device_id: str = Field(max_length=64)
    partner_id: str = Field(max_length=64)
    status: str = Field(max_length=16)
    received_at: UnixMillis
    for_organisation: Envelope
    events: list[DeskReferralEvent]


class DeskReferrals(_Strict):
    referrals: list[DeskReferral]


class CodeRequest(_Strict):
    server_url: str = Field(max_length=2000, description="The address devices reach the server at.")
    ttl_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    organization_id: str | None = Field(default=None, max_length=128, pattern=ORGANIZATION_ID_PATTERN)
    insecure_http: bool = False


class CodeResponse(_Strict):
    code: str = Field(max_length=4000)
    expires_at: UnixMillis


class RevokeResponse(_Strict):
    principal_id: Id
    status: str = Field(max_length=16)


class DirectoryPublish(_Strict):
    version: int = Field(ge=1, le=2**53)
    document: str = Field(min_length=1, max_length=40_000_000, description="Standard base64.")
    signature: Signature64


class DirectoryVersionView(_Strict):
    version: int = Field(ge=0)
    document: str | None = None
    signature: str | None = None
    published_at: UnixMillis | None = None


class AuditRow(_Strict):
    event_id: int = Field(ge=0)
    at: UnixMillis
    kind: str = Field(max_length=32)
    device_id: str | None = None
    interview_id: str | None = None
    code: str | None = None


class AuditPage(_Strict):
    events: list[AuditRow] = Field(max_length=MAX_PAGE)
    next_before: int | None = None
