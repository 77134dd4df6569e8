"""What the vault keeps of a finished screening: its outcome summary, for follow-up and a later referral.

When an interview is completed, the vault derives a `FinishedSummary` from the final document and
stores it encrypted beside the interview (column `finished`). The answers, notes and checks are
deleted when the interview is sealed, as before; the summary stays until the retention purge removes
it together with the sent envelope (`Vault.purge_expired`), or until the interview is discarded.

It holds what a referral needs and nothing the respondent said word for word: the outcome level, the
indicators found (each with its Palermo element, ILO/EC dimension and strength), the Palermo elements
covered, referral needs and emergency flags, the respondent's language, the age group and child flag,
the gender when a protocol recorded one, the protocol and the time it finished.

    for summary in vault.finished_summaries():      # newest first; needs an unlocked session
        print(summary.level, summary.referral_needs)
    vault.finished_summary(interview_id)             # one; InterviewError when there is none
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.vault.clock import format_time, parse_time

__all__ = ["AGE_GROUPS", "FinishedIndicator", "FinishedSummary"]

SUMMARY_FORMAT = "waypoint-finished-summary/1"
AGE_GROUPS = ("child", "adult", "unknown")
ADULT_AGE = 18


@dataclass(frozen=True)
class FinishedIndicator:
    """One indicator found: its catalogue id, Palermo element, ILO/EC dimension and strength."""

    id: str
    element: str
    dimension: str | None
    strength: str


@dataclass(frozen=True)
class FinishedSummary:
    """The outcome of one finished screening, as kept after its answers are gone.

    Attributes:
        interview_id: the interview (also the id of its sealed envelope).
        protocol_id / protocol_version: the protocol it followed.
        finished_at: when it was completed (UTC).
        level: the outcome level (`screening_protocols.catalogue.OutcomeLevel` value, e.g.
            "strong_indicators"): the headline.
        indicators: the indicators found, in the engine's order.
        elements: Palermo element -> the ids of the indicators found for it.
        referral_needs: the referral needs the protocol named (ids, e.g. "shelter").
        emergency: the emergency flags raised (ids; empty when none).
        respondent_language: ISO 639-1 code of the language the respondent answered in.
        age_group: "child" (under 18 or the child rule applied), "adult" (18 or over), or "unknown".
        child: True when the child rule applied.
        gender: as recorded by the protocol (fact `gender`), or None when none was asked.
    """

    interview_id: str
    protocol_id: str
    protocol_version: str
    finished_at: datetime
    level: str
    indicators: tuple[FinishedIndicator, ...]
    elements: Mapping[str, tuple[str, ...]]
    referral_needs: tuple[str, ...]
    emergency: tuple[str, ...]
    respondent_language: str | None
    age_group: str
    child: bool
    gender: str | None

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> FinishedSummary:
        """The summary of a completed sealed-interview document (`sync.sealed.SealedInterview.to_dict()`)."""
        outcome: Mapping[str, Any] = document.get("outcome") or {}
        facts: Mapping[str, Any] = outcome.get("facts") or {}
        child = bool(outcome.get("child_rule", False))
        gender = facts.get("gender")
        return cls(
            interview_id=str(document["interview_id"]),
            protocol_id=str(document["protocol_id"]),
            protocol_version=str(document["protocol_version"]),
            finished_at=parse_time(str(document["completed_at"])),
            level=str(outcome.get("outcome", "insufficient_information")),
            indicators=tuple(
                FinishedIndicator(
                    id=str(item["id"]),
                    element=str(item.get("element", "")),
                    dimension=None if item.get("dimension") is None else str(item["dimension"]),
                    strength=str(item.get("strength", "")),
                )
                for item in outcome.get("indicators") or ()
            ),
            elements={
                str(name): tuple(str(i) for i in ids) for name, ids in (outcome.get("elements") or {}).items()
            },
            referral_needs=tuple(str(need) for need in outcome.get("referral_needs") or ()),
            emergency=tuple(str(flag) for flag in outcome.get("emergency") or ()),
            respondent_language=document.get("respondent_language"),
            age_group=_age_group(facts.get("age"), child),
            child=child,
            gender=None if gender is None else str(gender),
        )

    def to_json(self) -> bytes:
        """The stored form (encrypted by the vault)."""
        document = {
            "format": SUMMARY_FORMAT,
            "interview_id": self.interview_id,
            "protocol_id": self.protocol_id,
            "protocol_version": self.protocol_version,
            "finished_at": format_time(self.finished_at.timestamp()),
            "level": self.level,
            "indicators": [vars(indicator) for indicator in self.indicators],
            "elements": {name: list(ids) for name, ids in self.elements.items()},
            "referral_needs": list(self.referral_needs),
            "emergency": list(self.emergency),
            "respondent_language": self.respondent_language,
            "age_group": self.age_group,
            "child": self.child,
            "gender": self.gender,
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> FinishedSummary:
        """Read the stored form back.

        Raises:
            ValueError: it is not a finished summary of this format.
        """
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("format") != SUMMARY_FORMAT:
            raise ValueError("not a finished summary")
        return cls(
            interview_id=document["interview_id"],
            protocol_id=document["protocol_id"],
            protocol_version=document["protocol_version"],
            finished_at=parse_time(document["finished_at"]),
            level=document["level"],
            indicators=tuple(FinishedIndicator(**item) for item in document["indicators"]),
            elements={name: tuple(ids) for name, ids in document["elements"].items()},
            referral_needs=tuple(document["referral_needs"]),
            emergency=tuple(document["emergency"]),
            respondent_language=document["respondent_language"],
            age_group=document["age_group"],
            child=bool(document["child"]),
            gender=document["gender"],
        )


def _age_group(age: Any, child: bool) -> str:
    if child:
        return "child"
    if isinstance(age, (int, float)) and not isinstance(age, bool):
        return "child" if age < ADULT_AGE else "adult"
    return "unknown"
