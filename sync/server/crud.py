"""How the server's data changes: keyword-only functions over a session, each one step of a route.

None of them commits: the route commits once, before it replies, so a reply always describes
durable state. The signed path (`admit`, `consume`, `store_batch`) runs on a connection from
`db.atomic_step`: on PostgreSQL each of its steps is one statement in autocommit (data-modifying CTEs,
atomic on their own: one round trip each, no BEGIN or COMMIT); on SQLite each step is one transaction.
Inserts that race (the same interview sent twice at once, the same nonce) use the database's own
conflict handling (`INSERT ... ON CONFLICT DO NOTHING`) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    bindparam,
    case,
    delete,
    exists,
    insert,
    literal_column,
    update,
)
from sqlmodel import Session, col, select

from sync.code_authority import VouchedKey
from sync.envelope import read_header
from sync.errors import EnvelopeError
from sync.server.db import insert_for, insert_for_dialect
from sync.server.models import (
    AuditEvent,
    Coordinator,
    Device,
    DeviceKeyHistory,
    DeviceSuccession,
    EnrollmentToken,
    OrganisationKey,
    Partner,
    PartnerToken,
    RefusalTally,
    RequestNonce,
    Submission,
)
from sync.server.rate_limits import RateLimit, take_parameters, take_statement, wait_ms
from sync.server.refusals import Refusal
from sync.wire import RejectedItem, SubmissionBatch

__all__ = [
    "Admission",
    "BatchOutcome",
    "Consumed",
    "OrganisationKeys",
    "admit",
    "consume",
    "consume_and_store",
    "consume_nonce",
    "consume_token",
    "create_token",
    "insert_for",
    "lineage",
    "prune_nonces",
    "record_event",
    "register_device",
    "revoke_device",
    "store_batch",
    "tally_refusal",
]

log = logging.getLogger("waypoint.server")

REFUSAL_WINDOW_MS = 3_600_000  # refusals are counted per hour
MAX_LINEAGE = 32  # re-enrollments after revocation followed back; far more than a device ever has


@dataclass
class BatchOutcome:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)


class OrganisationKeys:
    """The registered organisation key ids, cached for the life of the process.

    Keys are only ever added (by `waypoint enroll create` or a server start, possibly in another
    process), so the cache is invalidated by a miss: an unknown key id re-reads the table once
    before an item is rejected as `unknown_key`.
    """

    def __init__(self) -> None:
        self._ids: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def knows(self, connection: Connection, key_id: str) -> bool:
        if key_id in self._ids:
            return True
        with self._lock:
            ids = frozenset(connection.execute(select(OrganisationKey.key_id)).scalars().all())
            self._ids = ids
        return key_id in ids


@dataclass(frozen=True)
class Admission:
    """The first step of a signed request: the address's rate and the claimed device."""

    wait_ms: int  # 0: within the address's rate
    device: Device | None  # None: no such device
    role: str = "device"  # "partner" (a `partners` row names it), "coordinator" (a `coordinators` row)

    @property
    def partner(self) -> bool:
        return self.role == "partner"


def admit(
    *, connection: Connection, address_key: str, limit: RateLimit, now_ms: int, device_id: str
) -> Admission:
    """Use one request of the address's allowance and read the principal the signature names, with
    its role ("device", "partner" or "coordinator").

    PostgreSQL: one statement (the upsert as a CTE beside the device's row); SQLite: two.
    """
    dialect = connection.dialect.name
    taken = take_parameters(address_key, limit, now_ms)
    if dialect == "postgresql":
        row = connection.execute(_admit_statement(dialect), {**taken, "device_id": device_id}).one()
        allowed, role, values = bool(row[0]), str(row[1]), tuple(row[2:])
    else:
        allowed = connection.execute(take_statement(dialect), taken).first() is not None
        found = connection.execute(_admit_statement(dialect), {"device_id": device_id}).first()
        role, values = (str(found[0]), tuple(found[1:])) if found is not None else ("device", (None,))
    if not allowed:
        return Admission(wait_ms(connection, address_key, limit, now_ms), None)
    device = None if values[0] is None else Device(**dict(zip(_DEVICE_COLUMNS, values, strict=True)))
    return Admission(0, device, role)


_DEVICE_COLUMNS = tuple(Device.__table__.c.keys())  # type: ignore[attr-defined]


