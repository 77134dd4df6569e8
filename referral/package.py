"""The referral package: only what the receiving service needs for the needs it serves (docs/referral.md).

Every package carries the common fields (`COMMON_FIELDS`: the person's language, how they want to be
contacted, how urgent it is). Each need the chosen service serves, among the person's needs, adds
the fields that need requires (`FIELDS_BY_NEED`); a service whose needs are "not yet mapped" gets the
common fields only. Fields the interview did not record are left out, never guessed. Nothing the person
said word for word is ever in a package: no answers, no notes, no names.

    facts = ReferralFacts(needs=("shelter",), emergency=(), language="ro", age_group="adult",
                          gender="female")
    package = build_package(facts, service, referral_id=..., device_id=..., consent=Consent.given(),
                            contact_preference="through_officer", created_at=now)
    package.to_json()     # what `sync.referral_seal.seal_referral` signs and seals
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from referral.directory.model import Service
from referral.needs import NEED_CODES
from sync.referral_seal import REFERRAL_FORMAT
from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = [
    "COMMON_FIELDS",
    "CONTACT_PREFERENCES",
    "FIELDS_BY_NEED",
    "Consent",
    "ReferralFacts",
    "ReferralPackage",
    "ReferralRefusedError",
    "build_package",
    "fields_for",
]

COMMON_FIELDS = ("language", "contact_preference", "urgency")
CONTACT_PREFERENCES = ("through_officer", "in_person", "phone")
_AGE_AND_GENDER = ("age_group", "gender")
FIELDS_BY_NEED: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "shelter": _AGE_AND_GENDER,  # shelters are separated by age and gender
        "medical": _AGE_AND_GENDER,
        "psychosocial": ("age_group",),
        "legal": ("age_group",),  # a child needs a guardian's or a child lawyer's procedure
        "documents_consular": (),
        "child_protection": _AGE_AND_GENDER,
        "interpretation": (),
        "safe_return": ("age_group",),
        "reintegration": ("age_group",),
        "labour_rights": (),
        "immigration_status": ("age_group",),  # the reflection period differs for children
    }
)


class ReferralRefusedError(WaypointError):
    """A referral cannot be made as asked; the message says why and what to do."""

    code = "WP-REFERRAL-020"
    what = N_("This referral cannot be made.")
    todo = N_("Check the service and the person's consent, then try again.")


@dataclass(frozen=True)
class ReferralFacts:
    """What the vault kept of a finished interview that a package may draw on (never answers)."""

    needs: tuple[str, ...]
    emergency: tuple[str, ...]
    language: str | None
    age_group: str | None
    gender: str | None


@dataclass(frozen=True)
class Consent:
    """Why the package may be shared: the person agreed, or a mandatory child-protection referral."""

    basis: str  # "consent" | "mandatory_child_protection"
    legal_basis: str | None = None

    @classmethod
    def given(cls) -> Consent:
        return cls("consent")

    @classmethod
    def mandatory(cls, legal_basis: str) -> Consent:
        """A referral the law requires without consent (a child at risk), with its legal basis text."""
        if not legal_basis.strip():
            raise ReferralRefusedError(
                N_("A mandatory child-protection referral needs the organisation's legal basis text."),
                N_("Ask your coordinator to set it, or refer only with the person's consent."),
            )
        return cls("mandatory_child_protection", legal_basis.strip())

    def to_dict(self) -> dict[str, Any]:
        return {"basis": self.basis, **({"legal_basis": self.legal_basis} if self.legal_basis else {})}


def fields_for(
    service_needs: frozenset[str], person_needs: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The needs a package is for, and the fields it may carry (common first, then by need).

    A service whose needs are not mapped (empty) is sent for no need: common fields only.
    """
    needs = tuple(need for need in person_needs if need in service_needs and need in NEED_CODES)
    fields = list(COMMON_FIELDS)
    for need in needs:
        fields.extend(name for name in FIELDS_BY_NEED.get(need, ()) if name not in fields)
    return needs, tuple(fields)


@dataclass(frozen=True)
class ReferralPackage:
    """A referral package as the partner and the organisation open it."""

    document: Mapping[str, Any]

    def to_json(self) -> bytes:
        return json.dumps(self.document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def build_package(
    facts: ReferralFacts,
    service: Service,
    *,
    referral_id: str,
    device_id: str,
    consent: Consent,
    contact_preference: str,
    created_at: datetime | None = None,
) -> ReferralPackage:
    """The minimised package for one service (see the module docstring).

    Raises:
        ReferralRefusedError: the service has no enrolled partner, or the contact preference is unknown.
    """
    if service.partner is None:
        raise ReferralRefusedError(
            N_("Service {service_id} cannot receive referrals through Waypoint."),
            N_("Give the person its contact card instead (information only)."),
            service_id=service.id,
        )
    if contact_preference not in CONTACT_PREFERENCES:
        raise ReferralRefusedError(
            N_("Unknown contact preference {value}."),
            N_("Use one of: through_officer, in_person, phone."),
            value=contact_preference,
        )
    needs, names = fields_for(service.needs, facts.needs)
    values: dict[str, Any] = {
        "language": facts.language,
        "contact_preference": contact_preference,
        "urgency": "immediate" if facts.emergency else "soon",
        "age_group": None if facts.age_group in (None, "unknown") else facts.age_group,
        "gender": facts.gender,
    }
    fields = {name: values[name] for name in names if values.get(name) is not None}
    when = (created_at or datetime.now(UTC)).astimezone(UTC)
    return ReferralPackage(
        {
            "format": REFERRAL_FORMAT,
            "referral_id": referral_id,
            "device_id": device_id,
            "partner_id": service.partner.partner_id,
            "organization_id": service.organization_id,
            "service_id": service.id,
            "needs": list(needs),
            "fields": fields,
            "consent": consent.to_dict(),
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )
