"""The case desk: organisation keys and the export of what arrived.

DK001: key generation writes a shareable public key and a passphrase-locked private key (0600), never
       overwrites a key, and refuses short passphrases.
DK002: a wrong passphrase or an altered key file does not open the private key.
DK003: export writes `<interview id>.json` holding exactly the bytes recorded, readable by the user only.
DK004: nothing is dropped silently: tampered, unreadable, mis-bound or foreign-key rows are reported.
DK005: after a key rotation, interviews sealed to either key export with both keys given.
DK006: a revoked device enrolled again sends what it sealed before the revocation under its new id;
       the desk opens it (bound to the old id) and writes exactly what was recorded.
DK007: a forged row inserted straight into the server database, sealed to the real organisation key
       under a real device id, is refused at export (`unsigned`, or `bad_signature` when signed with
       any key but the device's, or when the device's signature was altered); the genuine one opens.
DK008: the desk trusts only device keys the organisation vouched for (an authorised code): a device
       enrolled with a plain code the server's operator made, and a key the operator swapped into the
       database (even carrying the real key's code id and proof), are refused as
       `unvouched_device_key`; a code for another organisation key is not authorised.
DK009: `accept_unverified` (a migration's choice) writes unsigned and unvouched interviews to
       `unverified/`, listed apart; a signature that fails is still refused.
"""

from __future__ import annotations

import hashlib
import json
import stat
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import create_engine, insert, update
from sync_fakes import MemoryDeviceStore, MemoryOutboxStore
from sync_servers import InProcessTransport

from sync import Outbox, join
from sync.desk import export_submissions, generate_organisation_keys, load_private_key
from sync.desk.codes import authorize_code
from sync.desk.keys import KeyFiles
from sync.envelope import binding_info, seal_submission
from sync.identity import ed25519_public_bytes
from sync.sealed import SealedInterview
from sync.sender_signature import SIGNED_MAGIC, sign_document
from sync.server import ServerSettings, create_app, create_enrollment_code, revoke_device
from sync.server.models import Device, DeviceKeyHistory, Submission
from sync.stores import Enrollment
from waypoint.core.errors import ConfigError

PASSPHRASE = "a long desk passphrase"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    return generate_organisation_keys(tmp_path_factory.mktemp("desk"), PASSPHRASE)


@pytest.fixture(scope="module")
def private_key(keys: KeyFiles) -> X25519PrivateKey:
    return load_private_key(keys.private_key, PASSPHRASE)  # Argon2id is slow on purpose: open it once


def _document(interview_id: str, enrollment: Enrollment, **changes: object) -> bytes:
    document = SealedInterview(interview_id, "adult", "1", answers={"q1": "yes", "q2": "ünïcødé"})
    recorded = {**document.with_device(enrollment.device_id).to_dict(), **changes}
    return json.dumps(recorded, ensure_ascii=False, indent=2).encode()


def _authorised_code(
    database_url: str, private_key: X25519PrivateKey, public_key_file: Path | None = None
) -> str:
    """A code from the server's administrator, authorised on the case desk."""
    code = create_enrollment_code(database_url, "https://testserver", public_key_file=public_key_file)
    return authorize_code(code, private_key)


def _server_with(
    tmp_path: Path, public_key: Path, private_key: X25519PrivateKey
) -> tuple[str, InProcessTransport, Enrollment, MemoryOutboxStore]:
    database_url = f"sqlite:///{tmp_path / 'referral.db'}"
    transport = InProcessTransport(
        create_app(ServerSettings(database_url=database_url, public_key_file=public_key))
    )
    device = MemoryDeviceStore()
    enrollment = join(_authorised_code(database_url, private_key), device, transport=transport)
    outbox = MemoryOutboxStore()
    outbox.device = device  # type: ignore[attr-defined]
    return database_url, transport, enrollment, outbox


def _send(outbox: MemoryOutboxStore, transport: InProcessTransport) -> None:
    report = Outbox(outbox, outbox.device, transport).send_pending(deadline=10)  # type: ignore[attr-defined]
    assert report.complete


