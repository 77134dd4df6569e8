"""Vault spaces: which interviews a session may see, and their metadata, encrypted.

A space is what one data key opens: the officer's, or the decoy the duress secret opens. Every
interview row carries an `owner_tag`, an HMAC of its id under a key derived from its space's data key;
a session sees and changes only rows whose tag it can reproduce, and the tag says nothing to anyone
without a key.

Since schema version 6 nothing else about an interview is in clear (issue 11, finding 3): its protocol
id and version, state and times are `InterviewMeta`, a padded JSON document encrypted into
`interview.meta` like every other field, so the file shows only random ids, tags and equal-sized
ciphertexts. `sent` and `purged` are not stored in the interview at all: sending and the retention
purge run while the vault is locked, so those two states are read from the interview's outbox row
(`status`, `sent_at`, `purged_at`) when an unlocked session lists its interviews.

Listing therefore decrypts each of the space's rows (no SQL filter or order can see a state or a time);
`benchmarks/bench_home_list.py` measures what that costs the home screen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, delete, select, update
from sqlmodel import col

from app.vault.clock import format_time, parse_time
from app.vault.fields import FieldCodec, pad, unpad
from app.vault.integrity import integrity_key
from app.vault.tables import InterviewChangeRow, InterviewRow, LegacyInterviewMetaRow, OutboxRow

__all__ = [
    "TABLE",
    "InterviewMeta",
    "InterviewSummary",
    "SessionKeys",
    "adopt_legacy_meta",
    "decode_document",
    "delete_other_spaces",
    "encode_document",
    "shown_state",
    "summaries",
]

TABLE = "interview"
META_COLUMN = "meta"


class SessionKeys:
    """What an unlocked session holds: the field codec of its space and the key for owner tags."""

    def __init__(self, codec: FieldCodec, data_key: bytes) -> None:
        self.codec = codec
        self.integrity_key = integrity_key(data_key)
        self._tag_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"waypoint-vault-owner-tag/1"
        ).derive(data_key)
        # Listing decrypts every row of the space; a session remembers what it decrypted, keyed by
        # the ciphertext's nonce and tag (new on every write), so the next listing only reads.
        self._listed: dict[str, tuple[bytes, InterviewMeta | None]] = {}

    def owner_tag(self, interview_id: str) -> bytes:
        """The tag that marks `interview_id` as this space's."""
        return hmac.new(self._tag_key, interview_id.encode(), hashlib.sha256).digest()[:16]

    def change_tag(self, interview_id: str) -> bytes:
        """The tag of `interview_id`'s change rows: unlike the row id, it names no interview while locked."""
        return hmac.new(self._tag_key, b"change|" + interview_id.encode(), hashlib.sha256).digest()[:16]

    def owns(self, interview_id: str, tag: bytes) -> bool:
        """True when the row was made by this space."""
        return hmac.compare_digest(self.owner_tag(interview_id), tag)

    def seal_meta(self, interview_id: str, meta: InterviewMeta) -> bytes:
        """`meta` encrypted for this row's `meta` column."""
        return self.codec.seal(TABLE, interview_id, META_COLUMN, encode_document(asdict(meta)))

    def listed_meta(self, interview_id: str, tag: bytes, stored: bytes) -> InterviewMeta | None:
        """The row's metadata when this space owns the row (else None), remembered for the session."""
        version = tag + stored[:13] + stored[-16:]
        remembered = self._listed.get(interview_id)
        if remembered is not None and remembered[0] == version:
            return remembered[1]
        meta = self.open_meta(interview_id, stored) if self.owns(interview_id, tag) else None
        self._listed[interview_id] = (version, meta)
        return meta

    def open_meta(self, interview_id: str, stored: bytes) -> InterviewMeta:
        """The row's metadata.

        Raises:
            VaultIntegrityError: the ciphertext was altered or belongs to another row.
        """
        return InterviewMeta(**decode_document(self.codec.open(TABLE, interview_id, META_COLUMN, stored)))


def encode_document(document: Mapping[str, Any]) -> bytes:
    """Compact JSON, padded (`fields.pad`), ready to encrypt."""
    return pad(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())


def decode_document(data: bytes) -> dict[str, Any]:
    """The JSON object `encode_document` made."""
    document = json.loads(unpad(data))
    if not isinstance(document, dict):
        raise ValueError("stored document is not an object")
    return document


@dataclass(frozen=True)
class InterviewMeta:
    """An interview's protocol, state and times (ISO 8601 UTC), as stored encrypted in `meta`.

    `state` is one of in_progress, completed, sealed, discarded: `sent` and `purged` come from the
    outbox row. `log_seq` is the sequence number of the interview's newest change row or snapshot and
    `log_rows` how many change rows follow the snapshot (schema version 11): a load finds exactly the rows
    `log_seq - log_rows + 1 … log_seq`, so a row removed, added or replayed from an older copy shows.
    """

    protocol_id: str
    protocol_version: str
    state: str
    started_at: str
    updated_at: str
    completed_at: str | None = None
    sealed_at: str | None = None
    log_seq: int = 0
    log_rows: int = 0

    def moved_to(
        self, state: str, now: str, *, completed_at: str | None = None, sealed_at: str | None = None
    ) -> InterviewMeta:
        """The same interview in `state`, updated at `now` (and completed or sealed at, when given)."""
        return replace(
            self,
            state=state,
            updated_at=now,
            completed_at=completed_at or self.completed_at,
            sealed_at=sealed_at or self.sealed_at,
            log_rows=self.log_rows if state == "in_progress" else 0,  # leaving it deletes the rows
        )


