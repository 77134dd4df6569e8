"""Open what arrived on the server and export it for case work: one JSON file per interview.

Each envelope is opened with the organisation key it names, its binding is checked (HPKE `info`), the
device's signature inside it is checked against the keys the device enrolled with, and only keys the
organisation vouched for count (`sync.code_authority`), so a row the server's operator sealed to the
organisation's public key is refused (`sync.sender_signature`), even after changing keys in the
server's database; then the ids
inside the document against the server's routing metadata, and the document is written exactly as the
device recorded it to `<interview id>.json`. Envelopes sealed before devices signed are refused
(`unsigned`), and so is what devices enrolled with codes the desk never authorised signed
(`unvouched_device_key`); during a migration `accept_unverified` writes those two kinds to
`unverified/<interview id>.json` instead, listed in `ExportReport.unverified`
(docs/security.md, finding 4). Anything that cannot be opened is
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

from sync.code_authority import VouchedKey, vouched_keys
from sync.envelope import binding_info, key_id_for, open_submission, read_header
from sync.errors import EnvelopeError
from sync.sealed import SealedDocumentError, SealedInterview
from sync.sender_signature import SenderNotVerifiedError, signed_content, verify_signed_document
from sync.server.reading import StoredSubmission, SubmissionReader

__all__ = [
    "REFUSAL_REASONS",
    "ExportFailure",
    "ExportReport",
    "OpenedInterview",
    "SubmissionSource",
    "export_from",
    "export_submissions",
    "open_from",
    "write_private_file",
]

REFUSAL_REASONS = {
    "unsafe_id": "its interview id cannot be a file name",
    "no_key": "it is sealed to an organisation key that was not given",
    "does_not_open": "it does not open: altered, or bound to another interview or device",
    "unknown_device": "the device it is bound to is not enrolled on this server",
    "unsigned": "it carries no device signature (sealed by an older version, or forged)",
    "bad_signature": "its device signature does not verify: forged or altered on the server",
    "unvouched_device_key": "it is signed by a device key the organisation never vouched for: enrolled"
    " with a code the case desk did not authorise, or a key changed on the server",
    "not_an_interview": "it is not a Waypoint interview document",
    "binding_mismatch": "its contents name another interview, protocol or device",
}
# What `accept_unverified` writes anyway, to `unverified/`: envelopes sealed before devices signed, and
# devices enrolled before the organisation authorised codes. Never a signature that fails.
ACCEPTABLE_UNVERIFIED = frozenset({"unsigned", "unvouched_device_key"})
UNVERIFIED_FOLDER = "unverified"
SAFE_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class SubmissionSource(Protocol):
    """Where the desk reads stored envelopes from (`sync.server.reading.SubmissionReader`)."""

    def submissions(self, *, batch_size: int = 200) -> Iterable[StoredSubmission]: ...

    def lineage(self, device_id: str) -> Sequence[str]: ...

    def device_keys(self, device_id: str) -> Sequence[VouchedKey]: ...


@dataclass(frozen=True)
class ExportFailure:
    """One submission that could not be exported, and why (a code, never content)."""

    interview_id: str
    device_id: str
    reason: str  # REFUSAL_REASONS


@dataclass(frozen=True)
class OpenedInterview:
    """One submission opened and checked: the interview as the device recorded it (`plaintext`, and
    parsed as `document`), and the key that opened it (other desk exports derive pseudonyms from it)."""

    interview_id: str
    device_id: str
    plaintext: bytes
    document: SealedInterview
    key: X25519PrivateKey
    unverified_reason: str | None = None  # set only with accept_unverified: REFUSAL_REASONS key


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    failures: list[ExportFailure] = field(default_factory=list)
    unverified: list[ExportFailure] = field(default_factory=list)  # written to unverified/ on request

    @property
    def total(self) -> int:
        return len(self.written) + len(self.failures) + len(self.unverified)


def export_submissions(
    database_url: str,
    private_keys: Sequence[X25519PrivateKey],
    out_dir: Path,
    *,
    batch_size: int = 200,
    accept_unverified: bool = False,
) -> ExportReport:
    """Export every submission on the server database to `out_dir` (created 0700).

    Args:
        database_url: the referral server's database (read only).
        private_keys: the organisation's private keys (several after a rotation).
        out_dir: where `<interview id>.json` files go; existing ones are replaced.
        batch_size: rows read at a time.
        accept_unverified: also write envelopes sealed before devices signed, and those signed by
            device keys the organisation never vouched for, to `unverified/` (a migration's choice).

    Returns:
        What was written and what could not be.

    Raises:
        ConfigError: `database_url` is not a referral server's database (missing, unreachable, no tables);
            nothing is created then, neither the database nor `out_dir`.
    """
    with SubmissionReader.open(database_url) as reader:
        return export_from(
            reader, private_keys, out_dir, batch_size=batch_size, accept_unverified=accept_unverified
        )


def export_from(
    source: SubmissionSource,
    private_keys: Sequence[X25519PrivateKey],
    out_dir: Path,
    *,
    batch_size: int = 200,
    accept_unverified: bool = False,
) -> ExportReport:
    """Export what `source` holds to `out_dir` (created 0700); see `export_submissions`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    report = ExportReport()
    for item in open_from(source, private_keys, batch_size=batch_size, accept_unverified=accept_unverified):
        if isinstance(item, ExportFailure):
            report.failures.append(item)
        elif item.unverified_reason is None:
            report.written.append(write_private_file(out_dir / f"{item.interview_id}.json", item.plaintext))
        else:
            folder = out_dir / UNVERIFIED_FOLDER
            folder.mkdir(exist_ok=True, mode=0o700)
            write_private_file(folder / f"{item.interview_id}.json", item.plaintext)
            report.unverified.append(ExportFailure(item.interview_id, item.device_id, item.unverified_reason))
    return report


def open_from(
    source: SubmissionSource,
    private_keys: Sequence[X25519PrivateKey],
    *,
    batch_size: int = 200,
    accept_unverified: bool = False,
) -> Iterator[OpenedInterview | ExportFailure]:
    """Every submission `source` holds, opened and its sender verified, or the reason it could not be
    (in order). The one path every desk export goes through: no export can skip the signature check.
    With `accept_unverified`, unsigned and unvouched ones come back marked (`unverified_reason`)."""
    keys = {key_id_for(_raw_public(key)): key for key in private_keys}
    for stored in source.submissions(batch_size=batch_size):
        yield _open_one(stored, source, keys, accept_unverified=accept_unverified)


def _open_one(
    row: StoredSubmission,
    source: SubmissionSource,
    keys: dict[str, X25519PrivateKey],
    *,
    accept_unverified: bool,
) -> OpenedInterview | ExportFailure:
    """Open one row under one of the sender's lineage ids, then check the device signature."""

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
    for sealed_by in source.lineage(row.device_id):
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
    device_keys = source.device_keys(sealed_by)
    if not device_keys:
        return fail("unknown_device")
    binding = binding_info(
        device_id=sealed_by,
        interview_id=row.interview_id,
        protocol_id=row.protocol_id,
        protocol_version=row.protocol_version,
        key_id=key_id_for(_raw_public(key)),
    )
    trusted = vouched_keys(device_keys, list(keys.values()))
    unverified_reason = None
    try:
        plaintext = verify_signed_document(
            plaintext, device_public_keys=trusted, binding=binding, interview_id=row.interview_id
        )
    except SenderNotVerifiedError as error:
        reason = str(error.params["reason"])
        if reason == "bad_signature" and _signed_by_any(plaintext, device_keys, binding):
            reason = "unvouched_device_key"
        if not (accept_unverified and reason in ACCEPTABLE_UNVERIFIED):
            return fail(reason)
        unverified_reason, plaintext = reason, signed_content(plaintext)
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
    return OpenedInterview(row.interview_id, row.device_id, plaintext, recorded, key, unverified_reason)


def _signed_by_any(plaintext: bytes, device_keys: Sequence[VouchedKey], binding: bytes) -> bool:
    """True when a key the organisation does not vouch for made the signature."""
    try:
        verify_signed_document(
            plaintext,
            device_public_keys=[key.public_key for key in device_keys],
            binding=binding,
            interview_id="",
        )
    except SenderNotVerifiedError:
        return False
    return True


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