def test_dk001_key_files(keys: KeyFiles, tmp_path: Path) -> None:
    public = serialization.load_pem_public_key(keys.public_key.read_bytes())
    assert isinstance(public, X25519PublicKey)
    assert stat.S_IMODE(keys.private_key.stat().st_mode) == 0o600
    assert b"PRIVATE" not in keys.private_key.read_bytes()
    assert (
        load_private_key(keys.private_key, PASSPHRASE).public_key().public_bytes_raw()
        == public.public_bytes_raw()
    )
    with pytest.raises(ConfigError, match="already exist"):
        generate_organisation_keys(keys.public_key.parent, PASSPHRASE)
    assert generate_organisation_keys(keys.public_key.parent, PASSPHRASE, exist_ok=True) == keys
    with pytest.raises(ConfigError, match="too short"):
        generate_organisation_keys(tmp_path / "short", "short")


def test_dk002_wrong_passphrase_or_altered_file(keys: KeyFiles, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="passphrase does not open"):
        load_private_key(keys.private_key, "not the passphrase at all")
    document = json.loads(keys.private_key.read_text())
    document["kdf"]["t"] = 1  # a weakened parameter set must not open
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(document))
    with pytest.raises(ConfigError):
        load_private_key(altered, PASSPHRASE)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{}")
    with pytest.raises(ConfigError, match="not a Waypoint organisation private key"):
        load_private_key(garbage, PASSPHRASE)


def test_dk003_export_writes_exactly_what_was_recorded(
    keys: KeyFiles, private_key: X25519PrivateKey, tmp_path: Path
) -> None:
    database_url, transport, enrollment, outbox = _server_with(tmp_path, keys.public_key, private_key)
    recorded = {}
    for _ in range(5):
        interview_id = str(uuid.uuid4())
        recorded[interview_id] = _document(interview_id, enrollment)
        outbox.seal_and_add(enrollment, interview_id, recorded[interview_id])
    _send(outbox, transport)
    out = tmp_path / "export"
    report = export_submissions(database_url, [private_key], out)
    assert report.failures == [] and report.total == 5
    assert sorted(path.name for path in out.iterdir()) == sorted(f"{i}.json" for i in recorded)
    for interview_id, content in recorded.items():
        path = out / f"{interview_id}.json"
        assert path.read_bytes() == content
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_dk004_failures_are_reported_never_dropped(
    keys: KeyFiles, private_key: X25519PrivateKey, tmp_path: Path
) -> None:
    database_url, transport, enrollment, outbox = _server_with(tmp_path, keys.public_key, private_key)
    good, tampered, misbound, not_json = (str(uuid.uuid4()) for _ in range(4))
    outbox.seal_and_add(enrollment, good, _document(good, enrollment))
    outbox.seal_and_add(enrollment, tampered, _document(tampered, enrollment))
    outbox.seal_and_add(enrollment, misbound, _document(str(uuid.uuid4()), enrollment))
    outbox.seal_and_add(enrollment, not_json, b"\xff not json")
    _send(outbox, transport)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        row = connection.execute(
            Submission.__table__.select().where(Submission.__table__.c.interview_id == tampered)
        ).one()
        flipped = bytearray(row.envelope)
        flipped[-1] ^= 1
        connection.execute(
            update(Submission.__table__)
            .where(Submission.__table__.c.interview_id == tampered)
            .values(envelope=bytes(flipped))
        )
    engine.dispose()
    report = export_submissions(
        database_url, [load_private_key(keys.private_key, PASSPHRASE)], tmp_path / "out"
    )
    reasons = {failure.interview_id: failure.reason for failure in report.failures}
    assert reasons == {tampered: "does_not_open", misbound: "binding_mismatch", not_json: "not_an_interview"}
    assert [path.stem for path in report.written] == [good] and report.total == 4
    other = generate_organisation_keys(tmp_path / "other", PASSPHRASE)
    foreign = export_submissions(
        database_url, [load_private_key(other.private_key, PASSPHRASE)], tmp_path / "o2"
    )
    assert {failure.reason for failure in foreign.failures} == {"no_key"} and len(foreign.failures) == 4