@functools.cache
def _admit_statement(dialect: str) -> Any:
    """The principal's role and row (PostgreSQL: with the address's allowance taken in the same
    statement), built once per dialect; parameters `device_id` and `take_parameters`."""
    table: Any = Device.__table__  # type: ignore[attr-defined]
    columns = table.c
    device_id = bindparam("device_id", type_=String)
    role = case(
        (exists(select(col(Partner.partner_id)).where(col(Partner.partner_id) == device_id)), "partner"),
        (
            exists(
                select(col(Coordinator.coordinator_id)).where(col(Coordinator.coordinator_id) == device_id)
            ),
            "coordinator",
        ),
        else_="device",
    ).label("role")
    if dialect != "postgresql":
        return select(role, *columns).where(columns.device_id == device_id)
    used = take_statement(dialect).cte("taken")
    one = select(literal_column("1").label("one")).subquery("one")
    return select(exists(select(used.c.key)).label("allowed"), role, *columns).select_from(
        one.outerjoin(table, columns.device_id == device_id)
    )


def consume(
    *,
    connection: Connection,
    device_key: str,
    limit: RateLimit,
    now_ms: int,
    device_id: str,
    nonce: str,
    created: int,
) -> tuple[int, bool]:
    """Use one request of the device's allowance and remember its nonce.

    Returns:
        The milliseconds to wait (0: within its rate) and whether the nonce was new. Over its rate,
        nothing is written (not even the nonce).

    PostgreSQL: one statement (the nonce is inserted only when the upsert allowed the request).
    """
    dialect = connection.dialect.name
    taken = take_parameters(device_key, limit, now_ms)
    remembered = {"device_id": device_id, "nonce": nonce, "created": created}
    if dialect == "postgresql":
        row = connection.execute(_consume_statement(dialect), {**taken, **remembered}).one()
        allowed, fresh = bool(row[0]), bool(row[1])
    else:
        allowed = connection.execute(take_statement(dialect), taken).first() is not None
        fresh = allowed and connection.execute(_nonce_statement(dialect), remembered).first() is not None
    if not allowed:
        return wait_ms(connection, device_key, limit, now_ms), False
    return 0, fresh


@functools.cache
def _consume_statement(dialect: str) -> Any:
    """PostgreSQL: the device's allowance and its nonce in one statement, built once."""
    used = take_statement(dialect).cte("taken")
    remembered = (
        insert_for_dialect(dialect, RequestNonce)
        .from_select(
            ["device_id", "nonce", "created"],
            select(
                bindparam("device_id", type_=String),
                bindparam("nonce", type_=String),
                bindparam("created", type_=BigInteger),
            ).where(exists(select(used.c.key))),
        )
        .on_conflict_do_nothing(index_elements=["device_id", "nonce"])
        .returning(col(RequestNonce.nonce))
        .cte("remembered")
    )
    return select(exists(select(used.c.key)), exists(select(remembered.c.nonce)))


def record_event(
    *,
    session: Session,
    at: int,
    kind: str,
    device_id: str | None = None,
    interview_id: str | None = None,
    code: str | None = None,
) -> None:
    """Add one audit event (never content: ids and a reason code only)."""
    session.add(AuditEvent(at=at, kind=kind, device_id=device_id, interview_id=interview_id, code=code))


def tally_refusal(*, bind: Session | Connection, at: int, code: str) -> None:
    """Count one refused request in its hour's row for `code` (one row per hour and code, ever)."""
    window_start = at - at % REFUSAL_WINDOW_MS
    statement = (
        insert_for(bind, RefusalTally)
        .values(window_start=window_start, code=code, count=1)
        .on_conflict_do_update(
            index_elements=["window_start", "code"], set_={"count": col(RefusalTally.count) + 1}
        )
    )
    bind.execute(statement)


def consume_nonce(*, session: Session, device_id: str, nonce: str, created: int) -> bool:
    """Remember a request nonce; False when this device already used it (a replay)."""
    statement = _nonce_statement(session.get_bind().dialect.name)
    remembered = {"device_id": device_id, "nonce": nonce, "created": created}
    return session.execute(statement, remembered).first() is not None


