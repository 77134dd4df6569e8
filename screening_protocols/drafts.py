"""What an imported protocol (`status: imported`) still lacks: lint explains each missing piece.

`waypoint protocol import` turns an XLSForm into questions only; consent, indicators, referral rules and
the child rule do not exist in XLSForm. Lint accepts such a draft (warnings, no errors) and says what
to add; officers never see it in the app until `status: imported` is removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from screening_protocols.errors import ErrorCode, Problem, problem
from screening_protocols.loader import RawDocument

REVIEW = (
    "review every question and translation, add what the other PR030 lines list, "
    "then remove `status: imported`"
)
CHILD_RULE = (
    "the child rule is off (decision.age_fact: null)",
    "mark an unconditional number question `fact: age` and set `decision: {age_fact: age}`",
)
PIECES: tuple[tuple[str, str, str], ...] = (  # (top-level key, what is missing, what to add)
    (
        "consent",
        "has no consent or assent",
        "add `consent:` with kind, agreement and the items purpose, data_use, retention, withdrawal, "
        "right_not_to_answer, right_to_stop and right_to_restrict_use (docs/protocols.md)",
    ),
    (
        "indicators",
        "has no indicators, so every outcome reads 'no indicators found'",
        "add `indicators:` (id, label, when, element, strength) for the answers that are signs of concern",
    ),
    (
        "referrals",
        "has no referral rules",
        "add `referrals:` (need, when) so the outcome suggests the right services",
    ),
    (
        "emergency",
        "has no immediate-danger rule",
        "add an `emergency:` rule on a first question about danger now",
    ),
)


def draft_problems(doc: RawDocument) -> Iterator[Problem]:
    """One warning per missing piece of an imported draft; nothing for a finished protocol."""
    data: Any = doc.data
    if not isinstance(data, dict) or data.get("status") != "imported":
        return
    line = doc.line(("status",))
    yield problem(
        ErrorCode.PR030,
        doc.file,
        line,
        missing="is not reviewed",
        todo=REVIEW,
    )
    for key, missing, todo in PIECES:
        if not data.get(key):
            yield problem(ErrorCode.PR030, doc.file, line, missing=missing, todo=todo)
    decision = _mapping(data.get("decision"))
    if "age_fact" in decision and decision["age_fact"] is None:
        yield problem(
            ErrorCode.PR030,
            doc.file,
            doc.line(("decision", "age_fact")),
            missing=CHILD_RULE[0],
            todo=CHILD_RULE[1],
        )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
