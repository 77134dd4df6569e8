"""Which forms of exploitation and which ILO forced-labour indicators a protocol can record.

Generated from the protocol's own indicators (their `forms` and `ilo`), so the table can never drift
from the catalogue: `waypoint protocol show ID --coverage` prints it, and tests/protocols checks that
every adult protocol covers what it is meant to (docs/protocols.md, "Coverage").
"""

from __future__ import annotations

from dataclasses import dataclass

from screening_protocols.catalogue import ILO_INDICATORS, OTHER_FORMS, PALERMO_PURPOSES
from screening_protocols.model import Protocol

__all__ = ["CoverageRow", "coverage", "coverage_lines"]


@dataclass(frozen=True)
class CoverageRow:
    """One thing a protocol may record, and the indicators that record it (empty: not covered)."""

    group: str  # "palermo_purpose" | "other_form" | "ilo"
    code: str
    label: str
    indicators: tuple[str, ...]


def coverage(protocol: Protocol) -> tuple[CoverageRow, ...]:
    """Every Palermo purpose, every other form and every ILO indicator, with the covering indicators."""
    rows: list[CoverageRow] = []
    for group, vocabulary, attribute in (
        ("palermo_purpose", PALERMO_PURPOSES, "forms"),
        ("other_form", OTHER_FORMS, "forms"),
        ("ilo", ILO_INDICATORS, "ilo"),
    ):
        for code, label in vocabulary.items():
            found = tuple(i.id for i in protocol.indicators if code in getattr(i, attribute))
            rows.append(CoverageRow(group, code, label, found))
    return tuple(rows)


def coverage_lines(protocol: Protocol) -> list[str]:
    """The coverage table as text: one line per row, `-` when nothing covers it."""
    titles = {
        "palermo_purpose": "Palermo purposes",
        "other_form": "Other forms",
        "ilo": "ILO forced-labour indicators",
    }
    lines = [f"Coverage of {protocol.id} v{protocol.version}"]
    group = ""
    for row in coverage(protocol):
        if row.group != group:
            group = row.group
            lines.append(f"{titles[group]}:")
        lines.append(f"  {row.label:<42} {', '.join(row.indicators) or '-'}")
    return lines