@functools.cache
def _nonce_statement(dialect: str) -> Any:
    """Remember a nonce (parameters `device_id`, `nonce`, `created`), built once per dialect."""
    # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT DO NOTHING through SQLAlchemy.
    return (
        insert_for_dialect(dialect, RequestNonce)
        .values(
            device_id=bindparam("device_id", type_=String),
            nonce=bindparam("nonce", type_=String),
            created=bindparam("created", type_=BigInteger),
        )
        .on_conflict_do_nothing(index_elements=["device_id", "nonce"])
        .returning(col(RequestNonce.nonce))
    )


def prune_nonces(*, bind: Session | Connection, older_than: int) -> None:
    """Forget nonces whose signatures are too old to be accepted anyway."""
    bind.execute(delete(RequestNonce).where(col(RequestNonce.created) < older_than))


def create_token(*, session: Session, token_sha256: str, now: int, expires_at: int) -> None:
    session.add(EnrollmentToken(token_sha256=token_sha256, created_at=now, expires_at=expires_at))


def consume_token(
    *, session: Session, token: str, now: int, table: type[EnrollmentToken | PartnerToken] = EnrollmentToken
) -> bool:
    """Use a one-time token, atomically: only the first caller inside its lifetime gets True.

    `table`: device tokens (`EnrollmentToken`) or partner tokens (`PartnerToken`); one never counts
    as the other.
    """
    statement = (
        update(table)
        .where(col(table.token_sha256) == hashlib.sha256(token.encode()).hexdigest())
        .where(col(table.used_at).is_(None))
        .where(col(table.expires_at) > now)
        .values(used_at=now)
        .returning(col(table.token_sha256))
    )
    return session.execute(statement).first() is not None


def register_device(
    *,
    session: Session,
    public_key: bytes,
    now: int,
    keep_device_id: str | None = None,
    succeeds_device_id: str | None = None,
    vouching: tuple[str, bytes] | None = None,
) -> Device:
    """Add a device, or give an existing one (proved by the caller) its new key.

    `keep_device_id`: an active device re-enrolling keeps its id. `succeeds_device_id`: a revoked
    device (proved by the caller) gets a new id that continues the old one (`DeviceSuccession`).
    `vouching`: the authorised code's id and the key proof the device sent, kept with the key.
    """
    if keep_device_id is not None:
        device = session.get(Device, keep_device_id)
        if device is not None:
            device.public_key = public_key
            session.add(device)
            session.add(_key_row(device.device_id, public_key, now, vouching))
            record_event(session=session, at=now, kind="re_enrolled", device_id=device.device_id)
            return device
    device = Device(device_id=str(uuid.uuid4()), public_key=public_key, enrolled_at=now)
    session.add(device)
    session.add(_key_row(device.device_id, public_key, now, vouching))
    record_event(session=session, at=now, kind="enrolled", device_id=device.device_id)
    if succeeds_device_id is not None:
        session.add(
            DeviceSuccession(device_id=device.device_id, predecessor_id=succeeds_device_id, linked_at=now)
        )
        record_event(
            session=session,
            at=now,
            kind="succeeds_revoked",
            device_id=device.device_id,
            code=succeeds_device_id,
        )
    return device


def lineage(*, bind: Session | Connection, device_id: str) -> list[str]:
    """The device id, then the revoked devices it continues, newest first (at most `MAX_LINEAGE`)."""
    chain = [device_id]
    while len(chain) < MAX_LINEAGE:
        predecessor = bind.execute(
            select(DeviceSuccession.predecessor_id).where(col(DeviceSuccession.device_id) == chain[-1])
        ).scalar()
        if predecessor is None or predecessor in chain:
            break
        chain.append(predecessor)
    return chain


def _key_row(device_id: str, public_key: bytes, now: int, vouching: tuple[str, bytes] | None) -> Any:
    code_id, proof = vouching if vouching is not None else (None, None)
    return DeviceKeyHistory(
        device_id=device_id, public_key=public_key, enrolled_at=now, code_id=code_id, key_proof=proof
    )


