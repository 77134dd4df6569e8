"""The organisation's whole journey, run from outside with the real `waypoint` command, with the
referral server failing mid-sync the way servers do. On SQLite; with `--campaign=full` on PostgreSQL
too (the server suite in tests/sync runs every server test on both).

OF001: keys generate -> server -> enroll create (--qr draws a PNG) -> desk authorize-code -> enroll join
       -> interview record
       (four protocols and respondent languages; two on PostgreSQL) -> interview list (sealed, then
       sent) -> sync (exit 0, outbox empty; a second sync sends nothing, exit 0) -> desk export: one
       `<id>.json` per interview, holding exactly the answers, notes, checks, consent, language and
       protocol recorded, and the outcome `waypoint protocol run` gives for the same answers.
EO001: the server is killed right after it committed a batch and before the device got the reply:
       `waypoint sync` says the server cannot be reached, exits 1 and keeps everything.
EO002: the same cut, and the server comes back while that one `waypoint sync` still retries: the run
       ends with exit 0 and an empty outbox.
EO003: every interview is on the server exactly once (rows counted in the database itself), and a
       second `waypoint sync` sends nothing and adds nothing.
OF002: the server's database (SQLite: its files with -wal and -shm; PostgreSQL: every table) and log
       never hold a word of any interview; the export does (the scan's positive control).
OF003: the device's data folder never holds a word of any interview once sealed.
OF004: no command prints an interview's words, the officer's secret or the desk passphrase.
OF005: `interview list` shows metadata only.
"""

from __future__ import annotations

import json
import re
import struct
import threading
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
    CuttingProxy,
    OrganisationKeys,
    Ran,
    ServerProcess,
    database_text_containing,
    files_containing,
    listed,
    make_case,
    ok,
    record,
    submission_counts,
    submitted_ids,
    waypoint,
    write_json,
)

from sync.sealed import SealedInterview

LANGUAGES = {"border-rapid": "fr", "consular-screen": "ar", "labour-inspection": "es", "child-screen": "ne"}
PROTOCOLS = {"sqlite": list(COMPLETE_ANSWERS), "postgresql": ["border-rapid", "child-screen"]}  # time
METADATA_KEYS = {
    "id",
    "protocol_id",
    "protocol_version",
    "state",
    "started_at",
    "updated_at",
    "completed_at",
    "sealed_at",
    "sent_at",
    "purged_at",
}


@dataclass
class Journey:
    database_url: str
    server: ServerProcess
    server_folder: Path
    device: Path
    export: Path
    cases: dict[str, Case] = field(default_factory=dict)  # interview id -> what was recorded
    runs: list[Ran] = field(default_factory=list)  # every command but the fixture's own set-up
    code: str = ""
    qr: Path | None = None
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)  # `interview list --json`
    cut: Ran | None = None  # the sync whose reply never came back
    counts_after_cut: tuple[int, int] = (0, 0)
    survived: Ran | None = None  # the sync during which the server was killed and came back
    cuts: int = 0
    table_after_sync: Ran | None = None
    second_sync: Ran | None = None

    def run(self, *args: str | Path, **env: str) -> Ran:
        ran = waypoint(*args, env=env)
        self.runs.append(ran)
        return ran

    @property
    def canaries(self) -> list[str]:
        return [word for case in self.cases.values() for word in case.canaries]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """SQLite by default; `--campaign=full` runs the whole journey on PostgreSQL too (about 40 s more:
    every command is a new process with the vault's key derivation)."""
    if "backend" in metafunc.fixturenames:
        full = metafunc.config.getoption("--campaign") == "full"
        metafunc.parametrize("backend", ["sqlite", "postgresql"] if full else ["sqlite"], scope="module")


