"""The partner desk's service (`sync.desk.partner_desk.PartnerDesk`) against an in-process referral server.

A partner enrolls with a code the organisation authorised, a device sends it a referral sealed from a
real minimised package (`referral.package.build_package`), and the desk answers it.

PW001: the inbox lists the referral, newest first, with exactly the minimised package fields (and the
       needs, consent basis and service), its arrival in the history, verified.
PW002: accept then complete reach the server: the sending device fetches each status, verified; the
       view's history gains each answer; accepting twice is a conflict, not a second event.
PW003: decline needs a reason (nothing is sent without one); with one, the device sees "declined" and
       the organisation opens the reason.
PW004: a referral that does not verify is listed as refused, with no fields, and cannot be answered;
       an id that is not this partner's is "not found".
PW005: a server that cannot be reached is said in the desk's words, not the device's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_fakes import MemoryDeviceStore, MemoryReferralStore, raw_public
from sync_servers import InProcessTransport, Server

from referral.directory.model import PartnerKeys, Service
from referral.package import Consent, ReferralFacts, build_package
from sync.desk.codes import authorize_code
from sync.desk.partner_desk import (
    PartnerDesk,
    ReasonRequiredError,
    ReferralNotFoundError,
    ServerUnreachableError,
    StatusConflictError,
)
from sync.partner_enroll import PartnerKeyPair, PartnerState, join_partner
from sync.referral_outbox import PendingReferral, fetch_statuses, send_referrals
from sync.referral_seal import ReferralNotVerifiedError, open_detail, seal_referral
from sync.server import ServerSettings, create_app
from sync.server.admin import create_enrollment_code
from sync.server.reading import SubmissionReader

SHELTER_FIELDS = {"language", "contact_preference", "urgency", "age_group", "gender"}


@pytest.fixture(scope="module")
def organisation_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def start_server(folder: Path, organisation_key: X25519PrivateKey) -> Server:
    """A referral server on SQLite in `folder`, registered with the organisation key, reached in-process."""
    public = folder / "organisation.public.pem"
    public.write_bytes(
        organisation_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings = ServerSettings(database_url=f"sqlite:///{folder / 'referral.db'}", public_key_file=public)
    app = create_app(settings)
    return Server(app, InProcessTransport(app), settings)


@pytest.fixture
def server(tmp_path: Path, organisation_key: X25519PrivateKey) -> Iterator[Server]:
    made = start_server(tmp_path, organisation_key)
    yield made
    made.transport.close()
    made.app.state.waypoint.engine.dispose()


@pytest.fixture
def partner(
    server: Server, organisation_key: X25519PrivateKey, tmp_path: Path
) -> tuple[PartnerState, PartnerKeyPair]:
    keys = PartnerKeyPair(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
    code = create_enrollment_code(server.settings.database_url, server.url, partner_organization="org-a")
    state = join_partner(
        authorize_code(code, organisation_key), tmp_path / "partner", keys, transport=server.transport
    )
    return state, keys


@pytest.fixture
def desk(server: Server, partner: tuple[PartnerState, PartnerKeyPair]) -> Iterator[PartnerDesk]:
    made = PartnerDesk(*partner, transport=server.transport)
    yield made
    made.close()


class Device:
    """An enrolled device that sends referrals to the partner and fetches their statuses."""

    def __init__(self, server: Server, organisation_key: X25519PrivateKey) -> None:
        self.server, self.organisation_key = server, organisation_key
        self.store, _ = server.enroll()
        self.referrals = MemoryReferralStore()

    def send(self, partner: tuple[PartnerState, PartnerKeyPair], *, signing_key: bytes | None = None) -> str:
        state, keys = partner
        device_store: MemoryDeviceStore = self.store
        assert device_store.enrollment is not None and device_store.signing_key is not None
        service = Service(
            "svc-shelter",
            "Shelter",
            "org-a",
            "Org A",
            needs=frozenset({"shelter"}),
            partner=PartnerKeys(state.partner_id, keys.sealing_public, keys.signing_public),
        )
        facts = ReferralFacts(
            needs=("shelter", "legal"), emergency=(), language="ro", age_group="adult", gender="female"
        )
        referral_id = str(uuid.uuid4())
        device_id = device_store.enrollment.device_id
        package = build_package(
            facts,
            service,
            referral_id=referral_id,
            device_id=device_id,
            consent=Consent.given(),
            contact_preference="through_officer",
        )
        copies = seal_referral(
            package.to_json(),
            referral_id=referral_id,
            device_id=device_id,
            partner_id=state.partner_id,
            partner_sealing_key=keys.sealing_public,
            organisation_public_key=raw_public(self.organisation_key),
            device_signing_key=signing_key or device_store.signing_key,
        )
        self.referrals.pending[referral_id] = PendingReferral(
            referral_id, state.partner_id, copies.for_partner, copies.for_organisation
        )
        self.referrals.partner_keys[referral_id] = keys.signing_public
        assert send_referrals(self.referrals, device_store, transport=self.server.transport).sent == 1
        return referral_id

    def status(self, referral_id: str) -> str:
        fetch_statuses(self.referrals, self.store, transport=self.server.transport)
        return self.referrals.verified_status(referral_id)


@pytest.fixture
def device(server: Server, organisation_key: X25519PrivateKey) -> Device:
    return Device(server, organisation_key)


def test_pw001_inbox_lists_the_referral_with_only_the_minimised_fields(
    desk: PartnerDesk, device: Device, partner: tuple[PartnerState, PartnerKeyPair]
) -> None:
    assert desk.inbox() == []
    first = device.send(partner)
    second = device.send(partner)
    inbox = desk.inbox()
    assert [view.referral_id for view in inbox] == [second, first]
    view = inbox[1]
    assert view.status == "sent" and view.refused is None
    assert set(view.fields) == SHELTER_FIELDS | {"needs", "consent", "service_id"}
    assert view.fields["needs"] == "shelter" and view.fields["language"] == "ro"
    assert view.fields["urgency"] == "soon" and view.fields["consent"] == "consent"
    assert abs((datetime.now(UTC) - view.received_at).total_seconds()) < 300
    assert [(e.status, e.by, e.verified) for e in view.history] == [("sent", "device", True)]
    assert desk.referral(first) == view


def test_pw002_accept_and_complete_reach_the_device(
    desk: PartnerDesk, device: Device, partner: tuple[PartnerState, PartnerKeyPair]
) -> None:
    referral_id = device.send(partner)
    desk.inbox()
    accepted = desk.accept(referral_id)
    assert accepted.status == "accepted" and accepted.fields["needs"] == "shelter"
    assert device.status(referral_id) == "accepted"
    with pytest.raises(StatusConflictError):
        desk.accept(referral_id)
    completed = desk.complete(referral_id, "  Housed for two weeks.  ")
    assert device.status(referral_id) == "completed"
    assert [(e.status, e.by, e.detail) for e in completed.history] == [
        ("sent", "device", None),
        ("accepted", "partner", None),
        ("completed", "partner", "Housed for two weeks."),
    ]
    assert desk.referral(referral_id).history == completed.history


def test_pw003_decline_needs_a_reason_which_reaches_the_organisation(
    desk: PartnerDesk,
    device: Device,
    partner: tuple[PartnerState, PartnerKeyPair],
    server: Server,
    organisation_key: X25519PrivateKey,
) -> None:
    referral_id = device.send(partner)
    with pytest.raises(ReasonRequiredError):
        desk.decline(referral_id, "   ")
    assert device.status(referral_id) == "sent"
    declined = desk.decline(referral_id, "No bed free tonight.")  # not opened before: fetched
    assert declined.status == "declined" and declined.history[-1].detail == "No bed free tonight."
    assert device.status(referral_id) == "declined"
    with SubmissionReader.open(server.settings.database_url) as reader:
        [stored] = reader.referrals()
    [event] = stored.events
    assert event.status == "declined" and event.detail is not None
    reason = open_detail(
        bytes(event.detail), private_key=organisation_key, referral_id=referral_id, status="declined"
    )
    assert reason == "No bed free tonight."


def test_pw004_unverified_and_unknown_referrals(
    desk: PartnerDesk, device: Device, partner: tuple[PartnerState, PartnerKeyPair]
) -> None:
    forged = device.send(partner, signing_key=Ed25519PrivateKey.generate().private_bytes_raw())
    [view] = desk.inbox()
    assert view.referral_id == forged and view.refused and view.fields == {}
    assert view.history[0].verified is False
    with pytest.raises(ReferralNotVerifiedError):
        desk.accept(forged)
    assert device.status(forged) == "sent"
    with pytest.raises(ReferralNotFoundError) as missing:
        desk.referral(str(uuid.uuid4()))
    assert missing.value.code == "WP-DESK-022"


def test_pw005_an_unreachable_server_is_said_in_the_desks_words(
    partner: tuple[PartnerState, PartnerKeyPair],
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    desk = PartnerDesk(*partner, transport=httpx.MockTransport(refuse))
    with pytest.raises(ServerUnreachableError) as unreachable:
        desk.inbox()
    assert "device" not in unreachable.value.message() and "Refresh" in unreachable.value.message()
    desk.close()