def device_keys(*, session: Session, device_id: str) -> list[VouchedKey]:
    """Every Ed25519 key `device_id` has enrolled with and its vouching, newest first; [] if unknown.

    A key from before keys were kept (`Device.public_key` with no history row) comes without vouching.
    """
    device = session.get(Device, device_id)
    if device is None:
        return []
    history = session.exec(
        select(DeviceKeyHistory)
        .where(col(DeviceKeyHistory.device_id) == device_id)
        .order_by(col(DeviceKeyHistory.row_id).desc())
    ).all()
    keys = [VouchedKey(bytes(row.public_key), row.code_id, row.key_proof) for row in history]
    if not any(key.public_key == bytes(device.public_key) for key in keys):
        keys.insert(0, VouchedKey(bytes(device.public_key)))
    return keys


def revoke_device(*, session: Session, device_id: str, now: int) -> bool:
    """Revoke a device; False when there is no such device."""
    device = session.get(Device, device_id)
    if device is None:
        return False
    if device.status != "revoked":
        device.status, device.revoked_at = "revoked", now
        session.add(device)
        record_event(session=session, at=now, kind="revoked", device_id=device_id)
    return True


def store_batch(
    *,
    connection: Connection,
    device_id: str,
    batch: SubmissionBatch,
    now: int,
    keys: OrganisationKeys,
    deduplicate: bool = True,
) -> BatchOutcome:
    """Store a batch: new ids are accepted, same id and same content is a duplicate, same id and other
    content is a conflict (logged), an unusable envelope is rejected.

    On PostgreSQL the rows and their `submitted` audit events are one statement; duplicates,
    conflicts and rejections (rare) cost one more read and one more insert.
    """
    rows, outcome = _rows(connection, device_id, batch, now, keys)
    audited = False
    if rows:
        audited = _insert_rows(
            connection, rows, outcome, device_id=device_id, now=now, deduplicate=deduplicate
        )
    _audit(connection, outcome, device_id=device_id, now=now, audited=audited)
    return outcome


@dataclass(frozen=True)
class Consumed:
    """What `consume_and_store` did: the milliseconds to wait (0: within the device's rate), whether
    the nonce was new, and the batch's outcome (empty unless both allowed the request)."""

    wait_ms: int
    fresh: bool
    outcome: BatchOutcome


def consume_and_store(
    *,
    connection: Connection,
    device_key: str,
    limit: RateLimit,
    nonce: str,
    created: int,
    device_id: str,
    batch: SubmissionBatch,
    now: int,
    keys: OrganisationKeys,
    deduplicate: bool = True,
) -> Consumed:
    """`consume`, then `store_batch` only when the request is within the device's rate and its nonce
    is new; in the caller's one transaction, so the nonce and the rows are kept or lost together.

    PostgreSQL (deduplicating): one statement, the allowance, the nonce, the rows and their audit
    events (the rows are inserted only when the nonce was); elsewhere the same steps one by one.
    """
    taken = take_parameters(device_key, limit, now)
    rows, outcome = _rows(connection, device_id, batch, now, keys)
    if not rows or not deduplicate or connection.dialect.name != "postgresql":
        wait, fresh = consume(
            connection=connection,
            device_key=device_key,
            limit=limit,
            now_ms=now,
            device_id=device_id,
            nonce=nonce,
            created=created,
        )
        if wait or not fresh:
            return Consumed(wait, fresh, BatchOutcome())
        return Consumed(
            0,
            True,
            store_batch(
                connection=connection,
                device_id=device_id,
                batch=batch,
                now=now,
                keys=keys,
                deduplicate=deduplicate,
            ),
        )
    parameters = {
        **taken,
        **_arrays(rows),
        "device_id": device_id,
        "now": now,
        "nonce": nonce,
        "created": created,
    }
    allowed, fresh, stored = connection.exec_driver_sql(_CONSUME_AND_STORE, parameters).one()
    if not allowed:
        return Consumed(wait_ms(connection, device_key, limit, now), False, BatchOutcome())
    if not fresh:
        return Consumed(0, False, BatchOutcome())
    _sort_out(connection, rows, set(stored), outcome)
    _audit(connection, outcome, device_id=device_id, now=now, audited=True)
    return Consumed(0, True, outcome)