@dataclass(frozen=True)
class InterviewSummary:
    """What an unlocked session lists about an interview: ids, protocol, state and times."""

    id: str
    protocol_id: str
    protocol_version: str
    state: str
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    sealed_at: datetime | None
    sent_at: datetime | None
    purged_at: datetime | None

    def to_dict(self) -> dict[str, str | None]:
        """JSON-safe form (times as ISO 8601 UTC)."""
        return {
            name: (format_time(value.timestamp()) if isinstance(value, datetime) else value)
            for name, value in vars(self).items()
        }


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def _summary(interview_id: str, meta: InterviewMeta, outbox: Any) -> InterviewSummary:
    state, sent_at, purged_at = meta.state, None, None
    if state == "sealed" and outbox.status == "sent":
        sent_at = outbox.sent_at
        state = "sent"
        if outbox.purged:
            state, purged_at = "purged", outbox.purged_at
    return InterviewSummary(
        interview_id,
        meta.protocol_id,
        meta.protocol_version,
        state,
        parse_time(meta.started_at),
        parse_time(purged_at or sent_at or meta.updated_at),
        _time(meta.completed_at),
        _time(meta.sealed_at),
        _time(sent_at),
        _time(purged_at),
    )


def _outbox_query() -> Any:
    return select(
        col(OutboxRow.status),
        col(OutboxRow.sent_at),
        col(OutboxRow.purged_at),
        col(OutboxRow.envelope).is_(None).label("purged"),
    )


def shown_state(connection: Connection, interview_id: str, meta: InterviewMeta) -> str:
    """The state a listing shows for one interview (`sent` and `purged` read from its outbox row)."""
    outbox = connection.execute(_outbox_query().where(col(OutboxRow.id) == interview_id)).first()
    if outbox is None:
        return meta.state
    return _summary(interview_id, meta, outbox).state


def summaries(
    connection: Connection,
    keys: SessionKeys,
    states: Collection[str] | None = None,
    *,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[InterviewSummary]:
    """The metadata of the session's own interviews (nothing is listed without keys).

    Args:
        connection: a connection inside a read transaction.
        keys: the session's keys.
        states: only interviews in these states.
        newest_first: order by start time, newest first (default: oldest first).
        limit: at most this many (after the state filter).
    """
    query = select(
        col(InterviewRow.id),
        col(InterviewRow.owner_tag),
        col(InterviewRow.meta),
        col(OutboxRow.status),
        col(OutboxRow.sent_at),
        col(OutboxRow.purged_at),
        col(OutboxRow.envelope).is_(None).label("purged"),
    ).outerjoin(OutboxRow, col(OutboxRow.id) == col(InterviewRow.id))
    found: list[tuple[str, str, InterviewMeta, Any]] = []
    for row in connection.execute(query):
        meta = None if row.meta is None else keys.listed_meta(row.id, row.owner_tag, row.meta)
        if meta is None:
            continue
        state = meta.state
        if state == "sealed" and row.status == "sent":
            state = "purged" if row.purged else "sent"
        if states is None or state in states:
            found.append((meta.started_at, row.id, meta, row))
    found.sort(key=lambda item: (item[0], item[1]), reverse=newest_first)  # ISO 8601 UTC sorts as text
    chosen = found if limit is None else found[:limit]
    return [_summary(interview_id, meta, row) for _, interview_id, meta, row in chosen]


def adopt_legacy_meta(connection: Connection, keys: SessionKeys) -> int:
    """Encrypt the clear metadata left by the version-6 migration for this space's rows (at unlock).

    Returns:
        How many rows were adopted.
    """
    legacy = connection.execute(select(LegacyInterviewMetaRow)).all()
    if not legacy:
        return 0
    tags = dict(connection.execute(select(col(InterviewRow.id), col(InterviewRow.owner_tag))).all())
    adopted = []
    for row in legacy:
        tag = tags.get(row.id)
        if tag is None or not keys.owns(row.id, tag):
            continue
        state = "sealed" if row.state in ("sent", "purged") else row.state
        meta = InterviewMeta(
            row.protocol_id,
            row.protocol_version,
            state,
            row.started_at,
            row.updated_at,
            row.completed_at,
            row.sealed_at,
        )
        sealed = keys.seal_meta(row.id, meta)
        connection.execute(update(InterviewRow).where(col(InterviewRow.id) == row.id).values(meta=sealed))
        adopted.append(row.id)
    for start in range(0, len(adopted), 500):
        chunk = adopted[start : start + 500]
        connection.execute(delete(LegacyInterviewMetaRow).where(col(LegacyInterviewMetaRow.id).in_(chunk)))
    return len(adopted)


def delete_other_spaces(connection: Connection, keys: SessionKeys) -> int:
    """Delete every interview (and its change rows), outbox row and legacy metadata row that `keys`'
    space did not make.

    Used by the duress path, and at every unlock of the officer's space: once a duress unlock has
    made the decoy the only space, a row no session can claim is a leftover of an interrupted one.

    Returns:
        How many interviews were deleted.
    """
    rows = connection.execute(select(col(InterviewRow.id), col(InterviewRow.owner_tag))).all()
    others = [row.id for row in rows if not keys.owns(row.id, row.owner_tag)]
    mine = [row.id for row in rows if keys.owns(row.id, row.owner_tag)]
    connection.execute(delete(OutboxRow).where(col(OutboxRow.id).not_in(mine)))
    connection.execute(delete(LegacyInterviewMetaRow).where(col(LegacyInterviewMetaRow.id).not_in(mine)))
    mine_logs = [keys.change_tag(interview_id) for interview_id in mine]
    connection.execute(delete(InterviewChangeRow).where(col(InterviewChangeRow.log_tag).not_in(mine_logs)))
    for start in range(0, len(others), 500):
        connection.execute(delete(InterviewRow).where(col(InterviewRow.id).in_(others[start : start + 500])))
    return len(others)
