"""What the desk's screens ask of the organisation's side, and what they get back.

The browser desks (`desk_app`) are thin over these two services: `CoordinatorService` (the organisation's
case desk, holding the organisation key in memory and talking to the referral server as a coordinator
principal) and `PartnerService` (a partner organisation's caseworker, as a partner principal). Every view
here is plain, immutable data: opened plaintext lives in these objects, in memory, and nowhere else.
Implementations: `sync.desk.coordinator.CoordinatorDesk` and `sync.desk.partner_desk.PartnerDesk`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

__all__ = [
    "AuditEntry",
    "CaseDetail",
    "CaseFilter",
    "CaseSummary",
    "CoordinatorService",
    "DashboardView",
    "DeviceView",
    "DirectoryEntryView",
    "EnrollmentCodeView",
    "IndicatorLine",
    "PartnerReferralView",
    "PartnerService",
    "PartnerView",
    "Progress",
    "ReferralView",
    "StatusEntry",
]

Progress = Callable[[int, int], None]  # (done, total): called while long work runs (opening envelopes)


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator the outcome found, for the picture grouped by Palermo element and ILO dimension."""

    indicator_id: str
    label: str
    element: str  # "act" | "means" | "purpose"
    ilo_dimension: str | None  # e.g. "recruitment", "coercion", ... (None: not mapped)
    strength: str  # "strong" | "medium" | "weak"
    because: str  # the question and answer that raised it, in the officer's words


@dataclass(frozen=True)
class CaseSummary:
    interview_id: str
    protocol_id: str
    protocol_version: str
    level: str  # the outcome level id, e.g. "high", "medium", "low", "insufficient_information"
    level_label: str
    recorded_at: datetime
    device_id: str
    referral_state: str | None  # newest status of the newest referral for this case; None: no referral
    child: bool = False


@dataclass(frozen=True)
class CaseFilter:
    protocol_id: str | None = None
    level: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    device_id: str | None = None
    referral_state: str | None = None  # a status, or "none" for cases never referred


@dataclass(frozen=True)
class StatusEntry:
    status: str  # "sent" | "accepted" | "declined" | "completed" | "revoked"
    at: datetime
    by: str  # "device" | "coordinator" | "partner"
    detail: str | None  # decline reason or completion note, opened; None when none was given
    verified: bool  # the actor's signature verified; an unverified change never counts


@dataclass(frozen=True)
class ReferralView:
    referral_id: str
    interview_id: str | None
    partner_id: str
    partner_name: str
    service_id: str | None
    status: str
    sent_at: datetime
    history: tuple[StatusEntry, ...] = ()


@dataclass(frozen=True)
class CaseDetail:
    summary: CaseSummary
    headline: str
    indicators: tuple[IndicatorLine, ...]
    referral_needs: tuple[str, ...]
    unknown: tuple[str, ...]  # key questions left unknown ("prefer not to answer", not asked)
    notes: str
    referrals: tuple[ReferralView, ...] = ()


@dataclass(frozen=True)
class PartnerView:
    partner_id: str
    organization_id: str
    name: str
    enrolled_at: datetime
    revoked: bool
    vouched: bool  # enrolled with a token the organisation authorised


@dataclass(frozen=True)
class DeviceView:
    device_id: str
    enrolled_at: datetime
    revoked: bool
    vouched: bool
    last_seen: datetime | None = None


@dataclass(frozen=True)
class EnrollmentCodeView:
    code: str  # the text a device scans or types (what `waypoint enroll create` prints)
    expires_at: datetime
    qr_png: bytes  # the same text as a QR code image (`sync.enrollment_code.qr_png`)


@dataclass(frozen=True)
class DirectoryEntryView:
    service_id: str
    name: str
    organization: str
    needs: tuple[str, ...]  # Waypoint referral needs served; () when not yet mapped
    languages: tuple[str, ...]
    area: str
    always_open: bool
    last_verified: date | None
    stale: bool  # past the verification age
    partner_id: str | None  # the partner that receives sealed referrals for it, if any


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    event: str
    principal: str | None
    detail: str = ""


@dataclass(frozen=True)
class DashboardView:
    """Counts for the coordinator's charts. `shareable=True`: every cell under k suppressed (None),
    with complementary suppression, as in `sync.desk.aggregates.suppression`."""

    tables: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[int | None, ...], ...]]]
    shareable: bool
    k: int
    not_counted: int = 0


@dataclass(frozen=True)
class PartnerReferralView:
    """A referral as the partner sees it: only the minimised package fields the device sealed."""

    referral_id: str
    received_at: datetime
    status: str
    fields: Mapping[str, str] = field(default_factory=dict)
    history: tuple[StatusEntry, ...] = ()
    refused: str | None = None  # why it did not verify (then `fields` is empty): never act on it


class CoordinatorService(Protocol):
    def refresh(self, progress: Progress | None = None) -> int:
        """Fetch and open what is new on the server; return how many cases were added."""
        ...

    def cases(self, filters: CaseFilter = CaseFilter()) -> list[CaseSummary]: ...

    def case(self, interview_id: str) -> CaseDetail: ...

    def referrals(self) -> list[ReferralView]: ...

    def send_referral(
        self,
        interview_id: str,
        partner_id: str,
        service_id: str | None,
        *,
        consent: str,
        legal_basis: str = "",
    ) -> ReferralView:
        """`consent`: "given" (the person agreed) or "mandatory" (with `legal_basis`)."""
        ...

    def revoke_referral(self, referral_id: str, reason: str) -> ReferralView: ...

    def directory(self) -> list[DirectoryEntryView]: ...

    def import_directory(self, content: bytes) -> int: ...

    def update_entry(self, service_id: str, changes: Mapping[str, object]) -> DirectoryEntryView: ...

    def mark_verified(self, service_id: str) -> DirectoryEntryView: ...

    def publish_directory(self) -> int:
        """Sign the directory with the organisation key and publish it to devices; its version."""
        ...

    def devices(self) -> list[DeviceView]: ...

    def partners(self) -> list[PartnerView]: ...

    def device_code(self) -> EnrollmentCodeView: ...

    def partner_code(self, organization_id: str) -> EnrollmentCodeView: ...

    def revoke_device(self, device_id: str) -> None: ...

    def revoke_partner(self, partner_id: str) -> None: ...

    def audit(self, limit: int = 200) -> list[AuditEntry]: ...

    def dashboard(self, *, shareable: bool) -> DashboardView: ...

    def export_json(self, folder: Path) -> Sequence[Path]: ...

    def export_htcds(self, folder: Path) -> Path: ...


class PartnerService(Protocol):
    def inbox(self) -> list[PartnerReferralView]: ...

    def referral(self, referral_id: str) -> PartnerReferralView: ...

    def accept(self, referral_id: str) -> PartnerReferralView: ...

    def decline(self, referral_id: str, reason: str) -> PartnerReferralView: ...

    def complete(self, referral_id: str, note: str) -> PartnerReferralView: ...
