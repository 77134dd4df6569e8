"""A device that holds a signed directory of services, for the referral screen's view tests.

The organisation's key, an enrollment and a directory signed with that key are written straight into the
unlocked vault (no server: nothing is sent in these tests). Partner A serves every need in French and is
open at any hour; partner B speaks only German (not offered to a French speaker); C is a plain HSDS entry
from another system (needs not yet mapped, no partner).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from referral.directory.hsds import with_waypoint_fields
from referral.directory.model import PartnerKeys, Service
from referral.directory.signed import import_directory
from referral.needs import NEED_CODES
from sync.stores import Enrollment

WILL_HAPPEN_FR = "Un lit pour la nuit, un repas et un appel avec une assistante sociale."


@dataclass(frozen=True)
class HeldDirectory:
    services: dict[str, str]  # name -> service id
    partner_ids: dict[str, str]  # name -> partner id


def _hsds(entry: Service) -> dict[str, Any]:
    service: dict[str, Any] = {
        "id": entry.id,
        "name": entry.name,
        "status": "active",
        "organization": {"id": entry.organization_id, "name": entry.organization_name, "description": "x"},
        "languages": [{"id": str(uuid.uuid4()), "code": code} for code in entry.languages],
        "phones": [{"id": str(uuid.uuid4()), "number": number} for number in entry.phones],
    }
    return with_waypoint_fields(service, entry) if entry.needs else service


def hold_directory(vault: Any) -> HeldDirectory:
    """Enroll the unlocked `vault` offline and keep a directory of three services in it."""
    organisation = X25519PrivateKey.generate()
    vault.device_store.save_enrollment(
        Enrollment(
            server_url="http://127.0.0.1:9",
            device_id=str(uuid.uuid4()),
            organisation_public_key=organisation.public_key().public_bytes_raw(),
            organisation_key_id="ui-referral",
            receipt_public_key=Ed25519PrivateKey.generate().public_key().public_bytes_raw(),
            enrolled_at=datetime.now(UTC),
        ),
        Ed25519PrivateKey.generate().private_bytes_raw(),
    )
    services = {name: str(uuid.uuid4()) for name in ("A", "B", "C")}
    organisations = {name: str(uuid.uuid4()) for name in ("A", "B", "C")}
    partner_ids = {name: str(uuid.uuid4()) for name in ("A", "B")}
    entries = [
        Service(
            id=services["A"],
            name="Night shelter A",
            organization_id=organisations["A"],
            organization_name="Partner A",
            needs=NEED_CODES,
            languages=("fr",),
            open_24_7=True,
            phones=("+33 1 00 00 00 01",),
            will_happen={"fr": WILL_HAPPEN_FR, "en": "A bed for the night."},
            will_not_happen={"fr": "Personne ne contactera la police.", "en": "Nobody calls the police."},
        ),
        Service(
            id=services["B"],
            name="Legal aid B",
            organization_id=organisations["B"],
            organization_name="Partner B",
            needs=NEED_CODES,
            languages=("de",),
        ),
        Service(
            id=services["C"],
            name="Drop-in centre C",
            organization_id=organisations["C"],
            organization_name="Organisation C",
            phones=("+33 1 00 00 00 03",),
        ),
    ]
    partners = {
        organisations[name]: PartnerKeys(
            partner_ids[name],
            X25519PrivateKey.generate().public_key().public_bytes_raw(),
            Ed25519PrivateKey.generate().public_key().public_bytes_raw(),
        )
        for name in ("A", "B")
    }
    _directory, signed = import_directory(
        [_hsds(entry) for entry in entries], version=1, organisation_key=organisation, partners=partners
    )
    vault.directory_store.save_directory(signed)
    return HeldDirectory(services, partner_ids)
