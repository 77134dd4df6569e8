"""The server's read interface for the case desk: what arrived, and which devices a device continues.

The desk never touches the server's tables itself: it asks a `SubmissionReader` for the stored
envelopes (ciphertext and routing metadata, oldest first) and for a device's lineage. The reader only
reads; it opens an existing referral server database and never creates one.

    with SubmissionReader.open(database_url) as reader:
        for stored in reader.submissions(batch_size=200): ...
        reader.lineage(device_id)          # [device_id, the revoked device it continues, ...]
        reader.device_keys(device_id)      # the device's Ed25519 keys and the organisation's vouching
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError
from sqlmodel import Session, col, select

from sync.code_authority import VouchedKey
from sync.server import crud
from sync.server.db import make_engine
from sync.server.models import (
    Device,
    DeviceKeyHistory,
    DeviceSuccession,
    Partner,
    Referral,
    ReferralEventRow,
    Submission,
)
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = ["StoredPartner", "StoredReferral", "StoredSubmission", "SubmissionReader"]


@dataclass(frozen=True)
class StoredSubmission:
    """One stored envelope and the routing metadata it was sent with (no plaintext, ever)."""

    interview_id: str
    device_id: str
    protocol_id: str
    protocol_version: str
    envelope: bytes


@dataclass(frozen=True)
class StoredPartner:
    """An enrolled partner as the server keeps it, with the organisation's vouching (unchecked)."""

    partner_id: str
    organization_id: str
    status: str
    signing_public_key: bytes
    sealing_public_key: bytes
    enrolled_at: int
    code_id: str | None
    key_proof: bytes | None


@dataclass(frozen=True)
class StoredReferral:
    """A referral's organisation copy, routing metadata and its status changes as stored."""

    referral_id: str
    device_id: str
    partner_id: str
    for_organisation: bytes
    received_at: int
    events: tuple[ReferralEventRow, ...]


class SubmissionReader:
    """Read-only access to a referral server database; close it (or use `with`) when done."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        tables = inspect(engine)
        self._has_successions = tables.has_table(DeviceSuccession.__tablename__)
        self._has_key_history = tables.has_table(DeviceKeyHistory.__tablename__)
        self._lookups = Session(engine)
        self._lineages: dict[str, list[str]] = {}  # per device, not per row: a device sends many

    @classmethod
    def open(cls, database_url: str) -> SubmissionReader:
        """A reader on an existing referral server database.

        Raises:
            ConfigError: `database_url` is not a referral server's database (missing, unreachable, no
                tables); nothing is created then.
        """
        return cls(_open_server_database(database_url))

    def submissions(self, *, batch_size: int = 200) -> Iterator[StoredSubmission]:
        """Every stored submission, oldest first, read `batch_size` rows at a time."""
        with Session(self._engine) as session:
            rows = session.exec(
                select(Submission).order_by(col(Submission.row_id)).execution_options(yield_per=batch_size)
            )
            for row in rows:
                yield StoredSubmission(
                    row.interview_id, row.device_id, row.protocol_id, row.protocol_version, row.envelope
                )

    def lineage(self, device_id: str) -> list[str]:
        """`device_id`, then the revoked devices it continues (the ids its envelopes may be sealed under)."""
        chain = self._lineages.get(device_id)
        if chain is None:
            chain = (
                crud.lineage(bind=self._lookups, device_id=device_id)
                if self._has_successions
                else [device_id]
            )
            self._lineages[device_id] = chain
        return chain

    def device_keys(self, device_id: str) -> list[VouchedKey]:
        """The Ed25519 keys `device_id` enrolled with and their vouching, current first; [] if unknown.

        Revoked devices keep theirs. A database made before keys were kept lists only the current key,
        without vouching.
        """
        if not self._has_key_history:
            device = self._lookups.get(Device, device_id)
            return [] if device is None else [VouchedKey(bytes(device.public_key))]
        return crud.device_keys(session=self._lookups, device_id=device_id)

    def partners(self) -> list[StoredPartner]:
        """Every partner principal, oldest first ([] on a database from before partners)."""
        if not inspect(self._engine).has_table(Partner.__tablename__):
            return []
        with Session(self._engine) as session:
            rows = session.exec(
                select(Partner, Device)
                .join(Device, col(Device.device_id) == col(Partner.partner_id))
                .order_by(col(Partner.enrolled_at))
            ).all()
            return [
                StoredPartner(
                    partner.partner_id,
                    partner.organization_id,
                    device.status,
                    bytes(partner.signing_public_key),
                    bytes(partner.sealing_public_key),
                    partner.enrolled_at,
                    partner.code_id,
                    None if partner.key_proof is None else bytes(partner.key_proof),
                )
                for partner, device in rows
            ]

    def referrals(self) -> list[StoredReferral]:
        """Every referral with its status changes, oldest first ([] before referrals existed)."""
        if not inspect(self._engine).has_table(Referral.__tablename__):
            return []
        with Session(self._engine) as session:
            events: dict[str, list[ReferralEventRow]] = {}
            for event in session.exec(select(ReferralEventRow).order_by(col(ReferralEventRow.event_id))):
                events.setdefault(event.referral_id, []).append(event)
            rows = session.exec(select(Referral).order_by(col(Referral.received_at))).all()
            return [
                StoredReferral(
                    row.referral_id,
                    row.device_id,
                    row.partner_id,
                    bytes(row.for_organisation),
                    row.received_at,
                    tuple(events.get(row.referral_id, ())),
                )
                for row in rows
            ]

    def close(self) -> None:
        self._lookups.close()
        self._engine.dispose()

    def __enter__(self) -> SubmissionReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _open_server_database(database_url: str) -> Engine:
    """A read-only engine on an existing referral server database; never creates one."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        url = None
    if url is not None and url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise _not_a_server_database()
    engine = make_engine(database_url, writer=False)
    try:
        has_submissions = inspect(engine).has_table(Submission.__tablename__)
    except DatabaseError as error:  # unreachable, refused, or a file that is not a database
        engine.dispose()
        raise ConfigError(
            N_("The referral server database could not be opened."),
            N_("Check the --database-url, that the database server runs and that you may read it."),
        ) from error
    if not has_submissions:
        engine.dispose()
        raise _not_a_server_database()
    return engine


def _not_a_server_database() -> ConfigError:
    return ConfigError(
        N_("There is no referral server database at this --database-url."),
        N_("Give the --database-url that `waypoint server` uses (it holds the submissions)."),
    )
