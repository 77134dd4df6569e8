"""Waypoint's referral needs: the one list of need codes a directory entry can serve.

The codes the protocols raise are defined with the engine (`screening_protocols.catalogue.REFERRAL_NEEDS`,
translated in the `protocols` domain); this module is the referral side's view of that same list, so a
directory never knows a need the engine cannot raise, and the labels are translated once.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from screening_protocols.catalogue import REFERRAL_NEEDS

__all__ = ["NEED_CODES", "NEED_LABELS", "is_need"]

NEED_LABELS: Mapping[str, str] = MappingProxyType(dict(REFERRAL_NEEDS))
"""Need code -> English label (msgid in the `protocols` domain, context `engine:referral`)."""

NEED_CODES: frozenset[str] = frozenset(NEED_LABELS)


def is_need(code: str) -> bool:
    """True when `code` is one of Waypoint's referral needs."""
    return code in NEED_CODES
