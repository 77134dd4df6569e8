"""A coordinator service in memory, for the desk's view tests and for serving the desk without a server.

It records every call (`calls`) and answers with small, fixed data: three cases (one a child's), two
partners, a directory with one stale entry, two devices, and a dashboard whose shareable form hides the
cells under k = 11. `gate`: when set to an unset event, `refresh` reports half its progress and waits.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sync.desk.service import (
    AuditEntry,
    CaseDetail,
    CaseFilter,
    CaseSummary,
    DashboardView,
    DeviceView,
    DirectoryEntryView,
    EnrollmentCodeView,
    IndicatorLine,
    PartnerView,
    Progress,
    ReferralView,
    StatusEntry,
)
from sync.enrollment_code import qr_png

ALL = CaseFilter()
AT = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


def _case(
    number: int, protocol: str, level: str, label: str, month: int, device: str, **kw: Any
) -> CaseSummary:
    return CaseSummary(
        interview_id=f"case-{number}",
        protocol_id=protocol,
        protocol_version="1.0",
        level=level,
        level_label=label,
        recorded_at=datetime(2026, month, 10, 9, 0, tzinfo=UTC),
        device_id=device,
        referral_state=kw.get("referral_state"),
        child=kw.get("child", False),
    )


INDICATORS = (
    IndicatorLine(
        "recruited_by_deception",
        "Deceived about the job",
        "act",
        "recruitment",
        "strong",
        "Q3: the work was not what was promised",
    ),
    IndicatorLine(
        "documents_withheld",
        "Documents kept by the employer",
        "means",
        "coercion",
        "strong",
        "Q7: the employer keeps the passport",
    ),
    IndicatorLine(
        "debt", "Debt that cannot be paid", "means", "coercion", "medium", "Q9: owes the recruiter"
    ),
    IndicatorLine(
        "forced_work",
        "Made to work without pay",
        "purpose",
        "exploitation",
        "medium",
        "Q12: no wages for three months",
    ),
)


class FakeCoordinatorService:
    """`CoordinatorService` in memory."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.gate: threading.Event | None = None
        self.reached_gate = threading.Event()
        self._cases = [
            _case(1, "ilo-adult", "high", "Strong indication", 10, "dev-a"),
            _case(2, "ilo-adult", "medium", "Some indication", 11, "dev-b", referral_state="accepted"),
            _case(3, "ilo-child", "high", "Strong indication", 11, "dev-a", child=True),
        ]
        self._referrals: list[ReferralView] = [
            ReferralView(
                "ref-1",
                "case-2",
                "partner-a",
                "Shelter A",
                "svc-shelter",
                "accepted",
                AT,
                (
                    StatusEntry("sent", AT, "coordinator", None, True),
                    StatusEntry("accepted", AT, "partner", None, True),
                ),
            )
        ]
        self._directory = {
            "svc-shelter": DirectoryEntryView(
                "svc-shelter",
                "Safe shelter",
                "Shelter A",
                ("shelter",),
                ("en",),
                "North",
                True,
                date(2026, 10, 1),
                False,
                "partner-a",
            ),
            "svc-legal": DirectoryEntryView(
                "svc-legal",
                "Legal aid",
                "Law centre B",
                ("legal",),
                ("fr",),
                "South",
                False,
                date(2024, 1, 1),
                True,
                "partner-b",
            ),
        }
        self._devices = [DeviceView("dev-a", AT, False, True, AT), DeviceView("dev-b", AT, False, True, None)]
        self._partners = [
            PartnerView("partner-a", "org-a", "Shelter A", AT, False, True),
            PartnerView("partner-b", "org-b", "Law centre B", AT, False, True),
        ]

    # -- cases -----------------------------------------------------------------------------------------

    def refresh(self, progress: Progress | None = None) -> int:
        self.calls.append(("refresh", None))
        total = 4
        for done in range(total + 1):
            if progress is not None:
                progress(done, total)
            if done == 2 and self.gate is not None:
                self.reached_gate.set()
                self.gate.wait(timeout=10)
        return 2

    def cases(self, filters: CaseFilter = ALL) -> list[CaseSummary]:
        self.calls.append(("cases", filters))
        return [c for c in self._cases if _matches(c, filters)]

    def case(self, interview_id: str) -> CaseDetail:
        self.calls.append(("case", interview_id))
        summary = next(c for c in self._cases if c.interview_id == interview_id)
        lines = tuple(i for i in INDICATORS if not (summary.child and i.element == "means"))
        return CaseDetail(
            summary=summary,
            headline=f"{summary.level_label}: refer to protection services",
            indicators=lines,
            referral_needs=("shelter", "legal"),
            unknown=("Who holds the passport?",),
            notes="",
            referrals=tuple(r for r in self._referrals if r.interview_id == interview_id),
        )

    # -- referrals -------------------------------------------------------------------------------------

    def referrals(self) -> list[ReferralView]:
        self.calls.append(("referrals", None))
        return list(self._referrals)

    def send_referral(
        self,
        interview_id: str,
        partner_id: str,
        service_id: str | None,
        *,
        consent: str,
        legal_basis: str = "",
    ) -> ReferralView:
        self.calls.append(("send_referral", (interview_id, partner_id, service_id, consent, legal_basis)))
        partner = next(p for p in self._partners if p.partner_id == partner_id)
        referral = ReferralView(
            f"ref-{len(self._referrals) + 1}",
            interview_id,
            partner_id,
            partner.name,
            service_id,
            "sent",
            AT,
            (StatusEntry("sent", AT, "coordinator", None, True),),
        )
        self._referrals.append(referral)
        return referral

    def revoke_referral(self, referral_id: str, reason: str) -> ReferralView:
        self.calls.append(("revoke_referral", (referral_id, reason)))
        index = next(i for i, r in enumerate(self._referrals) if r.referral_id == referral_id)
        old = self._referrals[index]
        new = dataclasses.replace(
            old,
            status="revoked",
            history=(*old.history, StatusEntry("revoked", AT, "coordinator", reason, True)),
        )
        self._referrals[index] = new
        return new

    # -- directory -------------------------------------------------------------------------------------

    def directory(self) -> list[DirectoryEntryView]:
        return list(self._directory.values())

    def import_directory(self, content: bytes) -> int:
        self.calls.append(("import_directory", content))
        return 2

    def update_entry(self, service_id: str, changes: Mapping[str, object]) -> DirectoryEntryView:
        self.calls.append(("update_entry", (service_id, dict(changes))))
        entry = self._directory[service_id]
        if "name" in changes:
            entry = dataclasses.replace(entry, name=str(changes["name"]))
        self._directory[service_id] = entry
        return entry

    def mark_verified(self, service_id: str) -> DirectoryEntryView:
        self.calls.append(("mark_verified", service_id))
        entry = dataclasses.replace(self._directory[service_id], stale=False, last_verified=date(2026, 12, 3))
        self._directory[service_id] = entry
        return entry

    def publish_directory(self) -> int:
        self.calls.append(("publish_directory", None))
        return 7

    # -- devices and partners --------------------------------------------------------------------------

    def devices(self) -> list[DeviceView]:
        return list(self._devices)

    def partners(self) -> list[PartnerView]:
        return list(self._partners)

    def device_code(self) -> EnrollmentCodeView:
        self.calls.append(("device_code", None))
        return EnrollmentCodeView("WAYPOINT-DEVICE-CODE-1", AT, qr_png("WAYPOINT-DEVICE-CODE-1"))

    def partner_code(self, organization_id: str) -> EnrollmentCodeView:
        self.calls.append(("partner_code", organization_id))
        code = f"WAYPOINT-PARTNER-{organization_id}"
        return EnrollmentCodeView(code, AT, qr_png(code))

    def revoke_device(self, device_id: str) -> None:
        self.calls.append(("revoke_device", device_id))
        self._devices = [
            dataclasses.replace(d, revoked=d.revoked or d.device_id == device_id) for d in self._devices
        ]

    def revoke_partner(self, partner_id: str) -> None:
        self.calls.append(("revoke_partner", partner_id))
        self._partners = [
            dataclasses.replace(p, revoked=p.revoked or p.partner_id == partner_id) for p in self._partners
        ]

    def audit(self, limit: int = 200) -> list[AuditEntry]:
        return [
            AuditEntry(AT, "referral.sent", "coordinator", "ref-1"),
            AuditEntry(AT, "device.enrolled", "dev-a"),
        ]

    def dashboard(self, *, shareable: bool) -> DashboardView:
        self.calls.append(("dashboard", shareable))
        cells: tuple[tuple[int | None, ...], ...] = ((25, 3), (14, 0))
        if shareable:
            cells = ((25, None), (14, 0))
        return DashboardView(
            tables={"level_by_protocol": (("high", "medium"), ("ilo-adult", "ilo-child"), cells)},
            shareable=shareable,
            k=11,
        )

    def export_json(self, folder: Path) -> Sequence[Path]:
        self.calls.append(("export_json", folder))
        return [folder / "case-1.json", folder / "case-2.json"]

    def export_htcds(self, folder: Path) -> Path:
        self.calls.append(("export_htcds", folder))
        return folder / "htcds.csv"


def _matches(case: CaseSummary, f: CaseFilter) -> bool:
    day = case.recorded_at.date()
    return (
        (f.protocol_id is None or case.protocol_id == f.protocol_id)
        and (f.level is None or case.level == f.level)
        and (f.device_id is None or case.device_id == f.device_id)
        and (f.since is None or day >= f.since)
        and (f.until is None or day <= f.until)
        and (f.referral_state is None or (case.referral_state or "none") == f.referral_state)
    )