@pytest.fixture(scope="module")
def journey(
    request: pytest.FixtureRequest,
    backend: str,
    org_keys: OrganisationKeys,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Journey]:
    work = tmp_path_factory.mktemp(f"journey-{backend}")
    server_folder = work / "server"
    server_folder.mkdir(mode=0o700)  # the server refuses a folder others can open
    if backend == "sqlite":
        database_url = f"sqlite:///{server_folder / 'referral.db'}"
    else:
        database_url = request.getfixturevalue("postgres_schema_factory")()
    server = ServerProcess(database_url, org_keys.public, server_folder / "server.log")
    trip = Journey(database_url, server, server_folder, work / "device", work / "export")
    restarter: list[threading.Thread] = []

    def restart() -> None:
        server.start()
        proxy.upstream_port = server.port

    def kill_then_restart() -> None:
        server.kill()
        restarter.append(threading.Thread(target=restart, daemon=True))
        restarter[-1].start()

    server.start()
    try:
        with CuttingProxy(server.port) as proxy:
            trip.qr = work / "enroll.png"
            created = trip.run(
                "enroll", "create", "--database-url", database_url, "--server-url", proxy.url, "--qr", trip.qr
            )
            plain_code = work / "plain-code.txt"
            plain_code.write_text(ok(created).out)
            authorised = trip.run(
                "desk", "authorize-code", "--key", org_keys.private, "--code-file", plain_code,
                WAYPOINT_KEY_PASSPHRASE=KEY_PASSPHRASE,
            )  # fmt: skip
            trip.code = ok(authorised).out.strip()
            ok(trip.run("enroll", "join", "--data-dir", trip.device, "--code", trip.code, WAYPOINT_PIN=PIN))
            for protocol in PROTOCOLS[backend]:
                case = make_case(protocol, LANGUAGES[protocol], COMPLETE_ANSWERS[protocol], protocol)
                interview_id, ran = record(trip.device, case, work / "answers")
                trip.runs.append(ran)
                trip.cases[interview_id] = case
            trip.recorded = listed(trip.device)

            proxy.arm(server.kill)
            trip.cut = trip.run("sync", "--data-dir", trip.device, "--deadline", "2")
            trip.counts_after_cut = submission_counts(database_url)
            server.start()
            proxy.upstream_port = server.port
            proxy.arm(kill_then_restart)
            trip.survived = trip.run("sync", "--data-dir", trip.device, "--deadline", "90")
            for thread in restarter:
                thread.join(timeout=60)
            trip.cuts = proxy.cuts

            trip.table_after_sync = trip.run("interview", "list", "--data-dir", trip.device, WAYPOINT_PIN=PIN)
            trip.second_sync = trip.run("sync", "--data-dir", trip.device, "--deadline", "60")
            ok(
                trip.run(
                    "desk",
                    "export",
                    "--database-url",
                    database_url,
                    "--key",
                    org_keys.private,
                    "--out",
                    trip.export,
                    WAYPOINT_KEY_PASSPHRASE=KEY_PASSPHRASE,
                )
            )
            yield trip
    finally:
        for thread in restarter:
            thread.join(timeout=60)
        server.stop()


def test_of001_enrollment_code_is_one_line_and_the_qr_is_a_png(journey: Journey) -> None:
    assert re.fullmatch(r"WP\d:[A-Za-z0-9_-]+", journey.code), journey.code
    assert journey.qr is not None
    png = journey.qr.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width == height and width >= 100  # a square QR symbol, big enough to scan


def test_of001_interviews_go_from_sealed_to_sent(journey: Journey) -> None:
    ids = set(journey.cases)
    assert set(journey.recorded) == ids
    assert {row["state"] for row in journey.recorded.values()} == {"sealed"}
    assert {row["protocol_id"] for row in journey.recorded.values()} == {
        case.protocol for case in journey.cases.values()
    }
    assert journey.table_after_sync is not None
    table = ok(journey.table_after_sync).out.splitlines()
    assert len(table) == len(ids)
    for line in table:
        assert line.split()[0] in ids and "sent" in line.split(), line


