"""Matching on the device: from an outcome's referral needs and the person, the services to offer.

Works on the directory the device holds, with no connection. A service is offered when it

1. is active (HSDS `status`), and serves at least one of the needs (a service whose needs are not yet
   mapped is never matched: the officer may still choose it by name, `Directory.service`);
2. speaks the person's language (same language or same base language: `pt-BR` ~ `pt`) or provides an
   interpreter (when the person's language is known);
3. is open to the person's age group and gender (no restriction = open to all);
4. covers the person's area (when both are known; a service that states no area is kept, ranked after
   those that do).

Ranked: open 24/7 first, then more of the needs served, then in the person's language before through
an interpreter, then a confirmed area before an unstated one, then verified before past its
verification age, then by name. Each match carries what will and will not happen, in the person's
language where the entry gives it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from referral.directory.model import DEFAULT_VERIFICATION_DAYS, Directory, Service

__all__ = ["Match", "Person", "match_services"]


@dataclass(frozen=True)
class Person:
    """What matching needs to know about the person (nothing else is used or kept).

    Attributes:
        language: BCP-47 code of the language the person speaks (None: not known).
        age_group: "child" or "adult" (None: not known; then only services open to all ages match).
        gender: "female", "male" or "other" (None: not known; then only services open to all match).
        country: ISO 3166-1 alpha-2 code of where the person is (None: anywhere).
        region: region within the country, when known.
        city: city, when known.
    """

    language: str | None = None
    age_group: str | None = None
    gender: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class Match:
    """One service offered, and why."""

    service: Service
    needs: frozenset[str]  # the person's needs it serves
    language: Literal["spoken", "interpreter", "unknown"]
    area_confirmed: bool  # False: the service states no area (or the person's area is not known)
    stale: bool  # past the organisation's verification age
    will_happen: str | None
    will_not_happen: str | None


def match_services(
    directory: Directory,
    needs: Iterable[str],
    person: Person,
    *,
    today: date,
    verification_days: int = DEFAULT_VERIFICATION_DAYS,
    limit: int | None = None,
) -> list[Match]:
    """The services that fit `needs` and `person`, best first (see the module's rules)."""
    wanted = frozenset(needs)
    language = person.language.casefold() if person.language else None
    base = language.split("-")[0] if language else None
    matches: list[tuple[tuple[object, ...], Match]] = []
    for service in directory.serving(wanted):
        if not service.active:
            continue
        served = service.needs & wanted
        spoken = language is not None and (language in service.spoken or base in service.spoken)
        if language is not None and not spoken and not service.interpreter:
            continue
        if service.age_groups and person.age_group not in service.age_groups:
            continue
        if service.genders and person.gender not in service.genders:
            continue
        area_confirmed = False
        if person.country is not None and service.areas:
            if not any(area.covers(person.country, person.region, person.city) for area in service.areas):
                continue
            area_confirmed = True
        stale = service.is_stale(today, verification_days)
        kind: Literal["spoken", "interpreter", "unknown"] = (
            "unknown" if language is None else "spoken" if spoken else "interpreter"
        )
        match = Match(
            service=service,
            needs=served,
            language=kind,
            area_confirmed=area_confirmed,
            stale=stale,
            will_happen=service.will_happen_in(person.language or "en"),
            will_not_happen=service.will_not_happen_in(person.language or "en"),
        )
        rank = (
            not service.open_24_7,
            -len(served),
            kind == "interpreter",
            not area_confirmed,
            stale,
            service.name,
        )
        matches.append((rank, match))
    matches.sort(key=lambda ranked: ranked[0])
    found = [match for _rank, match in matches]
    return found if limit is None else found[:limit]
