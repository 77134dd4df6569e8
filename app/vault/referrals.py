"""Referrals in the vault: what the officer referred, to whom, and what became of it.

One `referral` row per referral (schema version 7). What the officer and the person decided (the
interview, the service and its organisation, the needs, the fields shared, consent or the legal basis
of a mandatory referral) is one encrypted field, `record`, readable only in the space that made it
(owner tag, as interviews). In clear is only what sending and status tracking need while the vault is
locked (`waypoint sync` runs without a secret): the sealed copies (ciphertext to the partner and to the
organisation), the partner id and signing key, the sending state, and the statuses, each with whether
its actor's signature verified (`referral_status`). A referral made without consent (information only)
has no copies and is never sent.

    vault.referrals.queue(...)              # unlocked: keep a sealed referral for the next sync
    vault.referrals.information_only(...)   # unlocked: record that nothing was sent, and why
    vault.referrals.list()                  # unlocked: this space's referrals with their status
    vault.referral_store                    # `sync.referral_outbox.ReferralStore`, works while locked
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.vault.clock import Clock, format_time
from app.vault.database import Database
from app.vault.fields import pad, unpad
from app.vault.records import SessionKeys
from sync.referral_outbox import PendingReferral, ReferralStatusUpdate, SentReferral

__all__ = ["ReferralRecords", "ReferralSummary", "VaultReferralStore", "delete_other_referrals"]

_TABLE, _COLUMN = "referral", "record"


@dataclass(frozen=True)
class ReferralSummary:
    """One referral as the officer sees it: its record, state and the statuses received."""

    referral_id: str
    created_at: str
    state: str  # information_only | pending | sent | parked
    status: str  # the newest verified status: sent, accepted, declined, completed, revoked; or not_sent
    status_at: str | None
    record: Mapping[str, Any]
    history: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "referral_id": self.referral_id,
            "created_at": self.created_at,
            "state": self.state,
            "status": self.status,
            "status_at": self.status_at,
            "status_signature_verified": any(
                item["status"] == self.status and item["signature_verified"] for item in self.history
            ),
            **dict(self.record),
            "history": [dict(item) for item in self.history],
        }


class ReferralRecords:
    """The referrals one unlocked session may make and see."""

    def __init__(self, database: Database, keys: SessionKeys, clock: Clock) -> None:
        self._database, self._keys, self._clock = database, keys, clock

    def _seal(self, referral_id: str, record: Mapping[str, Any]) -> bytes:
        data = pad(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
        return self._keys.codec.seal(_TABLE, referral_id, _COLUMN, data)

    def queue(
        self,
        referral_id: str,
        record: Mapping[str, Any],
        *,
        partner_id: str,
        partner_signing_key: bytes,
        for_partner: bytes,
        for_organisation: bytes,
    ) -> None:
        """Keep a sealed referral; `waypoint sync` sends it."""
        self._insert(
            referral_id,
            record,
            state="pending",
            status="sent",
            partner_id=partner_id,
            partner_signing_key=partner_signing_key,
            for_partner=for_partner,
            for_organisation=for_organisation,
        )

    def information_only(self, referral_id: str, record: Mapping[str, Any]) -> None:
        """Record a referral that is not sent (no consent): information was given, nothing shared."""
        self._insert(referral_id, record, state="information_only", status="not_sent")

    def _insert(self, referral_id: str, record: Mapping[str, Any], **values: Any) -> None:
        row = {
            "partner_id": None,
            "partner_signing_key": None,
            "for_partner": None,
            "for_organisation": None,
            **values,
            "id": referral_id,
            "owner_tag": self._keys.owner_tag(referral_id),
            "created_at": format_time(self._clock.now()),
            "record": self._seal(referral_id, record),
        }
        with self._database.write() as connection:
            connection.execute(
                text(
                    "INSERT INTO referral (id, owner_tag, created_at, state, status, partner_id,"
                    " partner_signing_key, for_partner, for_organisation, record) VALUES (:id, :owner_tag,"
                    " :created_at, :state, :status, :partner_id, :partner_signing_key, :for_partner,"
                    " :for_organisation, :record)"
                ),
                row,
            )

    def list(self) -> list[ReferralSummary]:
        """This space's referrals, newest first, with the statuses received (verified or not)."""
        with self._database.read() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, owner_tag, created_at, state, status, status_at, record FROM referral"
                    " ORDER BY created_at DESC, id"
                )
            ).all()
            history: dict[str, list[dict[str, Any]]] = {}
            for event in connection.execute(
                text(
                    "SELECT referral_id, status, at, actor_role, verified FROM referral_status"
                    " ORDER BY event_id"
                )
            ).all():
                history.setdefault(event.referral_id, []).append(
                    {
                        "status": event.status,
                        "at": event.at,
                        "by": event.actor_role,
                        "signature_verified": bool(event.verified),
                    }
                )
        summaries = []
        for row in rows:
            if not self._keys.owns(row.id, row.owner_tag):
                continue
            record = json.loads(unpad(self._keys.codec.open(_TABLE, row.id, _COLUMN, row.record)))
            summaries.append(
                ReferralSummary(
                    row.id,
                    row.created_at,
                    row.state,
                    row.status,
                    row.status_at,
                    record,
                    tuple(history.get(row.id, ())),
                )
            )
        return summaries


