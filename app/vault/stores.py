"""The sync layer's storage protocols (`sync.stores`), kept in the vault's database.

Neither store needs the officer's secret: the enrollment is not a key to any interview, and the outbox
holds only envelopes sealed to the organisation, which this device cannot open. So `waypoint sync` and
the app's background sender use them while the vault is locked.

The device signing key sits in the database file (0600, inside the 0700 private data folder). It
authenticates the device to the server; it opens nothing. On phones it belongs in the platform's secure
storage (docs/vault.md says how that would change).

After a duress unlock the real envelopes are gone from the outbox (`Vault.unlock`), so what is here
never reveals that real interviews existed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, func, insert, select, update
from sqlmodel import col

from app.vault.clock import Clock, format_time, parse_time
from app.vault.database import Database
from app.vault.errors import VaultLockedError
from app.vault.integrity import attest, is_attested, verify
from app.vault.policy import VaultPolicy
from app.vault.tables import EnrollmentRow, InterviewRow, OutboxRow, PolicyRow
from sync.enrollment_code import OrganisationPolicy
from sync.stores import Enrollment, OutboxCounts, OutboxItem

__all__ = ["VaultDeviceStore", "VaultOutboxStore", "load_enrollment", "purge_sent_envelopes"]


def load_enrollment(connection: Connection) -> Enrollment | None:
    """The stored enrollment, read inside the caller's transaction."""
    row = connection.execute(select(EnrollmentRow)).first()
    if row is None:
        return None
    return Enrollment(
        server_url=row.server_url,
        device_id=row.device_id,
        organisation_public_key=row.organisation_public_key,
        organisation_key_id=row.organisation_key_id,
        receipt_public_key=row.receipt_public_key,
        enrolled_at=parse_time(row.enrolled_at),
    )


class VaultDeviceStore:
    """`sync.stores.DeviceStore` over the vault database.

    Saving an enrollment into a vault that exists needs the officer's unlocked session (`integrity`
    gives its key): the enrollment is authenticated in the same transaction (`integrity.py`).
    """

    def __init__(
        self,
        database: Database,
        integrity: Callable[[], bytes | None] = lambda: None,
    ) -> None:
        self._database = database
        self._integrity = integrity

    def load_enrollment(self) -> Enrollment | None:
        """The device's enrollment, or None before it has joined an organisation."""
        with self._database.read() as connection:
            return load_enrollment(connection)

    def device_signing_key(self) -> bytes | None:
        """The raw Ed25519 private key the device signs requests with, once enrolled."""
        with self._database.read() as connection:
            return connection.execute(select(col(EnrollmentRow.signing_key))).scalar_one_or_none()

    def save_enrollment(self, enrollment: Enrollment, signing_key: bytes) -> None:
        """Store (or replace) the enrollment and the device signing key, in one transaction.

        When the enrollment carries the organisation's policy (`sync.enroll.OrganisationEnrollment`),
        it takes effect in the same transaction: idle lock, wipe limit and retention at once, even
        before the vault is created; a required duress secret is remembered until the officer chooses
        one (`Vault.duress_secret_required`). An enrollment without a policy leaves the settings alone.

        Raises:
            VaultLockedError: the vault exists and no officer session is unlocked.
            VaultTamperedError: the stored enrollment or settings were changed outside Waypoint.
        """
        key = self._integrity()
        organisation_policy = getattr(enrollment, "policy", None)
        policy_values = None
        if isinstance(organisation_policy, OrganisationPolicy):
            policy = VaultPolicy.from_organisation(organisation_policy)
            policy.validate()
            policy_values = {
                "idle_lock_seconds": policy.idle_lock_seconds,
                "wipe_after_failures": policy.wipe_after_failures,
                "retention_days": policy.retention_days,
                "duress_required": organisation_policy.require_duress,
                "emergency_numbers": policy.emergency_numbers_json(),
                "updated_at": format_time(enrollment.enrolled_at.timestamp()),
            }
        values = {
            "id": 1,
            "server_url": enrollment.server_url,
            "device_id": enrollment.device_id,
            "organisation_public_key": enrollment.organisation_public_key,
            "organisation_key_id": enrollment.organisation_key_id,
            "receipt_public_key": enrollment.receipt_public_key,
            "enrolled_at": format_time(enrollment.enrolled_at.timestamp()),
            "signing_key": signing_key,
        }
        with self._database.write() as connection:
            if key is None and is_attested(connection):
                raise VaultLockedError()
            if key is not None:
                verify(connection, key)
            connection.execute(EnrollmentRow.__table__.delete())  # type: ignore[attr-defined]
            connection.execute(insert(EnrollmentRow).values(**values))
            if policy_values is not None:
                connection.execute(update(PolicyRow).values(**policy_values))
            if key is not None:
                attest(connection, key)


