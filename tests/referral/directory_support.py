"""Building HSDS 3.0 services with Waypoint's fields, for the referral tests."""

from __future__ import annotations

import uuid
from typing import Any

from referral.directory.hsds import with_waypoint_fields
from referral.directory.model import Service


def hsds_service(entry: Service, *, status: str = "active") -> dict[str, Any]:
    """A minimal valid HSDS service carrying `entry`'s fields (plain HSDS and Waypoint attributes)."""
    service: dict[str, Any] = {
        "id": entry.id,
        "name": entry.name,
        "status": status,
        "organization": {
            "id": entry.organization_id,
            "name": entry.organization_name,
            "description": f"{entry.organization_name}, a partner organisation",
        },
        "languages": [
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{entry.id}/{code}")), "code": code}
            for code in entry.languages
        ],
        "phones": [
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{entry.id}/{number}")), "number": number}
            for number in entry.phones
        ],
    }
    if entry.last_verified is not None:
        service["assured_date"] = entry.last_verified.isoformat()
    return with_waypoint_fields(service, entry)


def new_id() -> str:
    return str(uuid.uuid4())
