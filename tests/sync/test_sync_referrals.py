"""Referrals on the server, in-process on SQLite and PostgreSQL: partner enrollment and roles, sealed
referrals routed to one partner only, signed status changes, and forgeries refused where they land."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import create_engine, text
from sync_fakes import MemoryDeviceStore, MemoryReferralStore, raw_public
from sync_servers import Server

from sync.client import SyncClient
from sync.desk.codes import authorize_code
from sync.desk.partners import vouched_partners
from sync.desk.referrals import export_referrals
from sync.enroll import join
from sync.errors import DeviceRefused, EnrollmentError, SyncRejected
from sync.partner_enroll import PartnerKeyPair, PartnerState, join_partner
from sync.partner_inbox import change_status, fetch_inbox, fetch_referral
from sync.referral_outbox import (
    PendingReferral,
    fetch_statuses,
    revoke_referral,
    send_referrals,
)
from sync.referral_seal import (
    REFERRAL_FORMAT,
    ReferralNotVerifiedError,
    StatusStatement,
    seal_referral,
    sign_status,
)
from sync.server.admin import create_enrollment_code
from sync.server.reading import SubmissionReader


def _partner(
    server: Server, organization: str, organisation_key: X25519PrivateKey, tmp_path: Any
) -> tuple[PartnerState, PartnerKeyPair]:
    keys = PartnerKeyPair(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
    code = create_enrollment_code(server.settings.database_url, server.url, partner_organization=organization)
    code = authorize_code(code, organisation_key)
    state = join_partner(code, tmp_path / f"partner-{organization}", keys, transport=server.transport)
    return state, keys


def _package(referral_id: str, device_id: str, partner_id: str) -> bytes:
    document = {
        "format": REFERRAL_FORMAT,
        "referral_id": referral_id,
        "device_id": device_id,
        "partner_id": partner_id,
        "fields": {"language": "ro", "contact_preference": "through_officer", "urgency": "soon"},
    }
    return json.dumps(document).encode()


def _queue(
    store: MemoryReferralStore,
    device: MemoryDeviceStore,
    partner: PartnerState,
    keys: PartnerKeyPair,
    organisation_key: X25519PrivateKey,
) -> str:
    assert device.enrollment is not None and device.signing_key is not None
    referral_id = str(uuid.uuid4())
    copies = seal_referral(
        _package(referral_id, device.enrollment.device_id, partner.partner_id),
        referral_id=referral_id,
        device_id=device.enrollment.device_id,
        partner_id=partner.partner_id,
        partner_sealing_key=keys.sealing_public,
        organisation_public_key=raw_public(organisation_key),
        device_signing_key=device.signing_key,
    )
    store.pending[referral_id] = PendingReferral(
        referral_id, partner.partner_id, copies.for_partner, copies.for_organisation
    )
    store.partner_keys[referral_id] = keys.signing_public
    return referral_id


def test_pt001_partner_enrolls_vouched_and_roles_are_enforced(
    server: Server, organisation_key: X25519PrivateKey, tmp_path: Any
) -> None:
    state, keys = _partner(server, "org-a", organisation_key, tmp_path)
    vouched = vouched_partners(server.settings.database_url, [organisation_key])
    assert set(vouched) == {"org-a"}
    assert vouched["org-a"].sealing_public_key == keys.sealing_public
    # A partner code never enrolls a device, and a device code never a partner.
    partner_code = create_enrollment_code(
        server.settings.database_url, server.url, partner_organization="org-b"
    )
    with pytest.raises(EnrollmentError):
        join(partner_code, MemoryDeviceStore(), transport=server.transport)
    other_keys = PartnerKeyPair(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
    with pytest.raises(EnrollmentError):
        join_partner(server.enrollment_code(), tmp_path / "x", other_keys, transport=server.transport)
    # An unauthorised partner code enrolls, but the organisation does not vouch for it.
    join_partner(partner_code, tmp_path / "b", other_keys, transport=server.transport)
    assert set(vouched_partners(server.settings.database_url, [organisation_key])) == {"org-a"}
    # Roles: a device cannot read an inbox; a partner cannot send referrals.
    device, _enrollment = server.enroll()
    assert device.enrollment is not None and device.signing_key is not None
    from sync.identity import DeviceIdentity

    identity = DeviceIdentity.from_raw(device.enrollment.device_id, device.signing_key)
    with (
        SyncClient(server.url, identity=identity, transport=server.transport) as client,
        pytest.raises(DeviceRefused),
    ):
        client.partner_inbox()
    assert fetch_inbox(state, keys, transport=server.transport) == []
    partner_device = MemoryDeviceStore(
        device.enrollment.__class__(**{**vars(device.enrollment), "device_id": state.partner_id}),
        keys.signing.private_bytes_raw(),
    )
    store = MemoryReferralStore()
    _queue(store, partner_device, state, keys, organisation_key)
    report = send_referrals(store, partner_device, transport=server.transport)
    assert report.sent == 0 and isinstance(report.errors[0], DeviceRefused)


def test_rf006_referral_reaches_only_its_partner_and_status_comes_back(
    server: Server, organisation_key: X25519PrivateKey, tmp_path: Any
) -> None:
    a_state, a_keys = _partner(server, "org-a", organisation_key, tmp_path)
    b_state, b_keys = _partner(server, "org-b", organisation_key, tmp_path)
    device, _ = server.enroll()
    store = MemoryReferralStore()
    referral_id = _queue(store, device, a_state, a_keys, organisation_key)
    assert send_referrals(store, device, transport=server.transport).sent == 1
    assert send_referrals(store, device, transport=server.transport).sent == 0  # nothing left

    inbox = fetch_inbox(a_state, a_keys, transport=server.transport)
    assert [item.referral_id for item in inbox] == [referral_id]
    assert inbox[0].package is not None and inbox[0].package["fields"]["language"] == "ro"
    assert fetch_inbox(b_state, b_keys, transport=server.transport) == []
    with pytest.raises(SyncRejected) as refused:
        fetch_referral(b_state, b_keys, referral_id, transport=server.transport)
    assert refused.value.params["status"] == 404
    with pytest.raises(SyncRejected):  # B cannot answer A's referral either
        change_status(b_state, b_keys, referral_id, "accepted", transport=server.transport)

    event = change_status(a_state, a_keys, referral_id, "accepted", transport=server.transport)
    assert event.status == "accepted"
    with pytest.raises(SyncRejected) as conflict:  # accepted cannot be accepted again
        change_status(a_state, a_keys, referral_id, "declined", "full tonight", transport=server.transport)
    assert conflict.value.params["status"] == 409
    report = fetch_statuses(store, device, transport=server.transport)
    assert report.statuses == 1 and report.refused_statuses == 0
    assert store.verified_status(referral_id) == "accepted"
    # The sending device revokes a second referral; the partner can no longer accept it.
    second = _queue(store, device, a_state, a_keys, organisation_key)
    send_referrals(store, device, transport=server.transport)
    other_device, _ = server.enroll()
    with pytest.raises(SyncRejected):  # another device's referral is not found
        revoke_referral(other_device, second, server.transport)
    assert revoke_referral(device, second, server.transport).status == "revoked"
    with pytest.raises(SyncRejected) as gone:
        change_status(a_state, a_keys, second, "accepted", transport=server.transport)
    assert gone.value.params["status"] == 409
    fetch_statuses(store, device, transport=server.transport)
    assert store.verified_status(second) == "revoked"


def test_rf007_forgeries_in_the_database_are_refused(
    server: Server, organisation_key: X25519PrivateKey, tmp_path: Any
) -> None:
    a_state, a_keys = _partner(server, "org-a", organisation_key, tmp_path)
    _b_state, b_keys = _partner(server, "org-b", organisation_key, tmp_path)
    device = MemoryDeviceStore()
    join(authorize_code(server.enrollment_code(), organisation_key), device, transport=server.transport)
    assert device.enrollment is not None
    store = MemoryReferralStore()
    genuine = _queue(store, device, a_state, a_keys, organisation_key)
    send_referrals(store, device, transport=server.transport)
    # The operator seals a referral to A's public key, signed by a key of its own, under the device's id.
    impostor = MemoryDeviceStore(device.enrollment, Ed25519PrivateKey.generate().private_bytes_raw())
    forged = MemoryReferralStore()
    _queue(forged, impostor, a_state, a_keys, organisation_key)
    item = next(iter(forged.pending.values()))
    engine = create_engine(server.settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO referrals (referral_id, partner_id, device_id, for_partner,"
                " for_organisation, envelope_sha256, status, received_at, updated_at)"
                " VALUES (:r, :p, :d, :fp, :fo, :h, 'sent', 1, 1)"
            ),
            {
                "r": item.referral_id,
                "p": a_state.partner_id,
                "d": device.enrollment.device_id,
                "fp": item.for_partner,
                "fo": item.for_organisation,
                "h": "0" * 64,
            },
        )
    inbox = {entry.referral_id: entry for entry in fetch_inbox(a_state, a_keys, transport=server.transport)}
    assert inbox[genuine].package is not None
    assert inbox[item.referral_id].package is None and inbox[item.referral_id].refused == "bad_signature"
    with pytest.raises(ReferralNotVerifiedError):
        change_status(a_state, a_keys, item.referral_id, "accepted", transport=server.transport)
    # B's signature on a status for A's referral, put straight into the database: the device refuses it.
    statement = StatusStatement(genuine, "accepted", 1_700_000_000_000, a_state.partner_id)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO referral_events (referral_id, status, at, actor_id, actor_role, signature,"
                " recorded_at) VALUES (:r, 'accepted', :at, :a, 'partner', :s, 1)"
            ),
            {
                "r": genuine,
                "at": statement.at,
                "a": a_state.partner_id,
                "s": sign_status(statement, b_keys.signing),
            },
        )
    engine.dispose()
    report = fetch_statuses(store, device, transport=server.transport)
    assert report.refused_statuses == 1 and report.statuses == 0
    assert store.verified_status(genuine) == "sent"
    change_status(a_state, a_keys, genuine, "accepted", transport=server.transport)
    # The desk opens the organisation's copies: the genuine one with its history, the forged one refused.
    with SubmissionReader.open(server.settings.database_url) as reader:
        exported = export_referrals(reader, [organisation_key], tmp_path / "desk")
    assert exported.failures == [(item.referral_id, "bad_signature")]
    written = json.loads((tmp_path / "desk" / "referrals" / f"{genuine}.json").read_text())
    assert written["status"] == "accepted"
    assert [h["signature_verified"] for h in written["history"]] == [False, True]
    assert written["package"]["fields"] == {
        "language": "ro",
        "contact_preference": "through_officer",
        "urgency": "soon",
    }
    assert exported.refused_statuses == 1