def _rows(
    connection: Connection, device_id: str, batch: SubmissionBatch, now: int, keys: OrganisationKeys
) -> tuple[list[dict[str, Any]], BatchOutcome]:
    """The batch's rows to insert, and its outcome so far (the items rejected)."""
    ids = [item.interview_id for item in batch.items]
    if len(ids) != len(set(ids)):
        raise Refusal(422, "duplicate_ids_in_batch", "Each interview id may appear once per batch.")
    outcome = BatchOutcome()
    rows: list[dict[str, Any]] = []
    for item in batch.items:
        try:
            envelope = base64.b64decode(item.envelope, validate=True)
            key_id = read_header(envelope).key_id
        except (binascii.Error, ValueError, EnvelopeError):
            outcome.rejected.append(RejectedItem(interview_id=item.interview_id, code="bad_envelope"))
            continue
        if not keys.knows(connection, key_id):
            outcome.rejected.append(RejectedItem(interview_id=item.interview_id, code="unknown_key"))
            continue
        rows.append(
            {
                "interview_id": item.interview_id,
                "device_id": device_id,
                "seq": item.seq,
                "protocol_id": item.protocol_id,
                "protocol_version": item.protocol_version,
                "key_id": key_id,
                "envelope": envelope,
                "envelope_sha256": hashlib.sha256(envelope).hexdigest(),
                "size": len(envelope),
                "received_at": now,
            }
        )
    return rows, outcome


def _audit(connection: Connection, outcome: BatchOutcome, *, device_id: str, now: int, audited: bool) -> None:
    """The batch's audit events (`audited`: the `submitted` ones are written already), and a log
    line per conflict."""
    events = [
        *(
            {"kind": "rejected", "interview_id": item.interview_id, "code": item.code}
            for item in outcome.rejected
        ),
        *(() if audited else ({"kind": "submitted", "interview_id": i} for i in outcome.accepted)),
        *({"kind": "duplicate", "interview_id": item_id} for item_id in outcome.duplicates),
        *({"kind": "conflict", "interview_id": item_id} for item_id in outcome.conflicts),
    ]
    if events:  # one multi-row insert: per-object ORM adds would dominate the time of a batch
        connection.execute(
            insert(AuditEvent),
            [{"at": now, "device_id": device_id, "code": None, **event} for event in events],
        )
    for item_id in outcome.conflicts:
        log.warning("conflict: interview %s from device %s holds other content", item_id, device_id)


# The rows and an audit event for each row that was new (PostgreSQL), as the last common table
# expressions of a statement, inserted only when `{condition}` holds. psycopg's own placeholders:
# `%(envelope)b` sends the envelopes in binary (as text, escaping them costs ~4 ms a batch).
_STORED_AND_AUDITED = """
    stored AS (
        INSERT INTO submissions (interview_id, device_id, seq, protocol_id, protocol_version, key_id,
                                 envelope, envelope_sha256, size, received_at)
        SELECT item.interview_id, %(device_id)s, item.seq, item.protocol_id, item.protocol_version,
               item.key_id, item.envelope, item.envelope_sha256, item.size, %(now)s
        FROM unnest(CAST(%(interview_id)s AS varchar[]), CAST(%(seq)s AS bigint[]),
                    CAST(%(protocol_id)s AS varchar[]), CAST(%(protocol_version)s AS varchar[]),
                    CAST(%(key_id)s AS varchar[]), CAST(%(envelope)b AS bytea[]),
                    CAST(%(envelope_sha256)s AS varchar[]), CAST(%(size)s AS integer[]))
             AS item(interview_id, seq, protocol_id, protocol_version, key_id, envelope,
                     envelope_sha256, size)
        {condition}
        ON CONFLICT (interview_id) DO NOTHING
        RETURNING interview_id
    ), audited AS (
        INSERT INTO audit_events (at, kind, device_id, interview_id, code)
        SELECT %(now)s, 'submitted', %(device_id)s, interview_id, NULL FROM stored
    )
"""