class VaultReferralStore:
    """`sync.referral_outbox.ReferralStore` over the vault: ciphertext and statuses, no secret needed."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database, self._clock = database, clock

    def pending_referrals(self, limit: int) -> list[PendingReferral]:
        with self._database.read() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, partner_id, for_partner, for_organisation FROM referral"
                    " WHERE state = 'pending' ORDER BY created_at, id LIMIT :limit"
                ),
                {"limit": limit},
            ).all()
        return [
            PendingReferral(row.id, row.partner_id, row.for_partner, row.for_organisation) for row in rows
        ]

    def mark_referrals_sent(self, referral_ids: Sequence[str], receipt: bytes) -> None:
        now = format_time(self._clock.now())
        with self._database.write() as connection:
            for referral_id in referral_ids:
                connection.execute(
                    text(
                        "UPDATE referral SET state = 'sent', sent_at = :now, receipt = :receipt,"
                        " status_at = COALESCE(status_at, :now) WHERE id = :id AND state = 'pending'"
                    ),
                    {"now": now, "receipt": receipt, "id": referral_id},
                )

    def park_referral(self, referral_id: str, reason_code: str) -> None:
        with self._database.write() as connection:
            connection.execute(
                text("UPDATE referral SET state = 'parked', parked_reason = :reason WHERE id = :id"),
                {"reason": reason_code, "id": referral_id},
            )

    def sent_referrals(self) -> list[SentReferral]:
        with self._database.read() as connection:
            rows = connection.execute(
                text("SELECT id, partner_signing_key FROM referral WHERE state = 'sent'")
            ).all()
        return [SentReferral(row.id, row.partner_signing_key) for row in rows]

    def record_statuses(self, updates: Sequence[ReferralStatusUpdate]) -> None:
        with self._database.write() as connection:
            for update in updates:
                at = format_time(update.at / 1000)
                inserted = connection.execute(
                    text(
                        "INSERT INTO referral_status (event_id, referral_id, status, at, actor_id,"
                        " actor_role, verified) VALUES (:event_id, :referral_id, :status, :at, :actor_id,"
                        " :actor_role, :verified) ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
                    ),
                    {
                        "event_id": update.event_id,
                        "referral_id": update.referral_id,
                        "status": update.status,
                        "at": at,
                        "actor_id": update.actor_id,
                        "actor_role": update.actor_role,
                        "verified": update.verified,
                    },
                ).first()
                if inserted is not None and update.verified:
                    connection.execute(
                        text("UPDATE referral SET status = :status, status_at = :at WHERE id = :id"),
                        {"status": update.status, "at": at, "id": update.referral_id},
                    )


def delete_other_referrals(connection: Connection, keys: SessionKeys) -> int:
    """Delete every referral `keys`' space did not make, and its statuses (the duress path)."""
    rows = connection.execute(text("SELECT id, owner_tag FROM referral")).all()
    others = [row.id for row in rows if not keys.owns(row.id, row.owner_tag)]
    for referral_id in others:
        connection.execute(text("DELETE FROM referral_status WHERE referral_id = :id"), {"id": referral_id})
        connection.execute(text("DELETE FROM referral WHERE id = :id"), {"id": referral_id})
    return len(others)