def test_dk005_rotated_keys(keys: KeyFiles, private_key: X25519PrivateKey, tmp_path: Path) -> None:
    database_url, transport, enrollment, outbox = _server_with(tmp_path, keys.public_key, private_key)
    first = str(uuid.uuid4())
    outbox.seal_and_add(enrollment, first, _document(first, enrollment))
    _send(outbox, transport)
    rotated = generate_organisation_keys(tmp_path / "rotated", PASSPHRASE)
    rotated_private = load_private_key(rotated.private_key, PASSPHRASE)
    code = _authorised_code(database_url, rotated_private, rotated.public_key)
    new_enrollment = join(code, outbox.device, transport=transport)  # type: ignore[attr-defined]
    assert new_enrollment.organisation_key_id == rotated.key_id != keys.key_id
    assert new_enrollment.device_id == enrollment.device_id
    second = str(uuid.uuid4())
    outbox.seal_and_add(new_enrollment, second, _document(second, new_enrollment))
    _send(outbox, transport)
    both = [private_key, rotated_private]
    report = export_submissions(database_url, both, tmp_path / "out")
    assert report.failures == [] and sorted(path.stem for path in report.written) == sorted([first, second])
    assert (
        httpx.Client(transport=transport, base_url="https://testserver").get("/v1/health").status_code == 200
    )


def test_dk006_sealed_before_revocation_opens_after_re_enrollment(
    keys: KeyFiles, private_key: X25519PrivateKey, tmp_path: Path
) -> None:
    database_url, transport, enrollment, outbox = _server_with(tmp_path, keys.public_key, private_key)
    interview_id = str(uuid.uuid4())
    recorded = _document(interview_id, enrollment)
    outbox.seal_and_add(enrollment, interview_id, recorded)
    assert revoke_device(database_url, enrollment.device_id)
    device = outbox.device  # type: ignore[attr-defined]
    renewed = join(_authorised_code(database_url, private_key), device, transport=transport)
    assert renewed.device_id != enrollment.device_id
    _send(outbox, transport)
    report = export_submissions(database_url, [private_key], tmp_path / "out")
    assert report.failures == [] and report.total == 1
    assert (tmp_path / "out" / f"{interview_id}.json").read_bytes() == recorded


def _send_one(outbox: MemoryOutboxStore, transport: InProcessTransport, enrollment: Enrollment) -> str:
    """Seal and send one genuine interview the device signed; its id."""
    genuine = str(uuid.uuid4())
    outbox.seal_and_add(enrollment, genuine, _document(genuine, enrollment))
    _send(outbox, transport)
    return genuine


def test_dk007_forged_rows_are_refused_at_export(
    keys: KeyFiles, private_key: X25519PrivateKey, tmp_path: Path
) -> None:
    database_url, transport, enrollment, outbox = _server_with(tmp_path, keys.public_key, private_key)
    genuine = _send_one(outbox, transport, enrollment)
    device_key = Ed25519PrivateKey.from_private_bytes(outbox.device.signing_key)  # type: ignore[attr-defined]
    forged = {name: str(uuid.uuid4()) for name in ("unsigned", "operator_key", "altered_signature")}

    altered = bytearray(_signed(forged["altered_signature"], enrollment, device_key))
    altered[len(SIGNED_MAGIC)] ^= 1
    plaintexts = {
        forged["unsigned"]: _document(forged["unsigned"], enrollment),
        forged["operator_key"]: _signed(forged["operator_key"], enrollment, Ed25519PrivateKey.generate()),
        forged["altered_signature"]: bytes(altered),
    }
    for interview_id, plaintext in plaintexts.items():
        _insert_forged_row(database_url, enrollment, interview_id, plaintext)
    report = export_submissions(database_url, [private_key], tmp_path / "out")
    reasons = {failure.interview_id: failure.reason for failure in report.failures}
    assert reasons == {
        forged["unsigned"]: "unsigned",
        forged["operator_key"]: "bad_signature",
        forged["altered_signature"]: "bad_signature",
    }
    assert [path.stem for path in report.written] == [genuine]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [f"{genuine}.json"]


def _signed(interview_id: str, enrollment: Enrollment, key: Ed25519PrivateKey) -> bytes:
    """A document signed with `key` as a device signs it before sealing (bound to `enrollment`)."""
    binding = binding_info(
        device_id=enrollment.device_id,
        interview_id=interview_id,
        protocol_id="adult",
        protocol_version="1",
        key_id=enrollment.organisation_key_id,
    )
    return sign_document(_document(interview_id, enrollment), signing_key=key, binding=binding)


