"""The sealed-document contract, written once in `sync.sealed`.

SD001: a document survives to_json → from_json unchanged; its fields come in `SEALED_FIELDS` order,
       which names every field of `SealedInterview` once.
SD002: anything that is not a Waypoint interview document is refused, naming the field and never a
       value (a value may be an answer).
SD003: the desk exports from any `SubmissionSource` (the read interface), without a server database.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.code_authority import VouchedKey, key_proof, new_code_authority
from sync.desk import export_from
from sync.envelope import key_id_for, seal_submission
from sync.identity import ed25519_public_bytes, ed25519_raw_private
from sync.sealed import SEALED_FIELDS, SEALED_FORMAT, SealedDocumentError, SealedInterview
from sync.server.reading import StoredSubmission
from sync.stores import Enrollment

SECRET_ANSWER = "the answer nobody may log"


def _document() -> SealedInterview:
    return SealedInterview(
        interview_id="0b0d6f4e-8a51-4d8e-9a4c-2f1e6c1d7a10",
        protocol_id="border-rapid",
        protocol_version="1",
        answers={"in_danger": "no", "age": 34, "note": SECRET_ANSWER},
        asked=("in_danger", "age", "note"),
        started_at="2026-01-01T00:00:00Z",
        completed_at="2026-01-01T00:10:00Z",
        device_id="device-1",
        respondent_language="ar",
        officer_language="en",
        outcome={"level": "possible", "indicators": []},
        notes="ünïcødé notes",
        checks={"alone": "yes"},
        consent={"agreed": True},
    )


def test_sd001_round_trip_and_order() -> None:
    document = _document()
    plaintext = document.to_json()
    assert SealedInterview.from_json(plaintext) == document
    assert list(json.loads(plaintext)) == list(SEALED_FIELDS)
    assert sorted(SEALED_FIELDS) == sorted(f.name for f in dataclasses.fields(SealedInterview))
    assert json.loads(plaintext)["format"] == SEALED_FORMAT


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "waypoint-interview/2"}, "format"),
        ({"interview_id": None}, "interview_id"),
        ({"answers": [SECRET_ANSWER]}, "answers"),
        ({"asked": [1, 2]}, "asked"),
        ({"notes": 7}, "notes"),
        ({"shadow": SECRET_ANSWER}, "shadow"),
    ],
)
def test_sd002_refusals_name_the_field(change: dict[str, object], field: str) -> None:
    bad = {**_document().to_dict(), **change}
    with pytest.raises(SealedDocumentError) as refused:
        SealedInterview.from_json(json.dumps(bad).encode())
    assert refused.value.params["field"] == field and SECRET_ANSWER not in refused.value.message()


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", "\ud800".encode("utf-8", "surrogatepass")])
def test_sd002_not_a_document(data: bytes) -> None:
    with pytest.raises(SealedDocumentError):
        SealedInterview.from_json(data)


class ListSource:
    """A `SubmissionSource` holding envelopes in memory."""

    def __init__(self, stored: list[StoredSubmission], keys: dict[str, list[VouchedKey]]) -> None:
        self.stored = stored
        self.keys = keys

    def submissions(self, *, batch_size: int = 200) -> Iterator[StoredSubmission]:
        yield from self.stored

    def lineage(self, device_id: str) -> list[str]:
        return [device_id]

    def device_keys(self, device_id: str) -> list[VouchedKey]:
        return self.keys.get(device_id, [])


def test_sd003_export_from_a_source(tmp_path: Path) -> None:
    key = X25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    enrollment = Enrollment(
        server_url="http://127.0.0.1:9",
        device_id="device-1",
        organisation_public_key=public,
        organisation_key_id=key_id_for(public),
        receipt_public_key=b"\x03" * 32,
        enrolled_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    document = _document()
    plaintext = document.to_json()
    device_key = Ed25519PrivateKey.generate()
    envelope = seal_submission(
        plaintext,
        enrollment=enrollment,
        interview_id=document.interview_id,
        protocol_id=document.protocol_id,
        protocol_version=document.protocol_version,
        signing_key=ed25519_raw_private(device_key),
    )
    stored = StoredSubmission(document.interview_id, "device-1", "border-rapid", "1", envelope)
    moved = dataclasses.replace(stored, interview_id="another-interview")
    device_public = ed25519_public_bytes(device_key)
    authority = new_code_authority(key)  # the organisation authorised the device's enrollment code
    vouched = VouchedKey(device_public, authority.code_id, key_proof(authority.secret, device_public))
    source = ListSource([stored, moved], {"device-1": [vouched]})
    report = export_from(source, [key], tmp_path / "out")
    assert [path.read_bytes() for path in report.written] == [plaintext]
    assert [(f.interview_id, f.reason) for f in report.failures] == [("another-interview", "does_not_open")]
