"""The coordinator principal and the desk over the API, in-process on SQLite and PostgreSQL: roles
enforced, a forged enrollment refused, and the whole flow from a device's interviews to a partner's
acceptance seen at the desk."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_fakes import MemoryDeviceStore, MemoryOutboxStore
from sync_servers import Server

from referral.coordinator_desk import open_coordinator_desk
from sync import Outbox, join
from sync.client import SyncClient
from sync.desk.api_client import CoordinatorClient
from sync.desk.codes import authorize_code
from sync.desk.coordinator import CoordinatorDesk, DeskNotAvailableError, DeskRefusedError
from sync.desk.coordinator_key import coordinator_id, coordinator_signing_key, enroll_request
from sync.desk.service import CaseFilter, CoordinatorService
from sync.errors import DeviceRefused
from sync.identity import DeviceIdentity
from sync.partner_enroll import PartnerKeyPair, PartnerState, join_partner
from sync.partner_inbox import change_status, fetch_inbox
from sync.sealed import SealedInterview
from sync.server.admin import create_enrollment_code

OUTCOME = {
    "outcome": "high",
    "indicators": [
        {"id": "deceptive_recruitment", "element": "means", "dimension": "recruitment", "strength": "strong",
         "because": ["promised_job"]},
        {"id": "confiscated_documents", "element": "means", "dimension": "coercion", "strength": "medium",
         "because": ["documents_kept"]},
        {"id": "forced_work", "element": "purpose", "dimension": "exploitation", "strength": "strong",
         "because": ["could_leave"]},
    ],
    "referral_needs": ["shelter"],
    "unknown": ["age"],
    "emergency": [],
    "child_rule": False,
}  # fmt: skip


def _device(
    server: Server, organisation_key: X25519PrivateKey
) -> tuple[MemoryDeviceStore, MemoryOutboxStore]:
    store = MemoryDeviceStore()
    join(authorize_code(server.enrollment_code(), organisation_key), store, transport=server.transport)
    outbox = MemoryOutboxStore()
    outbox.device = store  # type: ignore[attr-defined]
    return store, outbox


def _seal(outbox: MemoryOutboxStore, store: MemoryDeviceStore, count: int, **changes: Any) -> list[str]:
    assert store.enrollment is not None
    ids = []
    for _ in range(count):
        interview_id = str(uuid.uuid4())
        document = SealedInterview(
            interview_id,
            "adult",
            "1",
            answers={"promised_job": "yes"},
            completed_at="2026-11-30T10:00:00Z",
            respondent_language="ro",
            outcome=OUTCOME,
            notes="met at the border",
            **changes,
        ).with_device(store.enrollment.device_id)
        outbox.seal_and_add(store.enrollment, interview_id, document.to_json())
        ids.append(interview_id)
    return ids


def _send(outbox: MemoryOutboxStore, server: Server) -> None:
    assert Outbox(outbox, outbox.device, server.transport).send_pending(deadline=10).complete  # type: ignore[attr-defined]


def _partner(
    server: Server, organization: str, organisation_key: X25519PrivateKey, tmp_path: Any
) -> tuple[PartnerState, PartnerKeyPair]:
    keys = PartnerKeyPair(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
    code = create_enrollment_code(server.settings.database_url, server.url, partner_organization=organization)
    code = authorize_code(code, organisation_key)
    return join_partner(code, tmp_path / f"partner-{organization}", keys, transport=server.transport), keys


def test_cd001_roles_are_enforced_on_desk_endpoints(
    server: Server, organisation_key: X25519PrivateKey, tmp_path: Any
) -> None:
    state, keys = _partner(server, "org-a", organisation_key, tmp_path)
    device, _outbox = _device(server, organisation_key)
    assert device.enrollment is not None and device.signing_key is not None
    device_identity = DeviceIdentity.from_raw(device.enrollment.device_id, device.signing_key)
    partner_identity = DeviceIdentity(state.partner_id, keys.signing)
    for identity in (device_identity, partner_identity):
        with SyncClient(server.url, identity=identity, transport=server.transport) as client:
            for method, path in (
                ("GET", "/v1/desk/submissions"),
                ("GET", "/v1/desk/audit"),
                ("GET", "/v1/desk/partners"),
                ("POST", "/v1/desk/directory"),
            ):
                body = (
                    b""
                    if method == "GET"
                    else b'{"version":1,"document":"e30=","signature":"' + b"A" * 86 + b'"}'
                )
                with pytest.raises(DeviceRefused) as refused:
                    client.call(method, path, body)
                assert refused.value.params["code"] == "wrong_role"
    # The coordinator may; a coordinator cannot read a partner's inbox.
    with CoordinatorClient(server.url, organisation_key, transport=server.transport) as desk:
        assert desk.enroll() == coordinator_id(organisation_key)
        assert desk.enroll() == coordinator_id(organisation_key)  # idempotent: the same principal
        assert [p.partner_id for p in desk.partners()] == [state.partner_id]
        assert desk.audit().events[0].kind  # readable
        signing = coordinator_signing_key(organisation_key)
        identity = DeviceIdentity(coordinator_id(organisation_key), signing)
        with SyncClient(server.url, identity=identity, transport=server.transport) as client:
            with pytest.raises(DeviceRefused) as refused:
                client.partner_inbox()
            assert refused.value.params["code"] == "wrong_role"


def test_cd002_a_forged_organisation_signature_is_refused(
    server: Server, organisation_key: X25519PrivateKey
) -> None:
    other = X25519PrivateKey.generate()  # not the registered organisation key
    genuine = enroll_request(organisation_key)
    forged_by_other = enroll_request(other).model_copy(update={"key_id": genuine.key_id})
    bad_signature = genuine.model_copy(
        update={"organisation_signature": forged_by_other.organisation_signature}
    )
    unknown_key = enroll_request(other)
    stale = enroll_request(organisation_key, at=genuine.at - 3_600_000)
    swapped = genuine.model_copy(update={"signing_public_key": forged_by_other.signing_public_key})
    with SyncClient(server.url, transport=server.transport) as client:
        for request, code in (
            (bad_signature, "bad_organisation_signature"),
            (forged_by_other, "bad_proof"),
            (unknown_key, "unknown_key"),
            (stale, "clock_skew"),
            (swapped, "bad_proof"),
        ):
            with pytest.raises(DeviceRefused) as refused:
                client.call(
                    "POST", "/v1/coordinators/enroll", request.model_dump_json().encode(), signed=False
                )
            assert refused.value.params["code"] == code
        answer = client.call(
            "POST", "/v1/coordinators/enroll", genuine.model_dump_json().encode(), signed=False
        )
        assert answer.json()["coordinator_id"] == coordinator_id(organisation_key)


def test_cd003_the_whole_flow_at_the_desk(
    server: Server, organisation_key: X25519PrivateKey, tmp_path: Any
) -> None:
    state, keys = _partner(server, "org-a", organisation_key, tmp_path)
    store, outbox = _device(server, organisation_key)
    ids = _seal(outbox, store, 2)
    _send(outbox, server)

    plain = CoordinatorDesk(server.url, organisation_key, transport=server.transport)
    with pytest.raises(DeskNotAvailableError):  # sync alone cannot build packages: referral does
        plain.send_referral(ids[0], state.partner_id, None, consent="given")
    desk: CoordinatorService = open_coordinator_desk(server.url, organisation_key, transport=server.transport)
    calls: list[tuple[int, int]] = []
    assert desk.refresh(lambda done, total: calls.append((done, total))) == 2
    assert calls and calls[-1] == (2, 2)
    assert desk.refresh() == 0  # nothing new
    listed = desk.cases()
    assert sorted(case.interview_id for case in listed) == sorted(ids)
    assert all(case.level == "high" and case.referral_state is None for case in listed)
    assert desk.cases(CaseFilter(level="low")) == []
    assert len(desk.cases(CaseFilter(referral_state="none"))) == 2

    detail = desk.case(ids[0])
    grouped = {(line.element, line.ilo_dimension) for line in detail.indicators}
    assert grouped == {("means", "recruitment"), ("means", "coercion"), ("purpose", "exploitation")}
    assert detail.referral_needs == ("shelter",) and detail.notes == "met at the border"

    with pytest.raises(DeskRefusedError):
        desk.send_referral(ids[0], state.partner_id, None, consent="none")
    sent = desk.send_referral(ids[0], state.partner_id, "shelter-1", consent="given")
    assert sent.status == "sent" and sent.interview_id == ids[0] and sent.partner_name == "org-a"
    inbox = fetch_inbox(state, keys, transport=server.transport)
    assert [item.referral_id for item in inbox] == [sent.referral_id]
    assert inbox[0].package is not None and inbox[0].package["fields"]["language"] == "ro"
    assert "answers" not in json.dumps(inbox[0].package) and "border" not in json.dumps(inbox[0].package)

    change_status(state, keys, sent.referral_id, "accepted", transport=server.transport)
    desk.refresh()
    (view,) = desk.referrals()
    assert view.status == "accepted"
    assert [(entry.status, entry.by, entry.verified) for entry in view.history] == [
        ("accepted", "partner", True)
    ]
    assert {case.interview_id: case.referral_state for case in desk.cases()}[ids[0]] == "accepted"
    assert desk.case(ids[0]).referrals[0].status == "accepted"

    # A second referral, revoked by the coordinator with a reason only the organisation can read.
    second = desk.send_referral(ids[1], state.partner_id, None, consent="mandatory", legal_basis="Art. 5")
    assert desk.revoke_referral(second.referral_id, "sent by mistake").status == "revoked"
    revoked = {view.referral_id: view for view in desk.referrals()}[second.referral_id]
    assert [(e.by, e.verified, e.detail) for e in revoked.history] == [
        ("coordinator", True, "sent by mistake")
    ]
    # A desk started again (same key, nothing stored) links each referral to its case.
    again = open_coordinator_desk(server.url, organisation_key, transport=server.transport)
    again.refresh()
    assert {view.referral_id: view.interview_id for view in again.referrals()} == {
        sent.referral_id: ids[0],
        second.referral_id: ids[1],
    }
    assert {case.interview_id: case.referral_state for case in again.cases()} == {
        ids[0]: "accepted",
        ids[1]: "revoked",
    }
    assert ids[0] not in sent.referral_id  # the partner sees an opaque id


def test_cd004_devices_partners_codes_audit_and_dashboard(
    server: Server, organisation_key: X25519PrivateKey, tmp_path: Any
) -> None:
    state, _keys = _partner(server, "org-a", organisation_key, tmp_path)
    store, outbox = _device(server, organisation_key)
    _seal(outbox, store, 11)
    _send(outbox, server)
    desk = CoordinatorDesk(server.url, organisation_key, transport=server.transport)
    desk.refresh()
    assert store.enrollment is not None
    (device,) = desk.devices()
    assert device.device_id == store.enrollment.device_id and device.vouched and not device.revoked
    assert device.last_seen is not None
    (partner,) = desk.partners()
    assert partner.vouched and partner.organization_id == "org-a"

    code = desk.device_code()
    assert code.code.startswith("WP") and code.qr_png.startswith(b"\x89PNG")
    joined = MemoryDeviceStore()
    join(code.code, joined, transport=server.transport)  # an authorised code: the new device is vouched
    assert joined.enrollment is not None
    assert {d.device_id: d.vouched for d in desk.devices()}[joined.enrollment.device_id]
    assert desk.partner_code("org-b").code

    desk.revoke_device(joined.enrollment.device_id)
    desk.revoke_partner(state.partner_id)
    assert {d.device_id: d.revoked for d in desk.devices()}[joined.enrollment.device_id]
    assert desk.partners()[0].revoked
    events = {entry.event for entry in desk.audit()}
    assert {
        "coordinator_enrolled",
        "desk_device_code",
        "desk_device_revoked",
        "desk_partner_revoked",
    } <= events

    shown = desk.dashboard(shareable=False).tables["level_by_protocol"]
    assert shown[2][shown[0].index("high")][shown[1].index("adult")] == 11
    shared = desk.dashboard(shareable=True)
    rows, columns, values = shared.tables["level_by_protocol"]
    assert shared.k == 11 and values[rows.index("high")][columns.index("adult")] == 11
    written = desk.export_json(tmp_path / "export")
    assert len(written) == 11 and all(path.stat().st_mode & 0o077 == 0 for path in written)


def test_cd005_ten_cases_are_suppressed_in_the_shareable_view(
    server: Server, organisation_key: X25519PrivateKey
) -> None:
    store, outbox = _device(server, organisation_key)
    _seal(outbox, store, 10)
    _send(outbox, server)
    desk = CoordinatorDesk(server.url, organisation_key, transport=server.transport)
    assert desk.refresh() == 10
    rows, columns, values = desk.dashboard(shareable=True).tables["level_by_protocol"]
    assert values[rows.index("high")][columns.index("adult")] is None


def test_cd007_pages_increments_and_refusals(server: Server, organisation_key: X25519PrivateKey) -> None:
    store, outbox = _device(server, organisation_key)
    first = _seal(outbox, store, 5)
    _send(outbox, server)
    with CoordinatorClient(server.url, organisation_key, transport=server.transport) as client:
        calls: list[tuple[int, int]] = []
        pages = list(client.submission_pages(page_size=2, progress=lambda d, t: calls.append((d, t))))
        assert [item.interview_id for item in pages] == first and calls == [(2, 5), (4, 5), (5, 5)]
    desk = CoordinatorDesk(server.url, organisation_key, transport=server.transport)
    assert desk.refresh() == 5
    second = _seal(outbox, store, 2)
    _send(outbox, server)
    calls = []
    assert desk.refresh(lambda d, t: calls.append((d, t))) == 2  # only what is new is fetched
    assert calls == [(2, 2)] and {c.interview_id for c in desk.cases()} == {*first, *second}
    # A device enrolled with a plain code (never authorised by the organisation): refused, listed.
    plain, plain_outbox = MemoryDeviceStore(), MemoryOutboxStore()
    join(server.enrollment_code(), plain, transport=server.transport)
    plain_outbox.device = plain  # type: ignore[attr-defined]
    refused = _seal(plain_outbox, plain, 1)
    _send(plain_outbox, server)
    assert desk.refresh() == 0
    assert [(f.interview_id, f.reason) for f in desk.failures] == [(refused[0], "unvouched_device_key")]
    assert desk.dashboard(shareable=False).not_counted == 1
    with pytest.raises(DeskRefusedError):
        desk.case(refused[0])
