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

import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.envelope import key_id_for, open_submission, read_header
from sync.errors import EnvelopeError
from sync.sealed import SealedDocumentError, SealedInterview
from sync.server.reading import StoredSubmission, SubmissionReader

__all__ = [
    "ExportFailure",
    "ExportReport",
    "OpenedInterview",
    "SubmissionSource",
    "export_from",
    "export_submissions",
    "open_from",
    "write_private_file",
]

SAFE_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class SubmissionSource(Protocol):
    """Where the desk reads stored envelopes from (`sync.server.reading.SubmissionReader`)."""

    def submissions(self, *, batch_size: int = 200) -> Iterable[StoredSubmission]: ...

    def lineage(self, device_id: str) -> Sequence[str]: ...


@dataclass(frozen=True)
class ExportFailure:
    """One submission that could not be exported, and why (a code, never content)."""

    interview_id: str
    device_id: str
    reason: str  # no_key | does_not_open | not_an_interview | binding_mismatch | unsafe_id


@dataclass(frozen=True)
class OpenedInterview:
    """One submission opened and checked: the interview as the device recorded it (`plaintext`, and
    parsed as `document`), and the key that opened it (other desk exports derive pseudonyms from it)."""

    interview_id: str
    plaintext: bytes
    document: SealedInterview
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
    with SubmissionReader.open(database_url) as reader:
        return export_from(reader, private_keys, out_dir, batch_size=batch_size)


def export_from(
    source: SubmissionSource,
    private_keys: Sequence[X25519PrivateKey],
    out_dir: Path,
    *,
    batch_size: int = 200,
) -> ExportReport:
    """Export what `source` holds to `out_dir` (created 0700); see `export_submissions`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    report = ExportReport()
    for item in open_from(source, private_keys, batch_size=batch_size):
        if isinstance(item, ExportFailure):
            report.failures.append(item)
        else:
            report.written.append(write_private_file(out_dir / f"{item.interview_id}.json", item.plaintext))
    return report


def open_from(
    source: SubmissionSource, private_keys: Sequence[X25519PrivateKey], *, batch_size: int = 200
) -> Iterator[OpenedInterview | ExportFailure]:
    """Every submission `source` holds, opened and checked, or the reason it could not be (in order)."""
    keys = {key_id_for(_raw_public(key)): key for key in private_keys}
    for stored in source.submissions(batch_size=batch_size):
        yield _open_one(stored, source.lineage(stored.device_id), keys)


def _open_one(
    row: StoredSubmission, senders: Sequence[str], keys: dict[str, X25519PrivateKey]
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
        recorded = SealedInterview.from_json(plaintext)
    except SealedDocumentError:
        return fail("not_an_interview")
    routing = (
        (recorded.interview_id, row.interview_id),
        (recorded.protocol_id, row.protocol_id),
        (recorded.protocol_version, row.protocol_version),
        (recorded.device_id or sealed_by, sealed_by),
    )
    if any(inside != outside for inside, outside in routing):
        return fail("binding_mismatch")
    return OpenedInterview(row.interview_id, plaintext, recorded, key)


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
