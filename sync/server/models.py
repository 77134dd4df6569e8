"""What the referral server stores: ciphertext plus the minimum routing metadata, and an audit log.

Nothing here holds interview content in a readable form: submissions keep the sealed envelope, its
SHA-256 and size, who sent it, under which protocol and key, and when. Times are Unix milliseconds.
The tables live in their own SQLAlchemy registry, so they never mix with the device vault's tables.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, LargeBinary
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

__all__ = [
    "UNIQUE_INTERVIEW_INDEX",
    "AuditEvent",
    "Coordinator",
    "Device",
    "DeviceKeyHistory",
    "DeviceSuccession",
    "DirectoryVersion",
    "EnrollmentToken",
    "OrganisationKey",
    "Partner",
    "PartnerToken",
    "RateLimitState",
    "Referral",
    "ReferralEventRow",
    "RefusalTally",
    "RequestNonce",
    "ServerKey",
    "Submission",
    "metadata",
]

server_registry = registry()
metadata = server_registry.metadata
UNIQUE_INTERVIEW_INDEX = "uq_submissions_interview_id"


class _ServerTable(SQLModel, registry=server_registry):
    pass


class Device(_ServerTable, table=True):
    __tablename__ = "devices"

    device_id: str = Field(primary_key=True, max_length=64)
    public_key: bytes = Field(sa_type=LargeBinary)
    status: str = Field(default="active", max_length=16)  # active | revoked
    enrolled_at: int = Field(sa_type=BigInteger)
    revoked_at: int | None = Field(default=None, sa_type=BigInteger)


class DeviceSuccession(_ServerTable, table=True):
    """A revoked device enrolled again: the new device id continues the old one.

    Written only when the device proved, at enrollment, that it still holds the revoked device's key
    (and the administrator gave it a fresh code). Envelopes sealed under the old id before the
    revocation may then arrive from the new one; the case desk opens them with the old id, which the
    envelope is bound to. A table of its own, so databases made by earlier versions gain it on start.
    """

    __tablename__ = "device_successions"

    device_id: str = Field(primary_key=True, max_length=64)  # the new device
    predecessor_id: str = Field(max_length=64, index=True)  # the revoked one it continues
    linked_at: int = Field(sa_type=BigInteger)


class DeviceKeyHistory(_ServerTable, table=True):
    """Every Ed25519 key a device id has enrolled with, so the desk can check signatures made before a
    re-enrollment replaced `Device.public_key`. A table of its own, so earlier databases gain it on start.
    """

    __tablename__ = "device_key_history"

    row_id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(max_length=64, index=True)
    public_key: bytes = Field(sa_type=LargeBinary)
    enrolled_at: int = Field(sa_type=BigInteger)
    code_id: str | None = Field(default=None, max_length=64)  # with `key_proof`: the organisation
    key_proof: bytes | None = Field(default=None, sa_type=LargeBinary)  # vouches (`sync.code_authority`)


class EnrollmentToken(_ServerTable, table=True):
    __tablename__ = "enrollment_tokens"

    token_sha256: str = Field(primary_key=True, max_length=64)  # the token itself is never stored
    created_at: int = Field(sa_type=BigInteger)
    expires_at: int = Field(sa_type=BigInteger)
    used_at: int | None = Field(default=None, sa_type=BigInteger)
    used_by: str | None = Field(default=None, max_length=64)


class Submission(_ServerTable, table=True):
    __tablename__ = "submissions"
    __table_args__ = (Index(UNIQUE_INTERVIEW_INDEX, "interview_id", unique=True),)

    row_id: int | None = Field(default=None, primary_key=True)
    interview_id: str = Field(max_length=64)
    device_id: str = Field(max_length=64, index=True)
    seq: int = Field(sa_type=BigInteger)
    protocol_id: str = Field(max_length=64)
    protocol_version: str = Field(max_length=32)
    key_id: str = Field(max_length=64)
    envelope: bytes = Field(sa_type=LargeBinary)
    envelope_sha256: str = Field(max_length=64)
    size: int
    received_at: int = Field(sa_type=BigInteger, index=True)


class AuditEvent(_ServerTable, table=True):
    """Who did what when: enrollments, submissions, duplicates, conflicts, revocations, refusals."""

    __tablename__ = "audit_events"

    event_id: int | None = Field(default=None, primary_key=True)
    at: int = Field(sa_type=BigInteger, index=True)
    kind: str = Field(max_length=32, index=True)
    device_id: str | None = Field(default=None, max_length=64)
    interview_id: str | None = Field(default=None, max_length=64)
    code: str | None = Field(default=None, max_length=64)


class RefusalTally(_ServerTable, table=True):
    """Refused requests, counted per hour and reason: one row per (hour, code), never one per request.

    Refusals are not attributed to a device: an unverified request could name any device, and a
    verified one could be a replay by someone else.
    """

    __tablename__ = "refusal_tallies"

    window_start: int = Field(primary_key=True, sa_type=BigInteger)  # Unix ms, the start of the hour
    code: str = Field(primary_key=True, max_length=64)
    count: int = Field(default=0, sa_type=BigInteger)


class RateLimitState(_ServerTable, table=True):
    """One rate limit's state (a device, or a client address), shared by every server process.

    `next_free_us` (Unix microseconds) is the generic cell rate algorithm's "theoretical arrival
    time": a request is allowed while it is at most the burst ahead of now. A row whose time has
    passed says nothing a missing row would not, so old rows are pruned.
    """

    __tablename__ = "rate_limits"

    key: str = Field(primary_key=True, max_length=128)
    next_free_us: int = Field(sa_type=BigInteger, index=True)


class RequestNonce(_ServerTable, table=True):
    """Nonces seen inside the signature window, so a replay is refused even after a restart."""

    __tablename__ = "request_nonces"

    device_id: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(primary_key=True, max_length=64)
    created: int = Field(sa_type=BigInteger, index=True)  # Unix seconds, from the signature


class ServerKey(_ServerTable, table=True):
    """The server's own Ed25519 receipt-signing key, made once on first start."""

    __tablename__ = "server_keys"

    name: str = Field(primary_key=True, max_length=32)
    private_key: bytes = Field(sa_type=LargeBinary)
    public_key: bytes = Field(sa_type=LargeBinary)
    created_at: int = Field(sa_type=BigInteger)


