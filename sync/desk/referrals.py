"""The case desk's view of referrals: each one opened with the organisation's copy, and its history.

For every referral on the server, the organisation's sealed copy is opened with the organisation key
and its device signature checked against the device keys the organisation vouched for (as interviews,
`sync.desk.export`): a referral the server's operator sealed itself is refused. Each status change is
checked with its actor's key: a partner's with the keys the organisation vouched for that partner
(`sync.desk.partners`), a revocation with the sending device's. A change that does not verify is listed
as such and never counts. Decline reasons and completion notes, sealed to the organisation, are opened
here. One file per referral, `referrals/<referral id>.json`:

    {"referral_id": ..., "device_id": ..., "partner_id": ..., "received_at": "...Z",
     "status": <newest verified status>, "package": {...as the device sealed it...},
     "history": [{"status": "accepted", "at": "...Z", "by": "partner", "actor_id": ...,
                  "signature_verified": true, "detail": null}, ...]}
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.code_authority import VouchedKey, vouched_keys
from sync.desk.export import SAFE_FILE_STEM, write_private_file
from sync.desk.partners import vouched_partners_from
from sync.envelope import key_id_for, read_header
from sync.errors import EnvelopeError
from sync.referral_seal import (
    ReferralNotVerifiedError,
    StatusStatement,
    detail_digest,
    open_detail,
    open_referral,
    verify_status,
)
from sync.server.models import ReferralEventRow
from sync.server.reading import StoredPartner, StoredReferral, SubmissionReader

__all__ = [
    "REFERRALS_FOLDER",
    "ReferralExportReport",
    "ReferralSource",
    "export_referrals",
    "open_referrals",
]

REFERRALS_FOLDER = "referrals"


class ReferralSource(Protocol):
    """Where the desk reads referrals from: the server's database (`SubmissionReader`) or its API
    (`sync.desk.api_client.CoordinatorClient`)."""

    def referrals(self) -> list[StoredReferral]: ...

    def partners(self) -> list[StoredPartner]: ...

    def device_keys(self, device_id: str) -> Sequence[VouchedKey]: ...


@dataclass
class ReferralExportReport:
    written: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (referral id, reason)
    refused_statuses: int = 0


def _time(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_referrals(
    reader: SubmissionReader, private_keys: Sequence[X25519PrivateKey], out_dir: Path
) -> ReferralExportReport:
    """Write every referral the server holds to `out_dir/referrals/` (see the module docstring)."""
    report = ReferralExportReport()
    folder = Path(out_dir) / REFERRALS_FOLDER
    for item in open_referrals(reader, private_keys):
        if isinstance(item, tuple):
            report.failures.append(item)
            continue
        report.refused_statuses += sum(1 for event in item["history"] if not event["signature_verified"])
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        content = json.dumps(item, ensure_ascii=False, indent=1).encode()
        report.written.append(write_private_file(folder / f"{item['referral_id']}.json", content))
    return report


def open_referrals(
    reader: ReferralSource,
    private_keys: Sequence[X25519PrivateKey],
    *,
    trusted_senders: Mapping[str, bytes] | None = None,
) -> Iterator[dict[str, Any] | tuple[str, str]]:
    """Every referral the server holds, opened and checked (the document written per referral), or
    (referral id, reason) when it cannot be: what the export and the desk's aggregates both read.

    `trusted_senders`: sender id -> Ed25519 public key the desk knows itself (its own coordinator
    key, `sync.desk.coordinator_key`): a referral sent by that id is checked with that key only,
    never with keys the server lists for it."""
    referrals = reader.referrals()
    if not referrals:
        return
    partners = {p.partner_id: p for p in vouched_partners_from(reader.partners(), private_keys).values()}
    keys = {_key_id(key): key for key in private_keys}
    for stored in referrals:
        if not SAFE_FILE_STEM.fullmatch(stored.referral_id):
            yield (stored.referral_id, "unsafe_id")
            continue
        own = (trusted_senders or {}).get(stored.device_id)
        device_keys = (
            [own] if own is not None else vouched_keys(reader.device_keys(stored.device_id), private_keys)
        )
        try:
            key = keys.get(read_header(stored.for_organisation).key_id)
            if key is None:
                yield (stored.referral_id, "no_key")
                continue
            package = open_referral(
                stored.for_organisation,
                private_key=key,
                recipient="organisation",
                referral_id=stored.referral_id,
                device_id=stored.device_id,
                partner_id=stored.partner_id,
                device_public_keys=device_keys,
            )
        except EnvelopeError:
            yield (stored.referral_id, "does_not_open")
            continue
        except ReferralNotVerifiedError as error:
            yield (stored.referral_id, str(error.params["reason"]))
            continue
        partner = partners.get(stored.partner_id)
        history = [
            _event(event, stored, partner.signing_public_key if partner else None, device_keys, key)
            for event in stored.events
        ]
        verified = [item["status"] for item in history if item["signature_verified"]]
        yield {
            "referral_id": stored.referral_id,
            "device_id": stored.device_id,
            "partner_id": stored.partner_id,
            "received_at": _time(stored.received_at),
            "status": verified[-1] if verified else "sent",
            "package": package,
            "history": history,
        }


def _event(
    event: ReferralEventRow,
    stored: StoredReferral,
    partner_key: bytes | None,
    device_keys: list[bytes],
    key: X25519PrivateKey,
) -> dict[str, Any]:
    statement = StatusStatement(
        stored.referral_id, event.status, event.at, event.actor_id, event.detail_sha256
    )
    if event.actor_role == "partner":
        candidates = [partner_key] if partner_key is not None and event.actor_id == stored.partner_id else []
    else:
        candidates = device_keys if event.actor_id == stored.device_id else []
    if event.detail is not None and detail_digest(bytes(event.detail)) != event.detail_sha256:
        candidates = []  # the sealed detail was swapped: the signature covers another one
    verified = False
    for candidate in candidates:
        try:
            verify_status(statement, bytes(event.signature), candidate)
            verified = True
            break
        except ReferralNotVerifiedError:
            continue
    detail = None
    if verified and event.detail is not None:
        try:
            detail = open_detail(
                bytes(event.detail), private_key=key, referral_id=stored.referral_id, status=event.status
            )
        except ReferralNotVerifiedError:
            detail = None
    return {
        "status": event.status,
        "at": _time(event.at),
        "by": event.actor_role,
        "actor_id": event.actor_id,
        "signature_verified": verified,
        "detail": detail,
    }


def _key_id(key: X25519PrivateKey) -> str:
    return key_id_for(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
