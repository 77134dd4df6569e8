"""The signed directory: one canonical document, signed by the organisation, checked by every device.

    document  = canonical JSON of {"format": "waypoint-directory/1", "version": N,
                                   "issued_at": "<UTC ISO 8601>", "services": [HSDS 3.0 service, ...]}
    signature = XEdDSA (`sync.organisation_signature`) by the organisation's X25519 key over
                "waypoint-directory/1\\0" + document

The server stores and serves the document and signature as an opaque blob with its version; it never
reads them. The device checks the signature with the organisation key it trusts from enrollment, that
the version inside the document is the one announced, and that it is newer than the one it holds
(an old, genuinely signed directory replayed by the server is refused too).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from referral.directory.errors import (
    DirectoryProblem,
    InvalidDirectoryError,
    OlderDirectoryError,
    TamperedDirectoryError,
)
from referral.directory.hsds import problems_of, service_from_hsds, services_of, with_partners
from referral.directory.model import Directory, PartnerKeys
from sync import organisation_signature
from sync.wire import canonical_json

__all__ = [
    "DOCUMENT_FORMAT",
    "SignedDirectory",
    "document_services",
    "import_directory",
    "open_directory",
    "read_directory",
]

DOCUMENT_FORMAT = "waypoint-directory/1"
_SIGNATURE_LABEL = DOCUMENT_FORMAT.encode() + b"\0"


@dataclass(frozen=True)
class SignedDirectory:
    """What the server stores and a device receives: the version, the document and its signature."""

    version: int
    document: bytes
    signature: bytes


def import_directory(
    data: object,
    *,
    version: int,
    organisation_key: X25519PrivateKey,
    partners: Mapping[str, PartnerKeys] | None = None,
    issued_at: datetime | None = None,
) -> tuple[Directory, SignedDirectory]:
    """Check an HSDS 3.0 file's contents and sign them as directory `version`.

    Args:
        data: the parsed JSON: an HSDS API page (`{"contents": [...], ...}`) or a list of services.
        version: the new version (one more than the last one published).
        organisation_key: the organisation's X25519 private key (`sync.desk.load_private_key`).
        partners: enrolled partners' keys by HSDS organisation id; written into those organisations'
            Waypoint attributes (replacing what the file says).
        issued_at: the signing time (default: now, UTC).

    Raises:
        InvalidDirectoryError: every problem, each with its JSON path; nothing is signed.
    """
    services, prefix, problems = services_of(data)
    problems += problems_of(services, prefix)
    if problems:
        raise InvalidDirectoryError(problems)
    hsds = [with_partners(service, partners or {}) for service in services]
    issued = (issued_at or datetime.now(UTC)).astimezone(UTC)
    document = canonical_json(
        {"format": DOCUMENT_FORMAT, "version": version, "issued_at": issued.isoformat(), "services": hsds}
    )
    signature = organisation_signature.sign(organisation_key, _SIGNATURE_LABEL + document)
    return read_directory(document), SignedDirectory(version, document, signature)


def open_directory(
    signed: SignedDirectory,
    *,
    organisation_public_key: bytes,
    held_version: int | None = None,
    validate: bool = True,
) -> Directory:
    """Check a received directory and read it (on the device, before it is stored).

    `validate=False` skips the HSDS schema check (a directory read back from the vault was checked
    when it arrived); the signature is always checked.

    Raises:
        TamperedDirectoryError: the signature does not verify with the organisation key, or the
            document does not say the version it was delivered as.
        OlderDirectoryError: it is not newer than `held_version`.
    """
    if not organisation_signature.verify(
        organisation_public_key, _SIGNATURE_LABEL + signed.document, signed.signature
    ):
        raise TamperedDirectoryError()
    try:
        directory = read_directory(signed.document, validate=validate)
    except InvalidDirectoryError as error:
        raise TamperedDirectoryError() from error
    if directory.version != signed.version:
        raise TamperedDirectoryError()
    if held_version is not None and directory.version <= held_version:
        raise OlderDirectoryError(received=directory.version, held=held_version)
    return directory


def read_directory(document: bytes, *, validate: bool = True) -> Directory:
    """Read a directory document (whose signature was checked, or which this desk just signed).

    Raises:
        InvalidDirectoryError: it is not a Waypoint directory document.
    """
    content = _document(document, validate=validate)
    try:
        services = tuple(service_from_hsds(service) for service in content["services"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        problem = DirectoryProblem("$.services", "a service cannot be read")
        raise InvalidDirectoryError([problem]) from error
    return Directory(
        version=content["version"],
        issued_at=datetime.fromisoformat(content["issued_at"]),
        services=services,
    )


def document_services(document: bytes) -> Sequence[Mapping[str, Any]]:
    """The HSDS services of a directory document, as signed (what `directory export` writes)."""
    services: list[Mapping[str, Any]] = _document(document)["services"]
    return services


def _document(document: bytes, *, validate: bool = True) -> dict[str, Any]:
    try:
        content = json.loads(document)
        valid = (
            isinstance(content, dict)
            and content.get("format") == DOCUMENT_FORMAT
            and isinstance(content.get("version"), int)
            and isinstance(content.get("issued_at"), str)
            and isinstance(content.get("services"), list)
        )
        if valid:
            datetime.fromisoformat(content["issued_at"])
    except ValueError:
        valid = False
    if not valid:
        raise InvalidDirectoryError([DirectoryProblem("$", f"not a {DOCUMENT_FORMAT} document")])
    problems = problems_of(content["services"], "$.services") if validate else []
    if problems:
        raise InvalidDirectoryError(problems)
    result: dict[str, Any] = content
    return result
