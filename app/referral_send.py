"""Refer a finished interview to one service of the directory: the one path the app and the CLI share.

Works from what the vault keeps of a finished interview (its outcome summary) and the organisation-signed
directory the device holds. With consent (or a mandatory child-protection referral with its legal basis)
the minimised package (docs/referral.md) is sealed to the service's partner and to the organisation and
queued for the next sync. Without consent nothing is sealed or sent: the referral is recorded as
information only. Blocking (vault and crypto): the app runs it off the event loop.

    sent = send_referral(vault, interview_id, service_id, consent="yes")
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from app.vault import Vault
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = ["ReferralSent", "send_referral"]


@dataclass(frozen=True)
class ReferralSent:
    """What was recorded: the referral's id, the organisation, and whether anything will be sent."""

    referral_id: str
    organization_name: str
    kind: Literal["referral", "mandatory", "information_only"]


def send_referral(
    vault: Vault,
    interview_id: str,
    service_id: str,
    *,
    consent: Literal["yes", "no"],
    contact_preference: str = "through_officer",
    mandatory: bool = False,
    legal_basis: str | None = None,
) -> ReferralSent:
    """Record a referral of `interview_id` to `service_id` in the unlocked `vault` (see the module).

    Raises:
        ConfigError: the device is not enrolled, or holds no directory yet.
        ReferralRefusedError: the service cannot receive referrals (no partner), or the package is refused.
        InterviewError: the vault keeps no finished summary for `interview_id`.
    """
    from referral.directory.device import held_directory
    from referral.package import Consent, ReferralFacts, ReferralRefusedError, build_package
    from sync.referral_seal import seal_referral

    enrollment = vault.device_store.load_enrollment()
    signing_key = vault.device_store.device_signing_key()
    if enrollment is None or signing_key is None:
        raise ConfigError(
            N_("This device is not enrolled, so it cannot refer anyone."),
            N_("Run `waypoint enroll join` with the code from your coordinator first."),
        )
    directory = held_directory(vault.device_store, vault.directory_store)
    if directory is None:
        raise ConfigError(
            N_("This device has no directory of services yet."),
            N_("Run `waypoint sync` with WAYPOINT_PIN to fetch it, then try again."),
        )
    service = directory.service(service_id)
    summary = vault.finished_summary(interview_id)
    facts = ReferralFacts(
        needs=tuple(summary.referral_needs),
        emergency=tuple(summary.emergency),
        language=summary.respondent_language,
        age_group=summary.age_group,
        gender=summary.gender,
    )
    referral_id = str(uuid.uuid4())
    record: dict[str, Any] = {
        "interview_id": interview_id,
        "service_id": service.id,
        "service_name": service.name,
        "organization_id": service.organization_id,
        "organization_name": service.organization_name,
        "directory_version": directory.version,
    }
    if mandatory:
        basis = Consent.mandatory(legal_basis or "")
    elif consent == "yes":
        basis = Consent.given()
    else:
        vault.referrals.information_only(referral_id, {**record, "consent": {"basis": "none"}})
        return ReferralSent(referral_id, service.organization_name, "information_only")
    if service.partner is None:
        raise ReferralRefusedError(
            N_("Service {service_id} cannot receive referrals through Waypoint."),
            N_("Give the person its contact card instead (information only)."),
            service_id=service.id,
        )
    package = build_package(
        facts,
        service,
        referral_id=referral_id,
        device_id=enrollment.device_id,
        consent=basis,
        contact_preference=contact_preference,
    )
    copies = seal_referral(
        package.to_json(),
        referral_id=referral_id,
        device_id=enrollment.device_id,
        partner_id=service.partner.partner_id,
        partner_sealing_key=service.partner.sealing_public_key,
        organisation_public_key=enrollment.organisation_public_key,
        device_signing_key=signing_key,
    )
    vault.referrals.queue(
        referral_id,
        {
            **record,
            "needs": list(package.document["needs"]),
            "fields_shared": sorted(package.document["fields"]),
            "consent": basis.to_dict(),
        },
        partner_id=service.partner.partner_id,
        partner_signing_key=service.partner.signing_public_key,
        for_partner=copies.for_partner,
        for_organisation=copies.for_organisation,
    )
    return ReferralSent(referral_id, service.organization_name, "mandatory" if mandatory else "referral")
