"""The directory of services as the device and the organisation use it: plain, frozen values.

A `Directory` is what one signed import made (its `version` grows with every import); each `Service`
is one HSDS 3.0 service read into the fields matching needs (`referral.directory.hsds` reads and writes
them). Empty sets mean "any" for eligibility (`age_groups`, `genders`) and "not yet mapped" for
`needs`: a service from a plain HSDS directory serves no need until a coordinator maps it, but an
officer may still choose it by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from types import MappingProxyType

from referral.directory.errors import UnknownServiceError

__all__ = [
    "AGE_GROUPS",
    "DEFAULT_VERIFICATION_DAYS",
    "GENDERS",
    "Area",
    "Directory",
    "PartnerKeys",
    "Service",
]

AGE_GROUPS = frozenset({"child", "adult"})  # child: under 18
GENDERS = frozenset({"female", "male", "other"})
DEFAULT_VERIFICATION_DAYS = 180  # an entry not verified for longer is flagged (organisation setting)


@dataclass(frozen=True)
class PartnerKeys:
    """The public keys of the partner organisation that receives referrals for a service.

    Attributes:
        partner_id: the partner's id on the referral server (given at its enrollment).
        sealing_public_key: raw X25519 public key (32 bytes); referral packages are sealed to it (HPKE,
            as `sync.envelope` seals interviews).
        signing_public_key: raw Ed25519 public key (32 bytes); the partner's status changes are signed
            with it.
    """

    partner_id: str
    sealing_public_key: bytes
    signing_public_key: bytes


@dataclass(frozen=True)
class Area:
    """Where a service is offered: a country (ISO 3166-1 alpha-2), optionally one region and city."""

    country: str
    region: str | None = None
    city: str | None = None

    def covers(self, country: str, region: str | None = None, city: str | None = None) -> bool:
        """True when a person in (`country`, `region`, `city`) is inside this area.

        An area without a region covers the whole country; one without a city, the whole region. A
        person whose region or city is unknown is covered only by an area as wide as what is known.
        """
        if self.country.upper() != country.upper():
            return False
        if self.region is not None and (region is None or self.region.casefold() != region.casefold()):
            return False
        return self.city is None or (city is not None and self.city.casefold() == city.casefold())


@dataclass(frozen=True)
class Service:
    """One service of the directory, with what matching and the contact card need.

    Attributes:
        id: the HSDS service id.
        name: the service's public name.
        organization_id: the HSDS id of the organisation providing it.
        organization_name: that organisation's name.
        active: HSDS `status` is "active" (an inactive, defunct or closed service is never matched).
        needs: Waypoint need codes it serves (`referral.needs`); empty = not yet mapped.
        languages: BCP-47 codes of languages spoken by its staff (not through an interpreter).
        interpreter: it provides interpretation for other languages.
        age_groups: "child" and/or "adult"; empty = any age.
        genders: "female", "male", "other"; empty = any.
        areas: where it is offered; empty = not stated.
        open_24_7: it can be reached at any hour.
        phones: phone numbers, most important first.
        will_happen: language -> what the person can expect (where given).
        will_not_happen: language -> what will not happen (no promises the service cannot keep).
        last_verified: when the entry was last checked (HSDS `assured_date`).
        partner: the receiving partner's keys, when the organisation is an enrolled partner.
    """

    id: str
    name: str
    organization_id: str
    organization_name: str
    active: bool = True
    needs: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()
    interpreter: bool = False
    age_groups: frozenset[str] = frozenset()
    genders: frozenset[str] = frozenset()
    areas: tuple[Area, ...] = ()
    open_24_7: bool = False
    phones: tuple[str, ...] = ()
    will_happen: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    will_not_happen: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    last_verified: date | None = None
    partner: PartnerKeys | None = None

    @cached_property
    def spoken(self) -> frozenset[str]:
        """The service's language codes and their base languages, case-folded (`pt-BR` -> pt-br, pt)."""
        codes = {code.casefold() for code in self.languages}
        return frozenset(codes | {code.split("-")[0] for code in codes})

    @property
    def needs_mapped(self) -> bool:
        """False while a coordinator has not yet said which needs the service serves."""
        return bool(self.needs)

    def is_stale(self, today: date, max_age_days: int = DEFAULT_VERIFICATION_DAYS) -> bool:
        """True when the entry was never verified or was verified more than `max_age_days` ago."""
        return self.last_verified is None or today - self.last_verified > timedelta(days=max_age_days)

    def will_happen_in(self, language: str) -> str | None:
        """What will happen, in `language` (or its base language, then English), if the entry says."""
        return _in_language(self.will_happen, language)

    def will_not_happen_in(self, language: str) -> str | None:
        """What will not happen, in `language` (or its base language, then English), if the entry says."""
        return _in_language(self.will_not_happen, language)


@dataclass(frozen=True)
class Directory:
    """One signed version of the organisation's directory.

    Attributes:
        version: grows by one with every import; a device keeps only a newer one.
        issued_at: when the organisation signed it (UTC).
        services: every service, in the order of the imported file.
    """

    version: int
    issued_at: datetime
    services: tuple[Service, ...]

    def service(self, service_id: str) -> Service:
        """The service with this HSDS id.

        Raises:
            UnknownServiceError: no service of this directory has that id.
        """
        found = self._by_id.get(service_id)
        if found is None:
            raise UnknownServiceError(service_id=service_id, version=self.version)
        return found

    def serving(self, needs: frozenset[str]) -> list[Service]:
        """The services that serve at least one of `needs`, in directory order (an index, built once)."""
        positions = sorted({i for need in needs for i in self._by_need.get(need, ())})
        return [self.services[i] for i in positions]

    @cached_property
    def _by_id(self) -> dict[str, Service]:
        return {service.id: service for service in self.services}

    @cached_property
    def _by_need(self) -> dict[str, tuple[int, ...]]:
        index: dict[str, list[int]] = {}
        for position, service in enumerate(self.services):
            for need in service.needs:
                index.setdefault(need, []).append(position)
        return {need: tuple(positions) for need, positions in index.items()}

    def stale(self, today: date, max_age_days: int = DEFAULT_VERIFICATION_DAYS) -> tuple[Service, ...]:
        """The services whose entries are past the verification age."""
        return tuple(service for service in self.services if service.is_stale(today, max_age_days))


def _in_language(texts: Mapping[str, str], language: str) -> str | None:
    base = language.split("-")[0]
    for candidate in (language, base, "en"):
        if candidate in texts:
            return texts[candidate]
    return None