def test_eo001_a_sync_cut_after_the_commit_exits_1_and_keeps_everything(journey: Journey) -> None:
    cut = journey.cut
    assert cut is not None and journey.cuts >= 1
    assert cut.code == 1 and f"pending {len(journey.cases)}" in cut.out, str(cut)
    assert "could not be reached" in cut.err and "Traceback" not in cut.output, str(cut)
    assert journey.counts_after_cut == (len(journey.cases), len(journey.cases))  # stored before the cut


def test_eo002_one_sync_outlives_a_server_restart(journey: Journey) -> None:
    assert journey.cuts == 2
    assert journey.survived is not None
    assert "pending 0" in ok(journey.survived).out


def test_eo003_every_interview_on_the_server_exactly_once(journey: Journey) -> None:
    ids = sorted(journey.cases)
    assert journey.second_sync is not None
    assert "sent 0, parked 0, pending 0" in ok(journey.second_sync).out
    assert submission_counts(journey.database_url) == (len(ids), len(ids))
    assert submitted_ids(journey.database_url) == ids


def test_of001_export_holds_exactly_what_was_recorded(journey: Journey, tmp_path: Path) -> None:
    versions = {
        entry["id"]: entry["version"] for entry in json.loads(ok(waypoint("protocol", "list", "--json")).out)
    }
    assert sorted(path.name for path in journey.export.iterdir()) == sorted(
        f"{interview_id}.json" for interview_id in journey.cases
    )
    for interview_id, case in journey.cases.items():
        exported = (journey.export / f"{interview_id}.json").read_bytes()
        SealedInterview.from_json(exported)  # the one sealed-document contract
        document = json.loads(exported)
        assert document["interview_id"] == interview_id
        assert document["protocol_id"] == case.protocol
        assert document["protocol_version"] == versions[case.protocol]
        assert document["respondent_language"] == case.language
        assert document["answers"] == case.answers
        assert document["asked"] == list(case.answers)
        assert document["notes"] == case.notes
        assert document["checks"] == case.checks
        assert document["consent"] == case.consent
        tried = json.loads(
            ok(
                waypoint(
                    "protocol",
                    "run",
                    case.protocol,
                    "--answers",
                    write_json(tmp_path / f"{interview_id}.json", case.answers),
                    "--json",
                )
            ).out
        )
        assert document["outcome"]["outcome"] == tried["outcome"]
        assert [f["id"] for f in document["outcome"]["indicators"]] == [f["id"] for f in tried["indicators"]]


def test_of002_server_never_holds_the_words(journey: Journey) -> None:
    assert files_containing(journey.export, journey.canaries), "positive control: the export has them"
    assert files_containing(journey.server_folder, journey.canaries) == {}
    if journey.database_url.startswith("sqlite"):
        names = {path.name for path in journey.server_folder.iterdir()}
        assert {"referral.db", "referral.db-wal"} <= names  # the WAL was scanned while the server ran
    assert database_text_containing(journey.database_url, journey.canaries) == []


def test_of003_device_never_keeps_the_words(journey: Journey) -> None:
    assert any(path.name.startswith("vault") for path in journey.device.iterdir())
    assert files_containing(journey.device, journey.canaries) == {}


def test_of004_no_command_prints_words_or_secrets(journey: Journey) -> None:
    secrets = [*journey.canaries, PIN, KEY_PASSPHRASE]
    for ran in journey.runs:
        leaked = [word for word in secrets if word in ran.output]
        assert leaked == [], f"printed {leaked}\n{ran}"
    assert [word for word in secrets if word in journey.server.log()] == []


def test_of005_list_shows_metadata_only(journey: Journey) -> None:
    for interview_id, row in journey.recorded.items():
        assert set(row) <= METADATA_KEYS
        assert set(row) >= {"id", "protocol_id", "protocol_version", "state", "started_at", "updated_at"}
        assert row["id"] == interview_id and row["protocol_id"] == journey.cases[interview_id].protocol
        assert row["state"] in {"in_progress", "completed", "sealed", "sent", "purged", "discarded"}
        for name in METADATA_KEYS - {"id", "protocol_id", "protocol_version", "state"}:
            value = row.get(name)
            assert value is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value), (
                name,
                value,
            )
