"""The coordinator's desk with every part: the engine's explanation, minimised packages and the directory.

`sync.desk.coordinator.CoordinatorDesk` lives in `sync`, which may import neither the protocol engine nor
`referral` (the import-linter layers); this module, one layer up, gives it those parts:

* `engine_explanation`: the recorded answers re-evaluated by the protocol engine
  (`screening_protocols.runner.run_answers`, as `waypoint protocol run --json`), each indicator with
  its label, Palermo element, ILO/EC dimension, strength and the question and answer that raised it.
* `package_for`: the minimised package (`referral.package.build_package`) for the chosen service.
* `WorkingDirectory`: the directory's working copy, in memory, imported from HSDS, edited, marked
  verified, and signed with the organisation key on publish (`referral.directory.signed`).

    desk = open_coordinator_desk(server_url, organisation_key, language="en")
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from referral.directory.errors import DirectoryProblem, InvalidDirectoryError, UnknownServiceError
from referral.directory.hsds import problems_of, service_from_hsds, services_of
from referral.directory.model import DEFAULT_VERIFICATION_DAYS, PartnerKeys, Service
from referral.directory.signed import document_services, import_directory
from referral.package import Consent, ReferralFacts, build_package
from screening_protocols.errors import ProtocolError
from screening_protocols.library import get_protocol
from screening_protocols.runner import run_answers
from screening_protocols.translations import render_outcome_labels
from sync.desk.coordinator import (
    CaseExplanation,
    CoordinatorDesk,
    PackageOrder,
    recorded_explanation,
)
from sync.desk.partners import VouchedPartner
from sync.desk.service import DirectoryEntryView, IndicatorLine
from sync.sealed import SealedInterview
from waypoint.core.errors import WaypointError

__all__ = [
    "WorkingDirectory",
    "engine_explanation",
    "level_labels",
    "open_coordinator_desk",
    "package_for",
]

EDITABLE = frozenset({"name", "description", "email", "url"})


def engine_explanation(language: str = "en") -> Callable[[SealedInterview], CaseExplanation]:
    """An explainer in `language`: the recorded answers run through the engine (the recorded outcome
    when the protocol is not in this installation's library or the answers no longer fit it)."""

    def explain(document: SealedInterview) -> CaseExplanation:
        try:
            protocol = get_protocol(document.protocol_id)
            result = run_answers(protocol, dict(document.answers)).cli_json(language)
        except (ProtocolError, WaypointError, KeyError):
            return recorded_explanation(document)
        lines = tuple(
            IndicatorLine(
                indicator_id=str(item["id"]),
                label=str(item["label"]),
                element=str(item["element"]),
                ilo_dimension=None if item["dimension"] is None else str(item["dimension"]),
                strength=str(item["strength"]),
                because="; ".join(f'"{b["text"]}" {b["answer"]}' for b in item["because"]),
            )
            for item in result["indicators"]
        )
        return CaseExplanation(
            level_label=str(result["headline"]),
            headline=str(result["headline"]),
            indicators=lines,
            referral_needs=tuple(str(need) for need in result["referral_needs"]),
            unknown=tuple(str(qid) for qid in result["unknown"]),
        )

    return explain


def level_labels(language: str = "en") -> Callable[[str, str], str]:
    """(protocol id, level id) -> the level's headline in `language` (the level id when unknown)."""

    @functools.lru_cache(maxsize=256)
    def label(protocol_id: str, level: str) -> str:
        try:
            protocol = get_protocol(protocol_id)
            words = render_outcome_labels(
                protocol, language, level=level, indicator_ids=(), referral_needs=()
            )
        except (ProtocolError, WaypointError, ValueError):
            return level
        return words.headline.text

    return label


def _facts(document: SealedInterview) -> ReferralFacts:
    outcome: Mapping[str, Any] = document.outcome or {}
    facts: Mapping[str, Any] = outcome.get("facts") or {}
    age = facts.get("age")
    child = bool(outcome.get("child_rule"))
    age_group = (
        "child"
        if child
        else ("unknown" if not isinstance(age, int | float) else ("child" if age < 18 else "adult"))
    )
    gender = facts.get("gender")
    return ReferralFacts(
        needs=tuple(str(need) for need in outcome.get("referral_needs") or ()),
        emergency=tuple(str(flag) for flag in outcome.get("emergency") or ()),
        language=document.respondent_language,
        age_group=age_group,
        gender=None if gender is None else str(gender),
    )


def package_for(directory: WorkingDirectory | None) -> Callable[[SealedInterview, PackageOrder], bytes]:
    """A packager: `build_package` for the chosen service of `directory`. A service the directory does
    not hold (or none chosen) is one whose needs are not mapped: the common fields only."""

    def package(document: SealedInterview, order: PackageOrder) -> bytes:
        if directory is not None and order.service_id is not None and directory.has(order.service_id):
            chosen = directory.service(order.service_id)
        else:
            chosen = Service(order.service_id or "", "", order.organization_id, "")
        # Only the partner's id goes into the package; its keys come from the server's vouched list.
        service = replace(chosen, partner=PartnerKeys(order.partner_id, b"", b""))
        consent = Consent.given() if order.consent == "given" else Consent.mandatory(order.legal_basis)
        built = build_package(
            _facts(document),
            service,
            referral_id=order.referral_id,
            device_id=order.sender_id,
            consent=consent,
            contact_preference="through_officer",
        )
        return built.to_json()

    return package


class WorkingDirectory:
    """The directory being edited at the desk: HSDS services in memory, signed only on publish."""

    def __init__(self, max_age_days: int = DEFAULT_VERIFICATION_DAYS) -> None:
        self._services: list[dict[str, Any]] = []
        self._max_age_days = max_age_days

    def load(self, document: bytes) -> None:
        """Start from a published version (its services, as signed)."""
        self._services = [dict(service) for service in document_services(document)]

    def import_hsds(self, content: bytes) -> int:
        """Replace the working copy with an HSDS 3.0 file's services; how many.

        Raises:
            InvalidDirectoryError: every problem, with its JSON path; the working copy is unchanged.
        """
        try:
            data = json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InvalidDirectoryError([DirectoryProblem("$", "not a JSON file")]) from None
        services, prefix, problems = services_of(data)
        problems += problems_of(services, prefix)
        if problems:
            raise InvalidDirectoryError(problems)
        self._services = [dict(service) for service in services]
        return len(self._services)

    def has(self, service_id: str) -> bool:
        return any(service.get("id") == service_id for service in self._services)

    def service(self, service_id: str) -> Service:
        return service_from_hsds(self._raw(service_id))

    def _raw(self, service_id: str) -> dict[str, Any]:
        for service in self._services:
            if service.get("id") == service_id:
                return service
        raise UnknownServiceError(service_id=service_id, version=0)

    def entries(self, partners: Mapping[str, str]) -> list[DirectoryEntryView]:
        """Every service as the desk lists it; `partners`: HSDS organization id -> partner id."""
        return [self._view(service_from_hsds(raw), partners) for raw in self._services]

    def _view(self, service: Service, partners: Mapping[str, str]) -> DirectoryEntryView:
        today = date.today()
        return DirectoryEntryView(
            service_id=service.id,
            name=service.name,
            organization=service.organization_name,
            needs=tuple(sorted(service.needs)),
            languages=service.languages,
            area=", ".join("/".join(filter(None, (a.country, a.region, a.city))) for a in service.areas),
            always_open=service.open_24_7,
            last_verified=service.last_verified,
            stale=service.is_stale(today, self._max_age_days),
            partner_id=partners.get(service.organization_id),
        )

    def update(self, service_id: str, changes: Mapping[str, object]) -> DirectoryEntryView:
        """Change plain HSDS fields of one service (name, description, email, url).

        Raises:
            InvalidDirectoryError: another field, or a value that is not text.
        """
        raw = self._raw(service_id)
        wrong = [
            name for name, value in changes.items() if name not in EDITABLE or not isinstance(value, str)
        ]
        if wrong:
            raise InvalidDirectoryError(
                [DirectoryProblem(f"$.{name}", "not editable at the desk") for name in wrong]
            )
        raw.update(changes)
        return self._view(service_from_hsds(raw), {})

    def mark_verified(self, service_id: str, on: date) -> DirectoryEntryView:
        raw = self._raw(service_id)
        raw["assured_date"] = on.isoformat()
        return self._view(service_from_hsds(raw), {})

    def signed(
        self, version: int, key: X25519PrivateKey, partners: Mapping[str, VouchedPartner]
    ) -> tuple[bytes, bytes]:
        """This working copy signed as `version`, with the vouched partners' keys written in."""
        keys = {
            organization: PartnerKeys(p.partner_id, p.sealing_public_key, p.signing_public_key)
            for organization, p in partners.items()
        }
        _directory, signed = import_directory(
            self._services, version=version, organisation_key=key, partners=keys
        )
        return signed.document, signed.signature


def open_coordinator_desk(
    server_url: str,
    organisation_key: X25519PrivateKey,
    *,
    language: str = "en",
    transport: httpx.BaseTransport | None = None,
    code_server_url: str | None = None,
    htcds: Any = None,
    insecure_http: bool = False,
) -> CoordinatorDesk:
    """A `CoordinatorDesk` with the engine's explanations, minimised packages and a working directory.

    `htcds`: the HTCDS export (`interop` is a layer above: the caller passes it, or leaves it out).
    """
    directory = WorkingDirectory()
    return CoordinatorDesk(
        server_url,
        organisation_key,
        transport=transport,
        code_server_url=code_server_url,
        explain=engine_explanation(language),
        label_level=level_labels(language),
        packager=package_for(directory),
        directory=directory,
        htcds=htcds,
        insecure_http=insecure_http,
    )
