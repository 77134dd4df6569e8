"""The partners the organisation vouched for, read from the server's database by the case desk.

A partner's keys reach devices only through the organisation-signed directory. Before signing, the
desk takes from the server only the partners whose keys and organization id carry the organisation's
vouching (`sync.code_authority.partner_key_material`, made with an authorised partner code): a key the
server's operator put in the database, or moved to another organization id, is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.code_authority import VouchedKey, partner_key_material, vouched_keys
from sync.server.reading import StoredPartner, SubmissionReader

__all__ = ["VouchedPartner", "vouched_partners", "vouched_partners_from"]


@dataclass(frozen=True)
class VouchedPartner:
    """An enrolled, active partner whose keys the organisation vouched for."""

    partner_id: str
    organization_id: str
    sealing_public_key: bytes  # raw X25519
    signing_public_key: bytes  # raw Ed25519


def vouched_partners(
    database_url: str, organisation_keys: Sequence[X25519PrivateKey]
) -> dict[str, VouchedPartner]:
    """HSDS organization id → its newest active partner whose enrollment the organisation vouched for.

    Raises:
        ConfigError: `database_url` is not a referral server's database.
    """
    with SubmissionReader.open(database_url) as reader:
        return vouched_partners_from(reader.partners(), organisation_keys)


def vouched_partners_from(
    partners: Sequence[StoredPartner], organisation_keys: Sequence[X25519PrivateKey]
) -> dict[str, VouchedPartner]:
    """As `vouched_partners`, over partners already read."""
    found: dict[str, VouchedPartner] = {}
    for partner in partners:
        if partner.status != "active":
            continue
        material = partner_key_material(
            partner.organization_id, partner.signing_public_key, partner.sealing_public_key
        )
        if vouched_keys([VouchedKey(material, partner.code_id, partner.key_proof)], organisation_keys):
            found[partner.organization_id] = VouchedPartner(
                partner.partner_id,
                partner.organization_id,
                partner.sealing_public_key,
                partner.signing_public_key,
            )
    return found
