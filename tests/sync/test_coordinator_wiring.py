"""The coordinator's desk with every part (`referral.coordinator_desk`): the engine explains a recorded
interview in words, the directory is imported, published signed, and a referral carries the minimised
package for the chosen service."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_fakes import raw_public
from sync_servers import Server
from test_coordinator_desk import _device, _partner, _send

from referral.coordinator_desk import open_coordinator_desk
from referral.directory.errors import InvalidDirectoryError
from referral.directory.hsds import with_waypoint_fields
from referral.directory.model import Service
from referral.directory.signed import SignedDirectory, open_directory
from screening_protocols.library import get_protocol
from screening_protocols.runner import run_answers
from sync.desk.api_client import CoordinatorClient
from sync.envelope import seal_submission
from sync.partner_inbox import fetch_inbox
from sync.sealed import SealedInterview
from sync.wire import b64u_decode

ANSWERS = {
    "in_danger": "no",
    "age": 34,
    "age_observed": "appears_adult",
    "journey_arranged": "other_debt",
    "destination_work": "other_work",
    "documents_holder": "employer",
    "earnings": "me",
    "made_to_work": "yes",
    "harmed": "no",
    "someone_in_control": "no",
    "vague_job_account": "no",
    "easily_exploited": "no",
}


def test_cd006_engine_words_directory_and_minimised_package(
    server: Server, organisation_key: X25519PrivateKey, tmp_path: Any
) -> None:
    organization_id, service_id = str(uuid.uuid4()), str(uuid.uuid4())  # HSDS ids are UUIDs
    state, keys = _partner(server, organization_id, organisation_key, tmp_path)
    store, outbox = _device(server, organisation_key)
    assert store.enrollment is not None
    protocol = get_protocol("border-rapid")
    interview_id = str(uuid.uuid4())
    outcome = run_answers(protocol, ANSWERS).outcome.to_dict()
    document = SealedInterview(
        interview_id, protocol.id, protocol.version, answers=ANSWERS, outcome=outcome,
        completed_at="2026-12-01T09:00:00Z", respondent_language="ro",
    ).with_device(store.enrollment.device_id)  # fmt: skip
    envelope = seal_submission(
        document.to_json(),
        enrollment=store.enrollment,
        interview_id=interview_id,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        signing_key=store.signing_key,
    )
    outbox.add(interview_id, envelope, protocol_id=protocol.id, version=protocol.version)
    _send(outbox, server)

    desk = open_coordinator_desk(server.url, organisation_key, transport=server.transport)
    assert desk.refresh() == 1
    detail = desk.case(interview_id)
    assert detail.summary.level == "strong_indicators" and detail.summary.level_label != "strong_indicators"
    by_id = {line.indicator_id: line for line in detail.indicators}
    assert "forced_work_or_acts" in by_id
    forced = by_id["forced_work_or_acts"]
    assert forced.label != forced.indicator_id and forced.element == "purpose"
    assert '"' in forced.because  # the question's text and the answer, in words
    assert set(detail.referral_needs) == {"legal", "documents_consular", "psychosocial"}

    service = Service(
        id=service_id,
        name="Legal aid",
        organization_id=organization_id,
        organization_name="Legal aid society",
        needs=frozenset({"legal", "shelter"}),
        languages=("ro", "en"),
    )
    hsds = {"id": service.id, "name": service.name, "status": "active",
            "organization": {"id": service.organization_id, "name": service.organization_name,
                             "description": "a partner organisation"},
            "languages": [{"id": str(uuid.uuid4()), "code": code} for code in service.languages],
            "phones": []}  # fmt: skip
    assert desk.import_directory(json.dumps([with_waypoint_fields(hsds, service)]).encode()) == 1
    (entry,) = desk.directory()
    assert entry.partner_id == state.partner_id and entry.stale
    verified = desk.mark_verified(service_id)
    assert not verified.stale and verified.partner_id == state.partner_id
    assert desk.update_entry(service_id, {"name": "Legal aid clinic"}).name == "Legal aid clinic"
    with pytest.raises(InvalidDirectoryError):  # Waypoint's own attributes are edited in the HSDS file
        desk.update_entry(service_id, {"needs": ["shelter"]})
    assert desk.publish_directory() == 1
    with CoordinatorClient(server.url, organisation_key, transport=server.transport) as client:
        published = client.latest_directory()
    assert published.document is not None and published.signature is not None
    opened = open_directory(
        SignedDirectory(1, base64.b64decode(published.document), b64u_decode(published.signature)),
        organisation_public_key=raw_public(organisation_key),
    )
    assert opened.service(service_id).partner is not None

    sent = desk.send_referral(interview_id, state.partner_id, service_id, consent="given")
    (item,) = fetch_inbox(state, keys, transport=server.transport)
    assert item.referral_id == sent.referral_id and item.package is not None
    assert item.package["service_id"] == service_id and item.package["needs"] == ["legal"]
    assert set(item.package["fields"]) == {"language", "contact_preference", "urgency", "age_group"}
    assert sent.service_id == service_id and sent.partner_name == "Legal aid society"
    assert {p.partner_id: p.name for p in desk.partners()} == {state.partner_id: "Legal aid society"}