class VaultOutboxStore:
    """`sync.stores.OutboxStore` over the vault database."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def pending(self, limit: int) -> list[OutboxItem]:
        """Items not yet acknowledged (and not parked), oldest `seq` first."""
        query = (
            select(OutboxRow)
            .where(col(OutboxRow.status) == "pending", col(OutboxRow.envelope).is_not(None))
            .order_by(col(OutboxRow.seq))
            .limit(limit)
        )
        with self._database.read() as connection:
            rows = connection.execute(query).all()
        return [
            OutboxItem(
                id=row.id,
                seq=row.seq,
                protocol_id=row.protocol_id,
                protocol_version=row.protocol_version,
                key_id=row.key_id,
                envelope=row.envelope,
                attempts=row.attempts,
            )
            for row in rows
        ]

    def mark_sent(self, item_ids: Sequence[str], receipt: bytes) -> None:
        """Record a verified receipt for these items (their interviews then list as sent)."""
        if not item_ids:
            return
        now = format_time(self._clock.now())
        ids = list(item_ids)
        with self._database.write() as connection:
            connection.execute(
                update(OutboxRow)
                .where(col(OutboxRow.id).in_(ids), col(OutboxRow.status) != "sent")
                .values(status="sent", receipt=receipt, sent_at=now, last_error_code=None)
            )

    def record_attempt(self, item_ids: Sequence[str], error_code: str) -> None:
        """Count a failed try; the items stay pending. `error_code` is a code, never content."""
        if not item_ids:
            return
        with self._database.write() as connection:
            connection.execute(
                update(OutboxRow)
                .where(col(OutboxRow.id).in_(list(item_ids)), col(OutboxRow.status) == "pending")
                .values(attempts=col(OutboxRow.attempts) + 1, last_error_code=error_code[:64])
            )

    def park(self, item_id: str, reason_code: str) -> None:
        """The server refused this item for good: stop retrying it and keep it for a person to see."""
        with self._database.write() as connection:
            connection.execute(
                update(OutboxRow)
                .where(col(OutboxRow.id) == item_id, col(OutboxRow.status) == "pending")
                .values(status="parked", parked_reason=reason_code[:64])
            )

    def counts(self) -> OutboxCounts:
        """How many items are pending, sent and parked."""
        query = select(col(OutboxRow.status), func.count()).group_by(col(OutboxRow.status))
        with self._database.read() as connection:
            by_status = {status: int(count) for status, count in connection.execute(query).all()}
        return OutboxCounts(
            pending=by_status.get("pending", 0),
            sent=by_status.get("sent", 0),
            parked=by_status.get("parked", 0),
        )


def purge_sent_envelopes(database: Database, *, sent_before: str, now: str) -> int:
    """Delete the envelopes of interviews sent before `sent_before`, keeping content-free records.

    The outbox row keeps its id, sequence number and receipt; the interview becomes `purged` and loses
    its encrypted outcome summary (`finished.py`). Works while locked.

    Returns:
        How many envelopes were purged.
    """
    with database.write() as connection:
        ids = list(
            connection.execute(
                select(col(OutboxRow.id)).where(
                    col(OutboxRow.status) == "sent",
                    col(OutboxRow.envelope).is_not(None),
                    col(OutboxRow.sent_at) <= sent_before,
                )
            ).scalars()
        )
        if ids:
            connection.execute(
                update(OutboxRow).where(col(OutboxRow.id).in_(ids)).values(envelope=None, purged_at=now)
            )
            # The interview lists as purged from here on; its outcome summary goes with the envelope.
            connection.execute(
                update(InterviewRow).where(col(InterviewRow.id).in_(ids)).values(finished=None)
            )
    if ids:
        database.checkpoint()
    return len(ids)
