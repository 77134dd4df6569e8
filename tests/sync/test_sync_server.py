"""The referral server, tested through its HTTP interface on SQLite and on PostgreSQL (parametrized).

SV001: a batch is stored and answered with a signed receipt; the same batch again is "duplicate".
SV002: same id with other content is a 409 conflict, logged; the original stays; the rest is stored.
SV003: the server stores the envelope bytes and routing metadata only; no plaintext anywhere.
SV004: an exact replay is refused (401), also after the server restarts.
SV005: a changed body under an old signature is refused (400, digest mismatch).
SV006: no signature, another device's key, an unknown device: 401.
SV007: a `created` outside the window is refused with the server time; the client corrects and succeeds.
SV008: a revoked device is refused (403) everywhere; the refusals are counted (`refusal_tallies`).
SV009: enrollment tokens are single use, expire, need a proof of possession, and race safely.
SV010: bodies over the limit get 413; the outbox splits and parks only what can never fit.
SV011: a device over its rate gets 429 with Retry-After, which the outbox honours.
SV012: unusable envelopes and unknown key ids are rejected per item; the rest of the batch is stored.
SV013: the same ids sent concurrently end up stored once each, accepted exactly once.
SV014: the audit log records enrollments, submissions, duplicates and conflicts, no content; refusals
       are counted per hour and code.
SV015: `GET /v1/updates` tells an active device its status.
SV016: an id twice in one batch is refused (422) with the Problem shape.
SV017: re-enrolling with the old key keeps the device id; a revoked device gets a new one.
SV018: a revoked device enrolled again continues the old one: what the old id stored comes back as a
       duplicate from the new id (never a conflict), while another device sending it is a conflict.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sync_fakes import MemoryDeviceStore, MemoryOutboxStore
from sync_servers import Server

from sync import Backoff, Enrollment, EnrollmentCode, Outbox, join, seal_submission
from sync.enroll import proof_message
from sync.envelope import key_id_for
from sync.errors import EnrollmentError
from sync.identity import DeviceIdentity, ed25519_public_bytes
from sync.receipts import verify_receipt
from sync.sealed import SealedInterview
from sync.server import revoke_device
from sync.server.models import AuditEvent, EnrollmentToken, RefusalTally, RequestNonce, Submission
from sync.server.models import Device as DeviceRow
from sync.signing import sign_request
from sync.wire import BatchResult, b64u_encode


def _plaintext(interview_id: str, device_id: str, marker: str = "recorded-answer") -> bytes:
    return SealedInterview(interview_id, "adult", "1", answers={"q1": marker}, device_id=device_id).to_json()


def _item(
    enrollment: Enrollment, interview_id: str | None = None, marker: str = "recorded-answer"
) -> dict[str, Any]:
    interview_id = interview_id or str(uuid.uuid4())
    envelope = seal_submission(
        _plaintext(interview_id, enrollment.device_id, marker),
        enrollment=enrollment,
        interview_id=interview_id,
        protocol_id="adult",
        protocol_version="1",
    )
    return {
        "interview_id": interview_id,
        "seq": 1,
        "protocol_id": "adult",
        "protocol_version": "1",
        "envelope": base64.b64encode(envelope).decode(),
    }


class Device:
    """A device talking raw HTTP to the server, so tests can forge, replay and tamper."""

    def __init__(self, server: Server, store: MemoryDeviceStore) -> None:
        assert store.enrollment is not None and store.signing_key is not None
        self.server, self.enrollment = server, store.enrollment
        self.identity = DeviceIdentity.from_raw(store.enrollment.device_id, store.signing_key)
        self.http = httpx.Client(transport=server.transport, base_url=server.url)

    def signed(self, method: str, path: str, body: bytes = b"", **sign: Any) -> dict[str, str]:
        headers = sign_request(
            method=method,
            path=path,
            body=body,
            device_id=self.identity.device_id,
            signing_key=sign.pop("key", self.identity.signing_key),
            **sign,
        )
        return {**headers, "Content-Type": "application/json"}

    def submit(self, items: list[dict[str, Any]], **sign: Any) -> httpx.Response:
        body = json.dumps({"items": items}).encode()
        return self.http.post(
            "/v1/submissions", content=body, headers=self.signed("POST", "/v1/submissions", body, **sign)
        )

    def updates(self) -> httpx.Response:
        return self.http.get("/v1/updates", headers=self.signed("GET", "/v1/updates"))


@pytest.fixture
def device(server: Server) -> Device:
    store, _ = server.enroll()
    return Device(server, store)


def _rows(server: Server, model: Any) -> list[Any]:
    engine = server.app.state.waypoint.engine
    with engine.connect() as connection:
        return list(connection.execute(select(model.__table__)).mappings())


def _receipt_key(server: Server) -> bytes:
    return ed25519_public_bytes(server.app.state.waypoint.receipt_key)


def test_sv001_batch_is_stored_with_a_signed_receipt(server: Server, device: Device) -> None:
    items = [_item(device.enrollment) for _ in range(3)]
    ids = [item["interview_id"] for item in items]
    first = device.submit(items)
    assert first.status_code == 200, first.text
    receipt = BatchResult.model_validate_json(first.content).receipt
    body = json.dumps({"items": items}).encode()
    verify_receipt(
        receipt, public_key=_receipt_key(server), device_id=device.identity.device_id, body=body, sent_ids=ids
    )
    assert receipt.accepted == sorted(ids) and receipt.duplicates == []
    again = device.submit(items)
    assert again.status_code == 200
    assert BatchResult.model_validate_json(again.content).receipt.duplicates == sorted(ids)
    assert sorted(row["interview_id"] for row in _rows(server, Submission)) == sorted(ids)


def test_sv002_same_id_other_content_is_a_conflict(server: Server, device: Device) -> None:
    original = _item(device.enrollment, marker="first")
    assert device.submit([original]).status_code == 200
    altered = _item(device.enrollment, original["interview_id"], marker="second")
    newcomer = _item(device.enrollment)
    response = device.submit([altered, newcomer])
    assert response.status_code == 409
    receipt = BatchResult.model_validate_json(response.content).receipt
    assert receipt.conflicts == [original["interview_id"]]
    assert receipt.accepted == [newcomer["interview_id"]]
    stored = {row["interview_id"]: row for row in _rows(server, Submission)}
    assert bytes(stored[original["interview_id"]]["envelope"]) == base64.b64decode(original["envelope"])
    kinds = [(row["kind"], row["interview_id"]) for row in _rows(server, AuditEvent)]
    assert ("conflict", original["interview_id"]) in kinds


def test_sv003_only_ciphertext_and_routing_metadata(server: Server, device: Device) -> None:
    item = _item(device.enrollment, marker="survivor-words-canary")
    assert device.submit([item]).status_code == 200
    (row,) = _rows(server, Submission)
    assert set(row) == {
        "row_id",
        "interview_id",
        "device_id",
        "seq",
        "protocol_id",
        "protocol_version",
        "key_id",
        "envelope",
        "envelope_sha256",
        "size",
        "received_at",
    }
    assert bytes(row["envelope"]) == base64.b64decode(item["envelope"])
    for model in (Submission, AuditEvent, DeviceRow, RequestNonce, EnrollmentToken):
        for stored in _rows(server, model):
            assert b"survivor-words-canary" not in repr(tuple(stored.values())).encode()


def test_sv004_replay_is_refused_even_after_restart(
    server: Server, device: Device, make_server: Callable[..., Server]
) -> None:
    body = json.dumps({"items": [_item(device.enrollment)]}).encode()
    headers = device.signed("POST", "/v1/submissions", body)
    assert device.http.post("/v1/submissions", content=body, headers=headers).status_code == 200
    replay = device.http.post("/v1/submissions", content=body, headers=headers)
    assert (replay.status_code, replay.json()["code"]) == (401, "replay")
    restarted = make_server(server.settings.database_url)
    after = httpx.Client(transport=restarted.transport, base_url=server.url).post(
        "/v1/submissions", content=body, headers=headers
    )
    assert (after.status_code, after.json()["code"]) == (401, "replay")


def test_sv005_changed_body_under_old_signature(device: Device) -> None:
    body = json.dumps({"items": [_item(device.enrollment)]}).encode()
    headers = device.signed("POST", "/v1/submissions", body)
    other = json.dumps({"items": [_item(device.enrollment)]}).encode()
    response = device.http.post("/v1/submissions", content=other, headers=headers)
    assert (response.status_code, response.json()["code"]) == (400, "digest_mismatch")


def test_sv006_unsigned_foreign_key_unknown_device(server: Server, device: Device) -> None:
    body = json.dumps({"items": [_item(device.enrollment)]}).encode()
    unsigned = device.http.post("/v1/submissions", content=body, headers={"Content-Type": "application/json"})
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "missing_signature")
    forged = device.submit([_item(device.enrollment)], key=Ed25519PrivateKey.generate())
    assert (forged.status_code, forged.json()["code"]) == (401, "bad_signature")
    headers = sign_request(
        method="POST",
        path="/v1/submissions",
        body=body,
        device_id=str(uuid.uuid4()),
        signing_key=Ed25519PrivateKey.generate(),
    )
    unknown = device.http.post(
        "/v1/submissions", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert (unknown.status_code, unknown.json()["code"]) == (401, "unknown_device")
    assert _rows(server, Submission) == []


def test_sv007_clock_skew_is_refused_and_corrected(
    make_server: Callable[..., Server], server_database_url: str, outbox: MemoryOutboxStore
) -> None:
    skewed = make_server(server_database_url, clock=lambda: time.time() + 3600)
    store, enrollment = skewed.enroll(ttl=timedelta(hours=2))  # the code is made on the admin's clock
    raw = Device(skewed, store)
    response = raw.submit([_item(enrollment)])
    assert (response.status_code, response.json()["code"]) == (401, "clock_skew")
    assert abs(response.json()["server_time"] / 1000 - (time.time() + 3600)) < 60
    outbox.seal_and_add(enrollment, str(uuid.uuid4()), b"{}")
    report = Outbox(outbox, store, skewed.transport).send_pending(deadline=10)
    assert report.complete and report.sent == 1


def test_sv008_revoked_device_is_refused_everywhere(
    server: Server, device: Device, outbox: MemoryOutboxStore
) -> None:
    assert device.updates().status_code == 200
    assert revoke_device(server.settings.database_url, device.identity.device_id)
    for response in (device.submit([_item(device.enrollment)]), device.updates()):
        assert (response.status_code, response.json()["code"]) == (403, "device_revoked")
    store = MemoryDeviceStore(device.enrollment, device.identity.signing_key.private_bytes_raw())
    outbox.seal_and_add(device.enrollment, str(uuid.uuid4()), b"{}")
    report = Outbox(outbox, store, server.transport).send_pending(deadline=5)
    assert report.stopped == "refused" and report.pending == 1 and not report.complete
    kinds = [(row["kind"], row["code"]) for row in _rows(server, AuditEvent)]
    assert ("revoked", None) in kinds
    assert {row["code"] for row in _rows(server, RefusalTally)} == {"device_revoked"}


def _enroll_request(
    token: str, key: Ed25519PrivateKey | None = None, proof_key: Ed25519PrivateKey | None = None
) -> dict[str, str]:
    key = key or Ed25519PrivateKey.generate()
    public = b64u_encode(ed25519_public_bytes(key))
    proof = (proof_key or key).sign(proof_message(token, public))
    return {"token": token, "device_public_key": public, "proof": b64u_encode(proof)}


def test_sv009_tokens_are_single_use_expiring_and_need_proof(
    server: Server, make_server: Callable[..., Server]
) -> None:
    http = httpx.Client(transport=server.transport, base_url=server.url)
    token = EnrollmentCode.decode(server.enrollment_code()).token
    wrong = http.post("/v1/enroll", json=_enroll_request(token, proof_key=Ed25519PrivateKey.generate()))
    assert (wrong.status_code, wrong.json()["code"]) == (403, "bad_proof")
    assert (
        http.post("/v1/enroll", json=_enroll_request(token)).status_code == 200
    )  # proof failure spent nothing
    reuse = http.post("/v1/enroll", json=_enroll_request(token))
    assert (reuse.status_code, reuse.json()["code"]) == (403, "token_invalid")
    later = make_server(server.settings.database_url, clock=lambda: time.time() + 16 * 60)
    expired_token = EnrollmentCode.decode(server.enrollment_code()).token
    expired = httpx.Client(transport=later.transport, base_url=server.url).post(
        "/v1/enroll", json=_enroll_request(expired_token)
    )
    assert (expired.status_code, expired.json()["code"]) == (403, "token_invalid")
    with pytest.raises(EnrollmentError, match="expired or was already used"):
        join(server.enrollment_code(), MemoryDeviceStore(), transport=later.transport)


def test_sv009_one_token_raced_from_many_threads(server: Server) -> None:
    token = EnrollmentCode.decode(server.enrollment_code()).token
    requests = [_enroll_request(token) for _ in range(8)]
    statuses: list[int] = []

    def attempt(request: dict[str, str]) -> None:
        statuses.append(
            httpx.Client(transport=server.transport, base_url=server.url)
            .post("/v1/enroll", json=request)
            .status_code
        )

    threads = [threading.Thread(target=attempt, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [403] * 7


def test_sv010_oversized_bodies(
    make_server: Callable[..., Server], server_database_url: str, outbox: MemoryOutboxStore
) -> None:
    small = make_server(server_database_url, max_body_bytes=6000)
    store, enrollment = small.enroll()
    raw = Device(small, store)
    big = _item(enrollment, marker="x" * 8000)
    response = raw.submit([big])
    assert (response.status_code, response.json()["code"]) == (413, "body_too_large")
    for index in range(4):
        outbox.seal_and_add(enrollment, f"small-{index}", b"y" * 1200)
    outbox.seal_and_add(enrollment, "huge", b"z" * 9000)
    report = Outbox(outbox, store, small.transport, batch_size=5).send_pending(deadline=10)
    assert sorted(item.item_id for item in report.items if item.status == "sent") == [
        f"small-{i}" for i in range(4)
    ]
    assert outbox.parked == {"huge": "http_413"}


def test_sv011_rate_limit_is_answered_and_honoured(
    make_server: Callable[..., Server], server_database_url: str, outbox: MemoryOutboxStore
) -> None:
    limited = make_server(server_database_url, rate_limit_per_minute=60, rate_limit_burst=2)
    store, enrollment = limited.enroll()
    raw = Device(limited, store)
    assert raw.updates().status_code == 200 and raw.updates().status_code == 200
    third = raw.updates()
    assert third.status_code == 429 and int(third.headers["Retry-After"]) >= 1
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    outbox.seal_and_add(enrollment, "after-limit", b"{}")
    report = Outbox(
        outbox, store, limited.transport, sleep=sleep, backoff=Backoff(base=0.01, cap=0.02)
    ).send_pending(deadline=10)
    assert report.complete and slept and max(slept) >= 0.9
    assert "rate_limited" in outbox.errors


def test_sv012_unusable_envelopes_are_rejected_per_item(
    server: Server, device: Device, organisation_key: X25519PrivateKey
) -> None:
    good = _item(device.enrollment)
    garbage = {**_item(device.enrollment), "envelope": base64.b64encode(b"N" * 90).decode()}
    other_key = X25519PrivateKey.generate()
    foreign_enrollment = dataclasses.replace(
        device.enrollment,
        organisation_public_key=other_key.public_key().public_bytes_raw(),
        organisation_key_id=key_id_for(other_key.public_key().public_bytes_raw()),
    )
    foreign = _item(foreign_enrollment)
    response = device.submit([good, garbage, foreign])
    assert response.status_code == 200
    receipt = BatchResult.model_validate_json(response.content).receipt
    assert receipt.accepted == [good["interview_id"]]
    codes = {item.interview_id: item.code for item in receipt.rejected}
    assert codes == {garbage["interview_id"]: "bad_envelope", foreign["interview_id"]: "unknown_key"}


def test_sv013_concurrent_duplicates_are_stored_once(server: Server) -> None:
    store, enrollment = server.enroll()
    items = [_item(enrollment) for _ in range(10)]
    accepted: list[str] = []
    errors: list[str] = []

    def send() -> None:
        device = Device(server, store)
        response = device.submit(items)
        if response.status_code != 200:
            errors.append(response.text)
            return
        receipt = BatchResult.model_validate_json(response.content).receipt
        accepted.extend(receipt.accepted)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(accepted) == sorted(item["interview_id"] for item in items)
    assert len(_rows(server, Submission)) == 10


def test_sv014_audit_log(server: Server, device: Device) -> None:
    item = _item(device.enrollment)
    device.submit([item])
    device.submit([item])
    device.submit([_item(device.enrollment, item["interview_id"], marker="other")])
    device.submit([item], key=Ed25519PrivateKey.generate())
    rows = _rows(server, AuditEvent)
    kinds = [row["kind"] for row in rows]
    for kind in ("code_created", "enrolled", "submitted", "duplicate", "conflict"):
        assert kind in kinds, kind
    assert set(rows[0]) == {"event_id", "at", "kind", "device_id", "interview_id", "code"}
    assert [(row["code"], row["count"]) for row in _rows(server, RefusalTally)] == [("bad_signature", 1)]


def test_sv015_updates_for_an_active_device(device: Device) -> None:
    response = device.updates()
    assert response.status_code == 200
    assert response.json() | {"server_time": 0} == {
        "device_id": device.identity.device_id,
        "status": "active",
        "server_time": 0,
        "updates": [],
    }  # no directory asked for (no `directory_version`): no `directory` member, as older devices expect


def test_sv016_repeated_id_in_one_batch(device: Device) -> None:
    item = _item(device.enrollment)
    response = device.submit([item, item])
    assert response.status_code == 422
    assert response.json()["code"] == "duplicate_ids_in_batch"


def test_sv017_re_enrollment_keeps_or_renews_the_device_id(server: Server) -> None:
    store, first = server.enroll()
    second = join(server.enrollment_code(), store, transport=server.transport)
    assert second.device_id == first.device_id
    assert revoke_device(server.settings.database_url, first.device_id)
    third = join(server.enrollment_code(), store, transport=server.transport)
    assert third.device_id != first.device_id
    assert Device(server, store).updates().status_code == 200


def test_sv017_unknown_previous_device_is_ignored(server: Server) -> None:
    unknown_id = str(uuid.uuid4())
    stranger = MemoryDeviceStore(
        dataclasses.replace(server.enroll()[1], device_id=unknown_id),
        Ed25519PrivateKey.generate().private_bytes_raw(),
    )
    renewed = join(server.enrollment_code(), stranger, transport=server.transport)
    assert renewed.device_id != unknown_id


def test_sv018_a_renewed_device_continues_the_revoked_one(server: Server) -> None:
    store, first = server.enroll()
    old = Device(server, store)
    stored = _item(first)
    assert old.submit([stored]).status_code == 200
    assert revoke_device(server.settings.database_url, first.device_id)
    renewed = join(server.enrollment_code(), store, transport=server.transport)
    assert renewed.device_id != first.device_id
    again = Device(server, store).submit([stored])
    assert again.status_code == 200, again.text
    assert BatchResult.model_validate_json(again.content).receipt.duplicates == [stored["interview_id"]]
    events = {(row["kind"], row["device_id"], row["code"]) for row in _rows(server, AuditEvent)}
    assert ("succeeds_revoked", renewed.device_id, first.device_id) in events
    stranger_store, _ = server.enroll()
    foreign = Device(server, stranger_store).submit([stored])
    assert foreign.status_code == 409
    assert BatchResult.model_validate_json(foreign.content).receipt.conflicts == [stored["interview_id"]]


def test_openapi_lists_the_endpoints(server: Server) -> None:
    document = httpx.Client(transport=server.transport, base_url=server.url).get("/openapi.json").json()
    assert set(document["paths"]) == {
        "/v1/enroll",
        "/v1/submissions",
        "/v1/updates",
        "/v1/health",
        "/v1/partners/enroll",
        "/v1/referrals",
        "/v1/referrals/events",
        "/v1/referrals/{referral_id}/events",
        "/v1/partner/inbox",
        "/v1/partner/referrals/{referral_id}",
        "/v1/partner/referrals/{referral_id}/events",
        "/v1/coordinators/enroll",
        "/v1/desk/submissions",
        "/v1/desk/devices",
        "/v1/desk/partners",
        "/v1/desk/referrals",
        "/v1/desk/codes",
        "/v1/desk/devices/{device_id}/revoke",
        "/v1/desk/partners/{partner_id}/revoke",
        "/v1/desk/directory",
        "/v1/desk/audit",
    }
    assert "DeviceSignature" in document["components"]["securitySchemes"]
    assert set(document["paths"]["/v1/submissions"]["post"]["responses"]) >= {
        "200",
        "401",
        "403",
        "409",
        "413",
        "429",
    }
