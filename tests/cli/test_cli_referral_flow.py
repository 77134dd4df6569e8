"""The referral network's whole flow, run from outside with the real `waypoint` command against a real
`waypoint server` on 127.0.0.1, on SQLite and on PostgreSQL.

organisation keys -> server -> partners A and B make keys and join with codes the organisation
authorised -> directory import (A's and B's shelters; the directory carries their keys) -> device
enrolled (authorised code) -> sync fetches the directory -> interview recorded whose outcome needs
shelter -> `referral send` to A's service with consent, and once without -> sync.

RF010: A's inbox opens the referral and it holds exactly the minimised fields for shelter.
RF011: B's inbox does not list it; B answering it by id gets 404.
RF012: the server database holds none of the interview's words (canary scan); the same scan finds the
       referral's routing metadata (its id, A's organization id), so it does read the referral tables.
RF013: A accepts -> device sync -> `referral list --json` shows accepted, A's signature verified.
RF014: `--consent no` sends nothing: recorded on the device as information only, absent on the server.
RF015: a referral forged straight into the server database (sealed to A's key, signed by a key of the
       operator's) is refused by A's inbox and by `desk export`; the genuine one is exported with its
       verified history.
RF016: a status forged by B for A's referral, put straight into the database, is refused by the device
       (`referral list` keeps A's accepted) and by the desk (listed, not counted).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cli_support import (
    COMPLETE_ANSWERS,
    KEY_PASSPHRASE,
    PIN,
    Case,
    OrganisationKeys,
    Ran,
    ServerProcess,
    database_text_containing,
    make_case,
    ok,
    record,
    waypoint,
    write_json,
)

# The flow is about 25 commands, each a new process with a key derivation (vault, organisation or
# partner key): the module fixture takes several minutes on a loaded 2-core machine.
pytestmark = pytest.mark.timeout(1200)

PARTNER_PASSPHRASE = "partner passphrase for the referral flow"
SHELTER_NEEDS_FIELDS = {"language", "contact_preference", "urgency", "age_group", "gender"}


@dataclass
class Flow:
    database_url: str
    server: ServerProcess
    work: Path
    device: Path
    org_keys: OrganisationKeys
    partners: dict[str, tuple[Path, Path, str]] = field(default_factory=dict)  # name -> state, keys, org id
    services: dict[str, str] = field(default_factory=dict)  # partner name -> service id
    case: Case | None = None
    interview_id: str = ""
    referral_id: str = ""
    information_only_id: str = ""
    inbox_a: list[dict[str, Any]] = field(default_factory=list)
    inbox_b: list[dict[str, Any]] = field(default_factory=list)
    b_answers: Ran | None = None
    canaries_found: list[str] = field(default_factory=list)
    metadata_found: list[str] = field(default_factory=list)
    listed_after_accept: list[dict[str, Any]] = field(default_factory=list)
    forged_id: str = ""
    inbox_with_forgery: list[dict[str, Any]] = field(default_factory=list)
    sync_after_forged_status: Ran | None = None
    listed_after_forged_status: list[dict[str, Any]] = field(default_factory=list)
    desk: Ran | None = None
    server_referral_ids: list[str] = field(default_factory=list)

    def run(self, *args: str | Path, **env: str) -> Ran:
        return waypoint(*args, env=env)

    def partner(self, name: str, *args: str | Path) -> Ran:
        state, keys, _org = self.partners[name]
        return self.run(
            "partner", *args, "--state", state, "--key", keys, WAYPOINT_KEY_PASSPHRASE=PARTNER_PASSPHRASE
        )


def _hsds(services: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    from referral.directory.hsds import with_waypoint_fields
    from referral.directory.model import Service

    documents = []
    for name, (service_id, organization_id) in services.items():
        entry = Service(
            id=service_id,
            name=f"Night shelter {name}",
            organization_id=organization_id,
            organization_name=f"Partner {name}",
            needs=frozenset({"shelter"}),
            languages=("fr", "en"),
            open_24_7=True,
            phones=("+33 1 00 00 00 00",),
        )
        service = {
            "id": service_id,
            "name": entry.name,
            "status": "active",
            "organization": {
                "id": organization_id,
                "name": entry.organization_name,
                "description": "partner",
            },
        }
        documents.append(with_waypoint_fields(service, entry))
    return documents


def _rows(database_url: str, query: str) -> list[Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)).all())
    finally:
        engine.dispose()


def _execute(database_url: str, query: str, values: dict[str, Any]) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(query), values)
    finally:
        engine.dispose()


def _forge_referral(flow: Flow) -> str:
    """What a server operator could make: a referral sealed to A's public key, signed by its own key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from sync.referral_seal import REFERRAL_FORMAT, seal_referral
    from sync.wire import b64u_decode

    state, keys, _org = flow.partners["A"]
    partner = json.loads((state / "partner.json").read_text())
    public = json.loads((keys / "partner.public.json").read_text())
    organisation = serialization.load_pem_public_key(flow.org_keys.public.read_bytes())
    rows = _rows(flow.database_url, "SELECT referral_id, device_id FROM referrals")
    device_id = next(str(row[1]) for row in rows if row[0] == flow.referral_id)
    forged_id = str(uuid.uuid4())
    package = {"format": REFERRAL_FORMAT, "referral_id": forged_id, "device_id": device_id,
               "partner_id": partner["partner_id"], "fields": {"language": "fr"}}  # fmt: skip
    copies = seal_referral(
        json.dumps(package).encode(),
        referral_id=forged_id,
        device_id=device_id,
        partner_id=partner["partner_id"],
        partner_sealing_key=b64u_decode(public["sealing_public_key"]),
        organisation_public_key=organisation.public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ),
        device_signing_key=Ed25519PrivateKey.generate().private_bytes_raw(),
    )
    _execute(
        flow.database_url,
        "INSERT INTO referrals (referral_id, partner_id, device_id, for_partner, for_organisation,"
        " envelope_sha256, status, received_at, updated_at) VALUES (:r, :p, :d, :fp, :fo, :h, 'sent', 1, 1)",
        {"r": forged_id, "p": partner["partner_id"], "d": device_id, "fp": copies.for_partner,
         "fo": copies.for_organisation, "h": "0" * 64},
    )  # fmt: skip
    return forged_id