class OrganisationKey(_ServerTable, table=True):
    """Organisation public keys devices seal to; the newest registered one goes into new codes."""

    __tablename__ = "organisation_keys"

    key_id: str = Field(primary_key=True, max_length=64)
    public_key: bytes = Field(sa_type=LargeBinary)
    registered_at: int = Field(sa_type=BigInteger)


class Partner(_ServerTable, table=True):
    """A partner organisation's principal: its `devices` row (id, signing key, status, revocation) has
    the role partner when a row here names it; every other principal is a device.

    Kept in a table of its own, so databases made by earlier versions gain it on start and their
    principals stay devices. `code_id` and `key_proof` are the organisation's vouching
    (`sync.code_authority.partner_key_material`), checked by the case desk, never by the server.
    """

    __tablename__ = "partners"

    partner_id: str = Field(primary_key=True, max_length=64)
    organization_id: str = Field(max_length=128, index=True)  # the HSDS organization it serves
    sealing_public_key: bytes = Field(sa_type=LargeBinary)  # raw X25519: referrals are sealed to it
    signing_public_key: bytes = Field(sa_type=LargeBinary)  # raw Ed25519, as its `devices` row
    enrolled_at: int = Field(sa_type=BigInteger)
    code_id: str | None = Field(default=None, max_length=64)
    key_proof: bytes | None = Field(default=None, sa_type=LargeBinary)


class Coordinator(_ServerTable, table=True):
    """The organisation's coordinator principal (the case desk over the API): its `devices` row has the
    role coordinator when a row here names it.

    Its Ed25519 key is derived on the desk from the organisation's private key and was enrolled with
    the organisation's XEdDSA signature over it (`sync.server.coordinators`), checked against a
    registered organisation key (`key_id`). The id is derived from the key: the same key is the same
    principal on every launch. A table of its own, so earlier databases gain it on start.
    """

    __tablename__ = "coordinators"

    coordinator_id: str = Field(primary_key=True, max_length=64)
    key_id: str = Field(max_length=64)  # the organisation key that signed the enrollment
    signing_public_key: bytes = Field(sa_type=LargeBinary)  # raw Ed25519, as its `devices` row
    enrollment_signature: bytes = Field(sa_type=LargeBinary)  # the organisation's XEdDSA signature
    enrolled_at: int = Field(sa_type=BigInteger)


class PartnerToken(_ServerTable, table=True):
    """A one-time partner enrollment token (its SHA-256) and the organization id it enrolls for.

    Apart from device tokens, so a partner code never enrolls a device and the other way round.
    """

    __tablename__ = "partner_tokens"

    token_sha256: str = Field(primary_key=True, max_length=64)
    organization_id: str = Field(max_length=128)
    created_at: int = Field(sa_type=BigInteger)
    expires_at: int = Field(sa_type=BigInteger)
    used_at: int | None = Field(default=None, sa_type=BigInteger)
    used_by: str | None = Field(default=None, max_length=64)


class Referral(_ServerTable, table=True):
    """One referral: two sealed copies (the partner's and the organisation's) and routing metadata."""

    __tablename__ = "referrals"

    referral_id: str = Field(primary_key=True, max_length=64)
    partner_id: str = Field(max_length=64, index=True)
    device_id: str = Field(max_length=64, index=True)
    for_partner: bytes = Field(sa_type=LargeBinary)
    for_organisation: bytes = Field(sa_type=LargeBinary)
    envelope_sha256: str = Field(max_length=64)  # of both copies: tells a resend from a conflict
    status: str = Field(default="sent", max_length=16)
    received_at: int = Field(sa_type=BigInteger)
    updated_at: int = Field(sa_type=BigInteger)


class ReferralEventRow(_ServerTable, table=True):
    """One signed status change (`sync.referral_seal.StatusStatement`); the detail is sealed."""

    __tablename__ = "referral_events"

    event_id: int | None = Field(default=None, primary_key=True)
    referral_id: str = Field(max_length=64, index=True)
    status: str = Field(max_length=16)
    at: int = Field(sa_type=BigInteger)  # the actor's time, Unix ms UTC, as signed
    actor_id: str = Field(max_length=64)
    actor_role: str = Field(max_length=16)
    detail: bytes | None = Field(default=None, sa_type=LargeBinary)  # sealed to the organisation
    detail_sha256: str | None = Field(default=None, max_length=64)
    signature: bytes = Field(sa_type=LargeBinary)
    recorded_at: int = Field(sa_type=BigInteger)


class DirectoryVersion(_ServerTable, table=True):
    """One signed version of the organisation's directory of services, stored as the desk signed it.

    Opaque to the server: the document and the organisation's signature are kept and served as bytes;
    devices check the signature. The newest version is the one delivered.
    """

    __tablename__ = "directory_versions"

    version: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    document: bytes = Field(sa_type=LargeBinary)
    signature: bytes = Field(sa_type=LargeBinary)
    document_sha256: str = Field(max_length=64)
    published_at: int = Field(sa_type=BigInteger)