def _insert_forged_row(
    database_url: str, enrollment: Enrollment, interview_id: str, plaintext: bytes
) -> None:
    """What a server operator can do: seal to the organisation's public key and insert the row."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        template = connection.execute(Submission.__table__.select()).first()._asdict()  # type: ignore[union-attr]
        envelope = seal_submission(
            plaintext,
            enrollment=enrollment,
            interview_id=interview_id,
            protocol_id="adult",
            protocol_version="1",
        )
        row = {**template, "interview_id": interview_id, "envelope": envelope, "size": len(envelope)}
        row["envelope_sha256"] = hashlib.sha256(envelope).hexdigest()
        del row["row_id"]
        connection.execute(insert(Submission.__table__).values(**row))
    engine.dispose()


def test_dk008_only_keys_the_organisation_vouched_for(
    keys: KeyFiles, private_key: X25519PrivateKey, tmp_path: Path
) -> None:
    database_url, transport, enrollment, outbox = _server_with(tmp_path, keys.public_key, private_key)
    genuine = _send_one(outbox, transport, enrollment)

    operator_device = MemoryDeviceStore()  # enrolled with a plain code: the operator can make those
    operator_enrollment = join(
        create_enrollment_code(database_url, "https://testserver"), operator_device, transport=transport
    )
    operator_outbox = MemoryOutboxStore()
    operator_outbox.device = operator_device  # type: ignore[attr-defined]
    from_plain_code = str(uuid.uuid4())
    operator_outbox.seal_and_add(
        operator_enrollment, from_plain_code, _document(from_plain_code, operator_enrollment)
    )
    _send(operator_outbox, transport)

    operator_key = Ed25519PrivateKey.generate()
    swapped = str(uuid.uuid4())
    signed = _signed(swapped, enrollment, operator_key)
    _insert_forged_row(database_url, enrollment, swapped, signed)
    engine = create_engine(database_url)
    with engine.begin() as connection:  # the operator's key replaces the device's, with its proof copied
        history = DeviceKeyHistory.__table__
        real = connection.execute(history.select().where(history.c.device_id == enrollment.device_id)).one()
        connection.execute(
            update(Device.__table__)
            .where(Device.__table__.c.device_id == enrollment.device_id)
            .values(public_key=ed25519_public_bytes(operator_key))
        )
        connection.execute(
            insert(history).values(
                device_id=enrollment.device_id,
                public_key=ed25519_public_bytes(operator_key),
                enrolled_at=real.enrolled_at + 1,
                code_id=real.code_id,
                key_proof=real.key_proof,
            )
        )
    engine.dispose()

    report = export_submissions(database_url, [private_key], tmp_path / "out")
    reasons = {failure.interview_id: failure.reason for failure in report.failures}
    assert reasons == {from_plain_code: "unvouched_device_key", swapped: "unvouched_device_key"}
    assert [path.stem for path in report.written] == [genuine]

    other = load_private_key(
        generate_organisation_keys(tmp_path / "other", PASSPHRASE).private_key, PASSPHRASE
    )
    with pytest.raises(ConfigError, match="is for organisation key"):
        authorize_code(create_enrollment_code(database_url, "https://testserver"), other)


def test_dk009_accept_unverified_writes_them_apart(
    keys: KeyFiles, private_key: X25519PrivateKey, tmp_path: Path
) -> None:
    database_url, transport, enrollment, outbox = _server_with(tmp_path, keys.public_key, private_key)
    genuine, older, altered = (str(uuid.uuid4()) for _ in range(3))
    outbox.seal_and_add(enrollment, genuine, _document(genuine, enrollment))
    _send(outbox, transport)
    _insert_forged_row(database_url, enrollment, older, _document(older, enrollment))  # sealed unsigned
    forged = _signed(altered, enrollment, Ed25519PrivateKey.generate())
    _insert_forged_row(database_url, enrollment, altered, forged)
    out = tmp_path / "out"
    report = export_submissions(database_url, [private_key], out, accept_unverified=True)
    assert [path.stem for path in report.written] == [genuine]
    assert [(item.interview_id, item.reason) for item in report.unverified] == [(older, "unsigned")]
    assert (out / "unverified" / f"{older}.json").read_bytes() == _document(older, enrollment)
    assert [(item.interview_id, item.reason) for item in report.failures] == [(altered, "bad_signature")]
    assert not (out / "unverified" / f"{altered}.json").exists() and not (out / f"{altered}.json").exists()
