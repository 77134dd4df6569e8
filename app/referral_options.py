"""What the referral screen offers for one finished interview: the matching services and the choices made.

Loaded in one thread hop (vault and signature check) before the screen shows; the screen does no I/O.
The services come from the organisation-signed directory the device holds, matched on the device
(`referral.matching`) against the outcome's referral needs and the person (language, age group, gender),
24/7 first. Services whose needs are not yet mapped are listed apart: the officer may still choose one.
A child's outcome with a child-protection need makes a referral to a child-protection service mandatory
(recorded as such, with its legal basis, never silently).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from app.vault import Vault
from referral.directory.model import Service
from referral.matching import Match, Person, match_services

__all__ = ["CHILD_PROTECTION", "ReferralOptions", "load_referral_options"]

CHILD_PROTECTION = "child_protection"
MAX_UNMAPPED = 20  # services not yet mapped, listed for an explicit choice (a directory may hold many)


@dataclass(frozen=True)
class ReferralOptions:
    """The referral screen's content for one interview (replaced, never changed in place).

    Attributes:
        interview_id: the finished interview.
        language: the respondent's language (the contact card is in it).
        needs: the outcome's referral needs.
        child: the child rule applied.
        has_directory: the device holds a directory of services.
        matches: the matching services, best first.
        unmapped: services whose needs are not yet mapped (chosen explicitly, minimal package).
        decided: service id -> "referral" | "mandatory" | "information_only", once recorded.
        card: the service whose contact card is shown, if any.
    """

    interview_id: str
    language: str
    needs: tuple[str, ...]
    child: bool
    has_directory: bool
    matches: tuple[Match, ...] = ()
    unmapped: tuple[Service, ...] = ()
    decided: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    card: str | None = None

    def service(self, service_id: str) -> Service | None:
        for match in self.matches:
            if match.service.id == service_id:
                return match.service
        return next((service for service in self.unmapped if service.id == service_id), None)

    def mandatory(self, service: Service) -> bool:
        """A child at risk and a child-protection service: the referral is required by law."""
        return self.child and CHILD_PROTECTION in self.needs and CHILD_PROTECTION in service.needs


def load_referral_options(vault: Vault, interview_id: str, today: date) -> ReferralOptions:
    """Match the held directory against what the vault keeps of `interview_id` (blocking)."""
    from referral.directory.device import held_directory

    summary = vault.finished_summary(interview_id)
    language = summary.respondent_language or "en"
    directory = held_directory(vault.device_store, vault.directory_store)
    base = ReferralOptions(
        interview_id=interview_id,
        language=language,
        needs=tuple(summary.referral_needs),
        child=summary.child,
        has_directory=directory is not None,
    )
    if directory is None:
        return base
    person = Person(
        language=language,
        age_group=summary.age_group if summary.age_group != "unknown" else None,
        gender=summary.gender,
    )
    matches = match_services(directory, summary.referral_needs, person, today=today)
    unmapped = tuple(service for service in directory.services if not service.needs_mapped)
    return replace(base, matches=tuple(matches), unmapped=unmapped[:MAX_UNMAPPED])