# The device's allowance (`rate_limits.take_statement` as compiled for PostgreSQL: a test keeps the
# two alike) and its nonce (only when allowed).
_TAKE_AND_REMEMBER = """
    WITH taken AS (
        INSERT INTO rate_limits (key, next_free_us)
        VALUES (%(limit_key)s::VARCHAR, (%(limit_now_us)s::BIGINT + %(limit_interval_us)s::BIGINT))
        ON CONFLICT (key) DO UPDATE SET next_free_us = (CASE WHEN (rate_limits.next_free_us >
            %(limit_now_us)s::BIGINT) THEN rate_limits.next_free_us ELSE %(limit_now_us)s::BIGINT END
            + %(limit_interval_us)s::BIGINT)
        WHERE rate_limits.next_free_us <= %(limit_now_us)s::BIGINT + %(limit_tolerance_us)s::BIGINT
        RETURNING rate_limits.key
    ), remembered AS (
        INSERT INTO request_nonces (device_id, nonce, created)
        SELECT %(device_id)s, %(nonce)s, %(created)s WHERE EXISTS (SELECT 1 FROM taken)
        ON CONFLICT (device_id, nonce) DO NOTHING
        RETURNING nonce
    ),
"""
_NO_CONDITION = ""
_WHEN_REMEMBERED = "WHERE EXISTS (SELECT 1 FROM remembered)"
_STORED_IDS = "SELECT interview_id FROM stored"
_CONSUMED = (
    "SELECT EXISTS (SELECT 1 FROM taken), EXISTS (SELECT 1 FROM remembered),"
    " ARRAY(SELECT interview_id FROM stored)"
)

# A batch: its rows and their audit events, in one statement.
_STORE_WITH_AUDIT = "WITH " + _STORED_AND_AUDITED.format(condition=_NO_CONDITION) + _STORED_IDS
# A signed batch: the allowance, the nonce, then (only when the nonce was new) the rows and their
# audit events, in one statement.
_CONSUME_AND_STORE = _TAKE_AND_REMEMBER + _STORED_AND_AUDITED.format(condition=_WHEN_REMEMBERED) + _CONSUMED

_ARRAY_COLUMNS = (
    *("interview_id", "seq", "protocol_id", "protocol_version", "key_id"),
    *("envelope", "envelope_sha256", "size"),
)


def _arrays(rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """The rows as one array per column: one statement text for any batch size."""
    return {name: [row[name] for row in rows] for name in _ARRAY_COLUMNS}


@functools.cache
def _insert_new_rows(dialect: str) -> Any:
    return (
        insert_for_dialect(dialect, Submission)
        .on_conflict_do_nothing(index_elements=["interview_id"])
        .returning(col(Submission.interview_id))
    )


def _insert_rows(
    connection: Connection,
    rows: Sequence[dict[str, Any]],
    outcome: BatchOutcome,
    *,
    device_id: str,
    now: int,
    deduplicate: bool,
) -> bool:
    """Insert the rows; True when their `submitted` audit events were written in the same statement."""
    if not deduplicate:  # the negative control: store whatever arrives
        connection.execute(insert(Submission), list(rows))
        outcome.accepted.extend(row["interview_id"] for row in rows)
        return False
    audited = connection.dialect.name == "postgresql"
    if audited:
        parameters = {**_arrays(rows), "device_id": device_id, "now": now}
        inserted = set(connection.exec_driver_sql(_STORE_WITH_AUDIT, parameters).scalars().all())
    else:  # Core executemany: one cached statement for any batch size
        statement = _insert_new_rows(connection.dialect.name)
        inserted = set(connection.execute(statement, list(rows)).scalars().all())
    _sort_out(connection, rows, inserted, outcome)
    return audited


def _sort_out(
    connection: Connection, rows: Sequence[dict[str, Any]], inserted: set[str], outcome: BatchOutcome
) -> None:
    """Accepted (`inserted`), duplicates and conflicts: the rows not inserted are compared with what
    is stored (one read, only when there are any)."""
    outcome.accepted.extend(row["interview_id"] for row in rows if row["interview_id"] in inserted)
    others = {row["interview_id"]: row for row in rows if row["interview_id"] not in inserted}
    if not others:
        return
    compared = ("interview_id", "device_id", "envelope_sha256", "protocol_id", "protocol_version")
    existing = connection.execute(
        select(*(getattr(Submission, name) for name in compared)).where(
            col(Submission.interview_id).in_(list(others))
        )
    )
    senders: set[str] | None = None  # the sending device and the revoked ones it continues
    for interview_id, stored_device, *stored_values in existing:
        row = others[interview_id]
        same = tuple(stored_values) == tuple(row[name] for name in compared[2:])
        if same and stored_device != row["device_id"]:
            if senders is None:
                senders = set(lineage(bind=connection, device_id=row["device_id"]))
            same = stored_device in senders
        (outcome.duplicates if same else outcome.conflicts).append(interview_id)
