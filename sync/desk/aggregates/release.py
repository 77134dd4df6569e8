"""The shared aggregate file's numbers: differentially private counts from OpenDP, within a budget.

Each release spends `epsilon`, split evenly over the tables (sequential composition). Every cell of a
table gets discrete Laplace noise from OpenDP's `make_laplace` over integer vectors, with the scale that
OpenDP's own privacy map turns into the table's share of epsilon for the table's sensitivity (the cells
one interview or referral can add to, `Table.contributions`). Negative counts become 0, then the k = 11
rule and complementary suppression run on the noisy table: both are post-processing, so the release
stays epsilon-DP, and the suppression pattern reveals nothing beyond the noise. The categories come from
the library and the data (see `tables.build_tables`).

The organisation's privacy budget is kept per period (a calendar month) in a ledger next to its key
(`PrivacyLedger`): a release that would take the period past its budget is refused before any noise is
drawn. OpenDP draws from the operating system's random source and takes no seed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync.desk.aggregates.suppression import K_ANONYMITY, SuppressedTable, suppress
from sync.desk.aggregates.tables import Table
from sync.desk.export import write_private_file
from sync.errors import SyncError
from waypoint.core.i18n import N_

__all__ = [
    "DEFAULT_PERIOD_BUDGET",
    "LEDGER_FILE",
    "BudgetExceededError",
    "PrivacyLedger",
    "noisy_counts",
    "release_tables",
    "scale_for",
]

DEFAULT_PERIOD_BUDGET = 1.0
LEDGER_FILE = "privacy-budget.json"
LEDGER_FORMAT = "waypoint-privacy-budget/1"
PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_EPSILON_SLACK = 1e-9


class BudgetExceededError(SyncError):
    """A release would spend more privacy budget than the period has left."""

    code = "WP-SYNC-040"
    what = N_("This release would spend epsilon {epsilon} but period {period} has only {left} left.")
    todo = N_("Release with a smaller --epsilon, wait for the next period, or reuse a file already released.")


class ReleaseSettingError(SyncError):
    """An epsilon, a period or the budget ledger is not valid."""

    code = "WP-SYNC-041"
    what = N_("The release setting {setting} is not valid.")
    todo = N_("Give a positive --epsilon and a period as YYYY-MM; a damaged budget file is never replaced.")


def _opendp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def scale_for(epsilon: float, sensitivity: int) -> float:
    """The discrete Laplace scale that OpenDP maps to `epsilon` for an L1 sensitivity `sensitivity`."""
    if not (epsilon > 0 and math.isfinite(epsilon)):
        raise ReleaseSettingError(setting="epsilon")
    dp = _opendp()
    scale = sensitivity / epsilon
    measurement = _laplace(dp, scale)
    while measurement.map(sensitivity) > epsilon + _EPSILON_SLACK:  # OpenDP rounds conservatively
        scale *= 1 + 1e-9
        measurement = _laplace(dp, scale)
    return scale


def _laplace(dp: Any, scale: float) -> Any:
    return dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)


def noisy_counts(counts: list[int], epsilon: float, sensitivity: int) -> list[int]:
    """`counts` with OpenDP's discrete Laplace noise for `epsilon` at this sensitivity."""
    measurement = _laplace(_opendp(), scale_for(epsilon, sensitivity))
    return [int(value) for value in measurement(counts)]


def release_tables(tables: list[Table], epsilon: float, k: int = K_ANONYMITY) -> list[SuppressedTable]:
    """Every table noised with its share of `epsilon`, then suppressed (post-processing)."""
    if not tables:
        return []
    share = epsilon / len(tables)
    released = []
    for table in tables:
        keys = [(row, column) for row in table.rows for column in table.columns]
        noisy = noisy_counts([table.count(*key) for key in keys], share, table.contributions)
        cells = {key: max(value, 0) for key, value in zip(keys, noisy, strict=True)}
        released.append(suppress(Table(table.name, table.rows, table.columns, cells, table.contributions), k))
    return released


@dataclass(frozen=True)
class Spent:
    period: str
    epsilon: float
    at: str


class PrivacyLedger:
    """The epsilon each period has spent, in `LEDGER_FILE` (0600) in the organisation's key folder.

    It holds periods and amounts only. It protects against releasing too much by mistake; someone who
    deletes it resets the budget, so it is the coordinator's record, not a defence against them.
    """

    def __init__(self, path: Path, budget: float = DEFAULT_PERIOD_BUDGET) -> None:
        if not (budget > 0 and math.isfinite(budget)):
            raise ReleaseSettingError(setting="budget")
        self.path, self.budget = Path(path), budget

    def _entries(self) -> list[Spent]:
        if not self.path.exists():
            return []
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if document.get("format") != LEDGER_FORMAT:
                raise ValueError(document.get("format"))
            return [Spent(str(e["period"]), float(e["epsilon"]), str(e["at"])) for e in document["releases"]]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ReleaseSettingError(setting=str(self.path)) from error

    def spent(self, period: str) -> float:
        return sum(entry.epsilon for entry in self._entries() if entry.period == period)

    def left(self, period: str) -> float:
        return max(self.budget - self.spent(period), 0.0)

    def check(self, period: str, epsilon: float) -> list[Spent]:
        """Refuse, before anything is opened, a release the period's budget cannot cover.

        Returns:
            The ledger's entries as they are now.

        Raises:
            BudgetExceededError: the period has less than `epsilon` left.
            ReleaseSettingError: the period or epsilon is malformed, or the ledger is damaged.
        """
        if not PERIOD.fullmatch(period):
            raise ReleaseSettingError(setting="period")
        if not (epsilon > 0 and math.isfinite(epsilon)):
            raise ReleaseSettingError(setting="epsilon")
        entries = self._entries()
        left = self.budget - sum(entry.epsilon for entry in entries if entry.period == period)
        if epsilon > left + _EPSILON_SLACK:
            raise BudgetExceededError(epsilon=f"{epsilon:g}", period=period, left=f"{max(left, 0.0):g}")
        return entries

    def charge(self, period: str, epsilon: float) -> None:
        """Record `epsilon` spent in `period` (before any noise is drawn), or refuse as `check` does."""
        entries = self.check(period, epsilon)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        entries.append(Spent(period, epsilon, now))
        document = {
            "format": LEDGER_FORMAT,
            "releases": [{"period": e.period, "epsilon": e.epsilon, "at": e.at} for e in entries],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private_file(self.path, json.dumps(document, indent=1).encode())
