"""The referral package holds only what the chosen service's needs require (docs/referral.md)."""

from __future__ import annotations

import json

import pytest

from referral.directory.model import PartnerKeys, Service
from referral.package import (
    COMMON_FIELDS,
    Consent,
    ReferralFacts,
    ReferralRefusedError,
    build_package,
    fields_for,
)

PARTNER = PartnerKeys("partner-1", b"\x01" * 32, b"\x02" * 32)
FACTS = ReferralFacts(
    needs=("shelter", "legal"), emergency=(), language="ro", age_group="adult", gender="female"
)


def _service(needs: frozenset[str], partner: PartnerKeys | None = PARTNER) -> Service:
    return Service(
        id="svc-1", name="Night shelter", organization_id="org-1", organization_name="Partner", needs=needs,
        partner=partner,
    )  # fmt: skip


def _fields(service: Service, facts: ReferralFacts = FACTS) -> dict[str, object]:
    package = build_package(
        facts, service, referral_id="r-1", device_id="d-1", consent=Consent.given(),
        contact_preference="through_officer",
    )  # fmt: skip
    document = json.loads(package.to_json())
    fields: dict[str, object] = document["fields"]
    return fields


def test_rf001_shelter_adds_age_group_and_gender_only() -> None:
    assert _fields(_service(frozenset({"shelter"}))) == {
        "language": "ro", "contact_preference": "through_officer", "urgency": "soon",
        "age_group": "adult", "gender": "female",
    }  # fmt: skip


def test_rf002_an_unmapped_service_gets_the_common_fields_for_no_need() -> None:
    needs, names = fields_for(frozenset(), FACTS.needs)
    assert needs == () and names == COMMON_FIELDS
    assert set(_fields(_service(frozenset()))) == set(COMMON_FIELDS)


def test_rf003_needs_the_service_does_not_serve_add_nothing() -> None:
    assert set(_fields(_service(frozenset({"documents_consular"})))) == set(COMMON_FIELDS)
    assert set(_fields(_service(frozenset({"legal"})))) == {*COMMON_FIELDS, "age_group"}


def test_rf004_unknown_values_are_left_out_and_emergencies_are_immediate() -> None:
    facts = ReferralFacts(
        needs=("shelter",), emergency=("in_danger",), language="ro", age_group="unknown", gender=None
    )
    fields = _fields(_service(frozenset({"shelter"})), facts)
    assert fields == {"language": "ro", "contact_preference": "through_officer", "urgency": "immediate"}


def test_rf005_no_partner_or_no_legal_basis_is_refused() -> None:
    with pytest.raises(ReferralRefusedError):
        _fields(_service(frozenset({"shelter"}), partner=None))
    with pytest.raises(ReferralRefusedError):
        Consent.mandatory("   ")
    assert Consent.mandatory("Child Act s.12").to_dict() == {
        "basis": "mandatory_child_protection",
        "legal_basis": "Child Act s.12",
    }