def _forge_status_by_b(flow: Flow) -> None:
    """B signs "completed" for A's referral and the operator puts it in the database as A's."""
    import time

    from sync.partner_enroll import load_partner_keys
    from sync.referral_seal import StatusStatement, sign_status

    a_state = json.loads((flow.partners["A"][0] / "partner.json").read_text())
    b_keys = load_partner_keys(flow.partners["B"][1], PARTNER_PASSPHRASE)
    statement = StatusStatement(flow.referral_id, "completed", int(time.time() * 1000), a_state["partner_id"])
    _execute(
        flow.database_url,
        "INSERT INTO referral_events (referral_id, status, at, actor_id, actor_role, signature, recorded_at)"
        " VALUES (:r, 'completed', :at, :a, 'partner', :s, 1)",
        {"r": flow.referral_id, "at": statement.at, "a": a_state["partner_id"],
         "s": sign_status(statement, b_keys.signing)},
    )  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def flow(
    request: pytest.FixtureRequest, org_keys: OrganisationKeys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flow]:
    work = tmp_path_factory.mktemp(f"referral-{request.param}")
    server_folder = work / "server"
    server_folder.mkdir(mode=0o700)
    if request.param == "sqlite":
        database_url = f"sqlite:///{server_folder / 'referral.db'}"
    else:
        database_url = request.getfixturevalue("postgres_schema_factory")()
    server = ServerProcess(database_url, org_keys.public, server_folder / "server.log")
    trip = Flow(database_url, server, work, work / "device", org_keys)
    org_env = {"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE}
    with server.running():
        # Partners A and B: their own keys, joined with codes the organisation authorised.
        for name in ("A", "B"):
            state, keys, organization_id = work / f"partner-{name}", work / f"keys-{name}", str(uuid.uuid4())
            ok(trip.run("partner", "keys", "--out", keys, WAYPOINT_KEY_PASSPHRASE=PARTNER_PASSPHRASE))
            made = ok(
                trip.run(
                    "partner", "enroll-code", "--database-url", database_url, "--server-url", server.url,
                    "--organization", organization_id, "--key", org_keys.private, **org_env,
                )
            )  # fmt: skip
            code = made.out.strip().splitlines()[-1]
            ok(
                trip.run(
                    "partner", "join", "--state", state, "--key", keys, "--code", code,
                    WAYPOINT_KEY_PASSPHRASE=PARTNER_PASSPHRASE,
                )
            )  # fmt: skip
            trip.partners[name] = (state, keys, organization_id)
            trip.services[name] = str(uuid.uuid4())
        hsds = write_json(
            work / "directory.json",
            _hsds({name: (trip.services[name], trip.partners[name][2]) for name in ("A", "B")}),
        )
        ok(trip.run("directory", "import", "--database-url", database_url, "--hsds", hsds,
                    "--key", org_keys.private, **org_env))  # fmt: skip
        # The device: enrolled with an authorised code; sync fetches the directory.
        plain = work / "device-code.txt"
        plain.write_text(
            ok(trip.run("enroll", "create", "--database-url", database_url, "--server-url", server.url)).out
        )
        code = ok(
            trip.run("desk", "authorize-code", "--key", org_keys.private, "--code-file", plain, **org_env)
        ).out
        ok(trip.run("enroll", "join", "--data-dir", trip.device, "--code", code.strip(), WAYPOINT_PIN=PIN))
        ok(trip.run("sync", "--data-dir", trip.device, WAYPOINT_PIN=PIN))
        trip.case = make_case("border-rapid", "fr", COMPLETE_ANSWERS["border-rapid"], "referral")
        trip.interview_id, _ = record(trip.device, trip.case, work / "answers")
        sent = ok(
            trip.run(
                "referral", "send", "--data-dir", trip.device, "--interview", trip.interview_id,
                "--service", trip.services["A"], "--consent", "yes", WAYPOINT_PIN=PIN,
            )
        )  # fmt: skip
        trip.referral_id = sent.out.split()[0]
        kept = ok(
            trip.run(
                "referral", "send", "--data-dir", trip.device, "--interview", trip.interview_id,
                "--service", trip.services["B"], "--consent", "no", WAYPOINT_PIN=PIN,
            )
        )  # fmt: skip
        trip.information_only_id = kept.out.split()[0]
        ok(trip.run("sync", "--data-dir", trip.device))

        trip.inbox_a = json.loads(ok(trip.partner("A", "inbox", "--json")).out)
        trip.inbox_b = json.loads(ok(trip.partner("B", "inbox", "--json")).out)
        trip.b_answers = trip.partner("B", "accept", trip.referral_id)
        trip.canaries_found = database_text_containing(database_url, trip.case.canaries)
        trip.metadata_found = database_text_containing(
            database_url, [trip.referral_id, trip.partners["A"][2]]
        )
        trip.server_referral_ids = sorted(
            str(row[0]) for row in _rows(database_url, "SELECT referral_id FROM referrals")
        )

        ok(trip.partner("A", "accept", trip.referral_id))
        ok(trip.run("sync", "--data-dir", trip.device))
        trip.listed_after_accept = json.loads(
            ok(trip.run("referral", "list", "--data-dir", trip.device, "--json", WAYPOINT_PIN=PIN)).out
        )

        trip.forged_id = _forge_referral(trip)
        trip.inbox_with_forgery = json.loads(ok(trip.partner("A", "inbox", "--json")).out)
        _forge_status_by_b(trip)
        trip.sync_after_forged_status = ok(trip.run("sync", "--data-dir", trip.device))
        trip.listed_after_forged_status = json.loads(
            ok(trip.run("referral", "list", "--data-dir", trip.device, "--json", WAYPOINT_PIN=PIN)).out
        )
        trip.desk = trip.run(
            "desk", "export", "--database-url", database_url, "--key", org_keys.private,
            "--out", work / "export", **org_env,
        )  # fmt: skip
        yield trip


def _referral(listing: list[dict[str, Any]], referral_id: str) -> dict[str, Any]:
    return next(item for item in listing if item["referral_id"] == referral_id)


def test_rf010_the_partner_opens_exactly_the_minimised_fields(flow: Flow) -> None:
    assert [item["referral_id"] for item in flow.inbox_a] == [flow.referral_id]
    item = flow.inbox_a[0]
    assert item["verified"] is True and item["refused"] is None
    package = item["package"]
    assert package["needs"] == ["shelter"]
    assert package["service_id"] == flow.services["A"]
    assert package["consent"] == {"basis": "consent"}
    fields = package["fields"]
    assert {"language", "contact_preference", "urgency", "age_group"} <= set(fields) <= SHELTER_NEEDS_FIELDS
    assert fields["language"] == "fr" and fields["contact_preference"] == "through_officer"
    assert fields["age_group"] == "adult"  # border-rapid's answers say 25
    assert set(package) == {
        "format", "referral_id", "device_id", "partner_id", "organization_id", "service_id", "needs",
        "fields", "consent", "created_at",
    }  # fmt: skip


def test_rf011_another_partner_neither_lists_nor_reaches_it(flow: Flow) -> None:
    assert flow.inbox_b == []
    assert flow.b_answers is not None and flow.b_answers.code == 1, str(flow.b_answers)
    assert "404" in flow.b_answers.err and "Traceback" not in flow.b_answers.output


def test_rf012_the_server_database_holds_no_plaintext(flow: Flow) -> None:
    assert flow.case is not None
    assert flow.canaries_found == []
    assert sorted(flow.metadata_found) == sorted([flow.referral_id, flow.partners["A"][2]])  # the control


def test_rf013_accepted_with_the_partners_signature_verified(flow: Flow) -> None:
    mine = _referral(flow.listed_after_accept, flow.referral_id)
    assert mine["status"] == "accepted" and mine["status_signature_verified"] is True
    assert mine["history"][-1]["by"] == "partner" and mine["history"][-1]["at"].endswith("Z")
    assert mine["organization_name"] == "Partner A"


def test_rf014_no_consent_sends_nothing(flow: Flow) -> None:
    kept = _referral(flow.listed_after_accept, flow.information_only_id)
    assert kept["state"] == "information_only" and kept["status"] == "not_sent"
    assert flow.server_referral_ids == [flow.referral_id]


def test_rf015_a_forged_referral_is_refused_by_the_partner_and_the_desk(flow: Flow) -> None:
    by_id = {item["referral_id"]: item for item in flow.inbox_with_forgery}
    assert by_id[flow.forged_id]["verified"] is False and by_id[flow.forged_id]["package"] is None
    assert by_id[flow.forged_id]["refused"] == "bad_signature"
    assert by_id[flow.referral_id]["verified"] is True
    assert flow.desk is not None and flow.desk.code == 1, str(flow.desk)
    assert f"not exported: referral {flow.forged_id}: bad_signature" in flow.desk.err
    exported = json.loads((flow.work / "export" / "referrals" / f"{flow.referral_id}.json").read_text())
    assert exported["status"] == "accepted" and exported["package"]["fields"]["language"] == "fr"
    assert not (flow.work / "export" / "referrals" / f"{flow.forged_id}.json").exists()


def test_rf016_a_status_forged_by_another_partner_is_refused(flow: Flow) -> None:
    assert flow.sync_after_forged_status is not None
    assert "1 status(es) refused" in flow.sync_after_forged_status.out
    mine = _referral(flow.listed_after_forged_status, flow.referral_id)
    assert mine["status"] == "accepted"
    assert [(h["status"], h["signature_verified"]) for h in mine["history"]] == [
        ("accepted", True),
        ("completed", False),
    ]
    assert flow.desk is not None and "not signed by their actor" in flow.desk.err
    exported = json.loads((flow.work / "export" / "referrals" / f"{flow.referral_id}.json").read_text())
    assert [(h["status"], h["signature_verified"]) for h in exported["history"]] == [
        ("accepted", True),
        ("completed", False),
    ]
