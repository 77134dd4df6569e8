"""The sealed-document contract: what a device seals for its organisation, and what the desk opens.

One completed interview is one JSON object, `format` `waypoint-interview/1`, with the fields of
`SealedInterview` in `SEALED_FIELDS` order. The device's vault builds it (`app.vault.records`), HPKE
seals it (`sync.envelope`), and the case desk opens and checks it (`sync.desk.export`); all three use
this class, so the fields, their order, the format name and the checks are written once.

    document = SealedInterview(interview_id=..., protocol_id="border-rapid", protocol_version="1",
                               answers={"in_danger": "no"}, ...)
    plaintext = document.with_device("device-1").to_json()    # what gets sealed
    SealedInterview.from_json(plaintext)                       # SealedDocumentError if it is not one

Answers, the outcome, checks and consent are JSON values as the engine and the app record them; the
contract checks their shape (objects, lists, strings), never their content. An error names the
field (`params["field"]`), never a value: a value may be an answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sync.errors import SyncError
from waypoint.core.i18n import N_

__all__ = ["SEALED_FIELDS", "SEALED_FORMAT", "SealedDocumentError", "SealedInterview"]

SEALED_FORMAT = "waypoint-interview/1"

JsonObject = Mapping[str, Any]  # a JSON object as `json.loads` returns it (values checked by shape only)


class SealedDocumentError(SyncError):
    """A sealed plaintext is not a Waypoint interview document; `params["field"]` names the field."""

    code = "WP-SYNC-011"
    what = N_("This is not a sealed Waypoint interview, or its format is not supported.")
    todo = N_("Update Waypoint, or check that the file is a sealed interview.")


@dataclass(frozen=True)
class SealedInterview:
    """One completed interview as the organisation receives it."""

    interview_id: str
    protocol_id: str
    protocol_version: str
    answers: JsonObject
    asked: tuple[str, ...] = ()
    started_at: str | None = None  # ISO 8601 UTC, to the second
    completed_at: str | None = None  # set by the vault when the interview is completed
    device_id: str | None = None  # set when it is sealed (the envelope is bound to it too)
    respondent_language: str | None = None
    officer_language: str | None = None
    outcome: JsonObject | None = None
    notes: str | None = None
    checks: JsonObject = field(default_factory=dict)
    consent: JsonObject = field(default_factory=dict)
    format: str = SEALED_FORMAT

    def with_device(self, device_id: str) -> SealedInterview:
        """The same document, sealed by `device_id`."""
        return replace(self, device_id=device_id)

    def completed(self, completed_at: str) -> SealedInterview:
        """The same document, completed at `completed_at` (ISO 8601 UTC)."""
        return replace(self, completed_at=completed_at)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object, fields in `SEALED_FIELDS` order."""
        values = asdict(self)
        values["asked"] = list(self.asked)
        return {name: values[name] for name in SEALED_FIELDS}

    def to_json(self) -> bytes:
        """The sealed plaintext: compact UTF-8 JSON, fields in `SEALED_FIELDS` order."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> SealedInterview:
        """Read and check a sealed plaintext.

        Raises:
            SealedDocumentError: it is not JSON, not an object, not this format, or a field is missing,
                unknown or of the wrong type.
        """
        try:
            document = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SealedDocumentError(field="(the document)") from None
        return cls.from_dict(document)

    @classmethod
    def from_dict(cls, document: object) -> SealedInterview:
        """Check a decoded document (see `from_json`)."""
        if not isinstance(document, dict):
            raise SealedDocumentError(field="(the document)")
        unknown = sorted(set(document) - set(SEALED_FIELDS))
        if unknown:
            raise SealedDocumentError(field=unknown[0])
        if document.get("format") != SEALED_FORMAT:
            raise SealedDocumentError(field="format")
        for name, kinds, required in _CHECKS:
            value = document.get(name)
            if (value is None and required) or (value is not None and not isinstance(value, kinds)):
                raise SealedDocumentError(field=name)
        asked = document.get("asked") or []
        if not all(isinstance(qid, str) for qid in asked):
            raise SealedDocumentError(field="asked")
        present = {name: value for name, value in document.items() if value is not None}
        present["asked"] = tuple(asked)
        return cls(**present)


SEALED_FIELDS = (
    "format",
    "interview_id",
    "protocol_id",
    "protocol_version",
    "device_id",
    "started_at",
    "completed_at",
    "respondent_language",
    "officer_language",
    "answers",
    "asked",
    "outcome",
    "notes",
    "checks",
    "consent",
)
# (field, accepted JSON types, required); `format` is checked on its own.
_CHECKS: tuple[tuple[str, type | tuple[type, ...], bool], ...] = (
    ("interview_id", str, True),
    ("protocol_id", str, True),
    ("protocol_version", str, True),
    ("answers", dict, True),
    ("asked", list, False),
    ("started_at", str, False),
    ("completed_at", str, False),
    ("device_id", str, False),
    ("respondent_language", str, False),
    ("officer_language", str, False),
    ("outcome", dict, False),
    ("notes", str, False),
    ("checks", dict, False),
    ("consent", dict, False),
)
