"""What one coordinator's browser tab shows right now: one observable object, nothing else.

Screens are built from this state only, and every change is announced to the listeners (`subscribe`):
the desk re-renders the page then. Opened plaintext (case details, referral notes) lives here, in
memory, for as long as the tab is open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import StrEnum

from sync.desk.service import (
    AuditEntry,
    CaseDetail,
    CaseFilter,
    CaseSummary,
    DashboardView,
    DeviceView,
    DirectoryEntryView,
    EnrollmentCodeView,
    PartnerView,
    ReferralView,
)

__all__ = ["NAVIGATION", "DeskState", "Screen"]


class Screen(StrEnum):
    """Every screen of the coordinator's desk; the value is also its route and test identifier."""

    CASES = "cases"
    CASE = "case"  # one case's detail, opened from the list
    REFERRALS = "referrals"
    DIRECTORY = "directory"
    DEVICES = "devices"  # devices and partners
    AUDIT = "audit"
    EXPORTS = "exports"
    DASHBOARD = "dashboard"


# The screens the navigation offers, in order (the case detail is reached from the list).
NAVIGATION = (
    Screen.CASES,
    Screen.REFERRALS,
    Screen.DIRECTORY,
    Screen.DEVICES,
    Screen.AUDIT,
    Screen.EXPORTS,
    Screen.DASHBOARD,
)


@dataclass
class DeskState:
    """The desk's whole state. Assign fields through `update(...)` so the listeners hear of it."""

    screen: Screen = Screen.CASES
    filters: CaseFilter = field(default_factory=CaseFilter)
    all_cases: list[CaseSummary] = field(default_factory=list)  # unfiltered: the filters' choices
    cases: list[CaseSummary] = field(default_factory=list)
    case: CaseDetail | None = None
    referrals: list[ReferralView] = field(default_factory=list)
    directory: list[DirectoryEntryView] = field(default_factory=list)
    devices: list[DeviceView] = field(default_factory=list)
    partners: list[PartnerView] = field(default_factory=list)
    code: EnrollmentCodeView | None = None
    code_for: str | None = None  # "device", or the partner organisation the code enrolls
    audit: list[AuditEntry] = field(default_factory=list)
    dashboard: DashboardView | None = None
    shareable: bool = False
    busy: bool = False
    progress: tuple[int, int] | None = None  # (done, total) while envelopes open
    error: str | None = None  # the last failed action's message, translated
    notice: str | None = None  # the last action's result, translated
    narrow: bool = False  # the window is phone-sized: the rail becomes a bar
    drafts: dict[str, str] = field(default_factory=dict)  # what is typed or chosen in forms
    _listeners: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def update(self, **changes: object) -> None:
        """Set fields and tell every listener once."""
        names = {f.name for f in fields(self)}
        for name, value in changes.items():
            if name not in names or name.startswith("_"):
                raise AttributeError(name)
            setattr(self, name, value)
        for listener in list(self._listeners):
            listener()

    def draft(self, name: str, default: str = "") -> str:
        return self.drafts.get(name, default)

    def forget(self) -> None:
        """Drop every reference to opened content (the tab closed)."""
        self.all_cases, self.cases, self.case, self.referrals = [], [], None, []
        self.audit, self.dashboard, self.drafts = [], None, {}
