"""The enrolled partners' keys the directory carries: only those the organisation vouched for.

`directory import` calls `enrolled_partner_keys` with the organisation's private key(s) and writes
each partner's keys into its HSDS organisation's Waypoint attributes before signing, so devices learn
a partner's keys only from the organisation-signed directory (`sync.desk.partners` checks the
vouching).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from referral.directory.model import PartnerKeys
from sync.desk.partners import vouched_partners

__all__ = ["enrolled_partner_keys"]


def enrolled_partner_keys(
    database_url: str, organisation_keys: Sequence[X25519PrivateKey]
) -> dict[str, PartnerKeys]:
    """HSDS organization id → the keys of its enrolled, active, vouched partner.

    Raises:
        ConfigError: `database_url` is not a referral server's database.
    """
    return {
        organization_id: PartnerKeys(
            partner_id=partner.partner_id,
            sealing_public_key=partner.sealing_public_key,
            signing_public_key=partner.signing_public_key,
        )
        for organization_id, partner in vouched_partners(database_url, organisation_keys).items()
    }
