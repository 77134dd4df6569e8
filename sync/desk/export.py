"""Open what arrived on the server and export it for case work: one JSON file per interview.

Each envelope is opened with the organisation key it names, its binding is checked (HPKE `info`, then
the ids inside the plaintext against the server's routing metadata), and the plaintext is written
exactly as the device recorded it to `<interview id>.json`. Anything that cannot be opened is
reported by id and reason, never skipped silently.

An envelope is bound to the device id that sealed it. A revoked device that was enrolled again sends
what it sealed before under its new id; the server records which revoked device the new one continues
(`DeviceSuccession`), and the desk opens such an envelope with the id it was sealed under.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError
from sqlmodel import Session, col, select

from sync.envelope import key_id_for, open_submission, read_header
from sync.errors import EnvelopeError
from sync.server import crud
from sync.server.db import make_engine
from sync.server.models import DeviceSuccession, Submission
from waypoint.errors import N_, ConfigError

__all__ = [
    "PLAINTEXT_FORMAT",
    "ExportFailure",
    "ExportReport",
    "OpenedInterview",
    "export_submissions",
    "open_submissions",
]

PLAINTEXT_FORMAT = "waypoint-interview/1"
SUBMISSIONS_TABLE = "submissions"
SAFE_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class ExportFailure:
    """One submission that could not be exported, and why (a code, never content)."""

    interview_id: str
    device_id: str
    reason: str  # no_key | does_not_open | not_an_interview | binding_mismatch | unsafe_id


@dataclass(frozen=True)
class OpenedInterview:
    """One submission opened and checked: the interview as the device recorded it, and the key that
    opened it (other desk exports derive per-organisation pseudonyms from it)."""

    interview_id: str
    plaintext: bytes
    key: X25519PrivateKey


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    failures: list[ExportFailure] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.written) + len(self.failures)


def export_submissions(
    database_url: str, private_keys: Sequence[X25519PrivateKey], out_dir: Path, *, batch_size: int = 200
) -> ExportReport:
    """Export every submission on the server database to `out_dir` (created 0700).

    Args:
        database_url: the referral server's database (read only).
        private_keys: the organisation's private keys (several after a rotation).
        out_dir: where `<interview id>.json` files go; existing ones are replaced.
        batch_size: rows read at a time.

    Returns:
        What was written and what could not be.

    Raises:
        ConfigError: `database_url` is not a referral server's database (missing, unreachable, no tables);
            nothing is created then, neither the database nor `out_dir`.
    """
    opened = open_submissions(database_url, private_keys, batch_size=batch_size)
    out_dir = Path(out_dir)
    report = ExportReport()
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for item in opened:
        if isinstance(item, ExportFailure):
            report.failures.append(item)
        else:
            report.written.append(write_private_file(out_dir / f"{item.interview_id}.json", item.plaintext))
    return report


def open_submissions(
    database_url: str, private_keys: Sequence[X25519PrivateKey], *, batch_size: int = 200
) -> Iterator[OpenedInterview | ExportFailure]:
    """Every submission on the server database, opened and checked, or the reason it could not be.

    Raises:
        ConfigError: at once (not when iterating) when `database_url` is not a referral server's database.
    """
    keys = {key_id_for(_raw_public(key)): key for key in private_keys}
    engine = _open_server_database(database_url)
    return _opened(engine, keys, batch_size)


def _opened(
    engine: Engine, keys: dict[str, X25519PrivateKey], batch_size: int
) -> Iterator[OpenedInterview | ExportFailure]:
    try:
        has_successions = inspect(engine).has_table(DeviceSuccession.__tablename__)
        with Session(engine) as session, Session(engine) as lookups:
            rows = session.exec(
                select(Submission).order_by(col(Submission.row_id)).execution_options(yield_per=batch_size)
            )
            lineages: dict[str, list[str]] = {}  # per device, not per row: a device sends many
            for row in rows:
                senders = lineages.get(row.device_id)
                if senders is None:
                    senders = lineages[row.device_id] = (
                        crud.lineage(session=lookups, device_id=row.device_id)
                        if has_successions
                        else [row.device_id]
                    )
                yield _open_one(row, senders, keys)
    finally:
        engine.dispose()


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
        has_submissions = inspect(engine).has_table(SUBMISSIONS_TABLE)
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


def _open_one(
    row: Submission, senders: Sequence[str], keys: dict[str, X25519PrivateKey]
) -> OpenedInterview | ExportFailure:
    """Open one row; `senders` are the device ids it may be sealed under (the sender's lineage)."""

    def fail(reason: str) -> ExportFailure:
        return ExportFailure(row.interview_id, row.device_id, reason)

    if not SAFE_FILE_STEM.fullmatch(row.interview_id):
        return fail("unsafe_id")
    try:
        key = keys.get(read_header(row.envelope).key_id)
    except EnvelopeError:
        return fail("does_not_open")
    if key is None:
        return fail("no_key")
    plaintext, sealed_by = None, row.device_id
    for sealed_by in senders:
        try:
            plaintext = open_submission(
                row.envelope,
                private_key=key,
                device_id=sealed_by,
                interview_id=row.interview_id,
                protocol_id=row.protocol_id,
                protocol_version=row.protocol_version,
            )
            break
        except EnvelopeError:
            continue
    if plaintext is None:
        return fail("does_not_open")
    try:
        recorded = json.loads(plaintext)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return fail("not_an_interview")
    if not isinstance(recorded, dict) or recorded.get("format") != PLAINTEXT_FORMAT:
        return fail("not_an_interview")
    routing = {
        "interview_id": row.interview_id,
        "protocol_id": row.protocol_id,
        "protocol_version": row.protocol_version,
        "device_id": sealed_by,
    }
    if recorded.get("interview_id") != row.interview_id or any(
        name in recorded and recorded[name] != value for name, value in routing.items()
    ):
        return fail("binding_mismatch")
    return OpenedInterview(row.interview_id, plaintext, key)


def write_private_file(path: Path, content: bytes) -> Path:
    """Write `content` to `path` atomically, readable by this user only."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".export-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _raw_public(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
