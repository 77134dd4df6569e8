"""Read what the desk can open and verify into the facts the tables count (nothing is written)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.desk.aggregates.tables import CaseFacts, ReferralFacts, case_facts, referral_facts
from sync.desk.export import ExportFailure, open_from
from sync.desk.referrals import open_referrals
from sync.server.reading import SubmissionReader

__all__ = ["Collected", "collect"]


@dataclass
class Collected:
    cases: list[CaseFacts] = field(default_factory=list)
    referrals: list[ReferralFacts] = field(default_factory=list)
    not_counted: int = 0  # interviews and referrals that do not open or verify: never counted


def collect(
    database_url: str,
    private_keys: Sequence[X25519PrivateKey],
    regions: Mapping[str, str],
    *,
    period: str | None = None,
) -> Collected:
    """The facts of every verified interview and referral on the server (only `period`'s, YYYY-MM)."""
    collected = Collected()
    with SubmissionReader.open(database_url) as reader:
        for item in open_from(reader, private_keys):
            if isinstance(item, ExportFailure):
                collected.not_counted += 1
            else:
                facts = case_facts(item.document, regions)
                if period is None or facts.month == period:
                    collected.cases.append(facts)
        for referral in open_referrals(reader, private_keys):
            if isinstance(referral, tuple):
                collected.not_counted += 1
            else:
                referral_row = referral_facts(referral)
                if period is None or referral_row.month == period:
                    collected.referrals.append(referral_row)
    return collected
