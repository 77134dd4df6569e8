"""Count opened interviews and referrals into two-way tables (rows x columns), before any privacy rule.

The inputs are what the desk has already opened and verified (`sync.desk.export.open_from`,
`sync.desk.referrals.open_referrals`): nothing here reads the server or a plain file. Each interview
counts once in each table, except the indicator table, where it counts once per indicator found (at most
`MAX_INDICATORS`, so a differentially private release knows how much one interview can move a table).
Each referral counts once in the referral tables. A region or corridor is the organisation's own label for
the device that recorded the interview (a consulate, a border post), given as a mapping; a device with no
label counts under `UNSPECIFIED`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sync.sealed import SealedInterview

__all__ = [
    "ACCEPT_BUCKETS",
    "MAX_INDICATORS",
    "UNSPECIFIED",
    "CaseFacts",
    "ReferralFacts",
    "Table",
    "build_tables",
    "case_facts",
    "referral_facts",
]

MAX_INDICATORS = 4
UNSPECIFIED = "unspecified"
ACCEPT_BUCKETS = (("within_1_day", 24.0), ("within_3_days", 72.0), ("within_7_days", 168.0))
LATER = "later"
NOT_ACCEPTED = "not_accepted"
REFERRAL_STATUSES = ("sent", "accepted", "declined", "completed", "revoked")  # sync.referral_seal


@dataclass(frozen=True)
class Table:
    """Counts by (row, column); `rows` and `columns` fix the order (and list the empty categories)."""

    name: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    contributions: int = 1  # how many cells one interview (or referral) can add to

    def count(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)

    def matrix(self) -> list[list[int]]:
        return [[self.count(row, column) for column in self.columns] for row in self.rows]


@dataclass(frozen=True)
class CaseFacts:
    """What one interview adds to the tables: no answer, note or identifier."""

    month: str  # YYYY-MM of completion (else start)
    protocol: str
    level: str
    indicators: tuple[str, ...]
    region: str


@dataclass(frozen=True)
class ReferralFacts:
    """What one referral adds: the month it arrived, its newest verified status, time to acceptance."""

    month: str
    status: str
    hours_to_accept: float | None


def case_facts(document: SealedInterview, regions: Mapping[str, str]) -> CaseFacts:
    """The facts of one opened interview; `regions` maps device ids to the organisation's labels."""
    outcome: Mapping[str, Any] = document.outcome or {}
    found = outcome.get("indicators")
    indicators = (
        [str(item.get("id", "")) for item in found if isinstance(item, Mapping)]
        if isinstance(found, list)
        else []
    )
    when = document.completed_at or document.started_at or ""
    return CaseFacts(
        month=when[:7] if len(when) >= 7 else UNSPECIFIED,
        protocol=document.protocol_id,
        level=str(outcome.get("outcome", UNSPECIFIED)),
        indicators=tuple(sorted(set(filter(None, indicators))))[:MAX_INDICATORS],
        region=regions.get(document.device_id or "", UNSPECIFIED),
    )


def referral_facts(referral: Mapping[str, Any]) -> ReferralFacts:
    """The facts of one opened referral (`sync.desk.referrals` document); unverified changes never count."""
    received = str(referral.get("received_at", ""))
    accepted = [
        item["at"]
        for item in referral.get("history", ())
        if item.get("signature_verified") and item.get("status") == "accepted"
    ]
    hours = None
    if accepted and received:
        hours = (_parse(accepted[0]) - _parse(received)).total_seconds() / 3600
    return ReferralFacts(
        month=received[:7] if len(received) >= 7 else UNSPECIFIED,
        status=str(referral.get("status", "sent")),
        hours_to_accept=max(hours, 0.0) if hours is not None else None,
    )


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _accept_bucket(hours: float | None) -> str:
    if hours is None:
        return NOT_ACCEPTED
    return next((name for name, limit in ACCEPT_BUCKETS if hours <= limit), LATER)


def _table(
    name: str,
    pairs: Iterable[tuple[str, str]],
    rows: Sequence[str] = (),
    columns: Sequence[str] = (),
    contributions: int = 1,
) -> Table:
    cells: dict[tuple[str, str], int] = {}
    for pair in pairs:
        cells[pair] = cells.get(pair, 0) + 1
    all_rows = tuple(dict.fromkeys([*rows, *sorted({row for row, _ in cells})]))
    all_columns = tuple(dict.fromkeys([*columns, *sorted({column for _, column in cells})]))
    return Table(name, all_rows, all_columns, cells, contributions)


def build_tables(
    cases: Sequence[CaseFacts],
    referrals: Sequence[ReferralFacts] = (),
    *,
    levels: Sequence[str] = (),
    protocols: Sequence[str] = (),
    indicators: Sequence[str] = (),
    regions: Sequence[str] = (),
    months: Sequence[str] = (),
) -> list[Table]:
    """The desk's tables. `levels`, `protocols`, `indicators` and `regions` list categories shown even
    when empty (a release must not reveal which categories occur: the CLI passes the library's and the
    organisation's own region labels, and the period's month)."""
    buckets = [*(name for name, _ in ACCEPT_BUCKETS), LATER, NOT_ACCEPTED]
    return [
        _table("month_by_protocol", ((c.month, c.protocol) for c in cases), months, protocols),
        _table("level_by_protocol", ((c.level, c.protocol) for c in cases), levels, protocols),
        _table("region_by_level", ((c.region, c.level) for c in cases), regions, levels),
        _table(
            "indicator_by_protocol",
            ((indicator, c.protocol) for c in cases for indicator in c.indicators),
            indicators,
            protocols,
            contributions=MAX_INDICATORS,
        ),
        _table(
            "referral_status_by_month", ((r.status, r.month) for r in referrals), REFERRAL_STATUSES, months
        ),
        _table(
            "time_to_accept_by_month",
            ((_accept_bucket(r.hours_to_accept), r.month) for r in referrals),
            buckets,
            months,
        ),
    ]
