"""The sync commands of the `waypoint` command line, end to end with the real vault and a real server.

CL001: `waypoint keys generate` needs WAYPOINT_KEY_PASSPHRASE and writes the key pair.
CL002: keys -> `waypoint server` -> `enroll create --qr` -> `enroll join` -> interviews recorded in the
       vault -> `waypoint sync` (exit 0, outbox empty) -> `desk export` (one file per interview) ->
       `device revoke` -> `waypoint sync` exits 1 and keeps what it could not send.
CL003: a device with a vault is only re-enrolled with its officer's secret.
CL004: without a vault and without WAYPOINT_PIN, a device is enrolled anyway (pre-provisioning).
CL005: a server or code without an organisation key says what to do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sync_servers import free_port, wait_until_responds

from waypoint.cli import main

PASSPHRASE = "cli desk passphrase"
PIN = "correct-officer-secret-42"


def _run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("desk")
    result = _run("keys", "generate", "--out", str(folder), WAYPOINT_KEY_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def server(desk: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'referral.db'}"
    port = free_port()
    arguments = [
        "server",
        "--database-url",
        database_url,
        "--public-key",
        str(desk / "organisation.public.pem"),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        [sys.executable, "-c", "from waypoint.cli import main; main()", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_responds(url)
        yield {"url": url, "database_url": database_url}
    finally:
        process.terminate()
        process.wait(timeout=20)


def _code(server: dict[str, Any], *extra: str) -> str:
    result = _run(
        "enroll", "create", "--database-url", server["database_url"], "--server-url", server["url"], *extra
    )
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert line.startswith("WP1:")
    return line


def _record(data_dir: Path, count: int) -> list[str]:
    from app.vault import Vault

    vault = Vault.open(data_dir)
    vault.unlock(PIN)
    ids = []
    for index in range(count):
        interview_id = vault.interviews.create(
            protocol_id="adult", protocol_version="1", engine_state={}, context={}
        )
        submission = {
            "format": "waypoint-interview/1",
            "protocol_id": "adult",
            "protocol_version": "1",
            "answers": {"q1": index},
        }
        assert vault.interviews.complete(interview_id, submission)
        ids.append(interview_id)
    vault.lock()
    vault.close()
    return ids


def test_cl001_keys_generate_needs_the_passphrase(tmp_path: Path, desk: Path) -> None:
    without = _run("keys", "generate", "--out", str(tmp_path / "keys"), WAYPOINT_KEY_PASSPHRASE="")
    assert without.exit_code == 1 and "WAYPOINT_KEY_PASSPHRASE" in without.output
    assert sorted(path.name for path in desk.iterdir()) == [
        "organisation.private.json",
        "organisation.public.pem",
    ]


@pytest.mark.timeout(300)
def test_cl002_the_whole_journey(tmp_path: Path, desk: Path, server: dict[str, Any]) -> None:
    qr = tmp_path / "code.png"
    code = _code(server, "--qr", str(qr))
    assert qr.read_bytes().startswith(b"\x89PNG")
    data_dir = tmp_path / "device"
    joined = _run("enroll", "join", "--data-dir", str(data_dir), "--code", code, WAYPOINT_PIN=PIN)
    assert joined.exit_code == 0, joined.output
    recorded = _record(data_dir, 3)
    sent = _run("sync", "--data-dir", str(data_dir), "--deadline", "60")
    assert sent.exit_code == 0, sent.output
    assert "sent 3, parked 0, pending 0" in sent.output
    out = tmp_path / "export"
    exported = _run(
        "desk",
        "export",
        "--database-url",
        server["database_url"],
        "--key",
        str(desk / "organisation.private.json"),
        "--out",
        str(out),
        WAYPOINT_KEY_PASSPHRASE=PASSPHRASE,
    )
    assert exported.exit_code == 0, exported.output
    assert sorted(path.stem for path in out.iterdir()) == sorted(recorded)
    document = json.loads((out / f"{recorded[0]}.json").read_text())
    assert document["answers"] == {"q1": 0} and document["interview_id"] == recorded[0]
    listed = _run("device", "list", "--database-url", server["database_url"])
    (device_line,) = listed.output.splitlines()
    device_id = device_line.split()[0]
    assert document["device_id"] == device_id
    assert _run("device", "revoke", "--database-url", server["database_url"], device_id).exit_code == 0
    _record(data_dir, 1)
    refused = _run("sync", "--data-dir", str(data_dir), "--deadline", "10")
    assert refused.exit_code == 1 and "pending 1" in refused.output
    assert "no longer accepts this device" in refused.output


def test_cl003_re_enrollment_needs_the_officer(tmp_path: Path, server: dict[str, Any]) -> None:
    data_dir = tmp_path / "device"
    assert (
        _run(
            "enroll", "join", "--data-dir", str(data_dir), "--code", _code(server), WAYPOINT_PIN=PIN
        ).exit_code
        == 0
    )
    without = _run("enroll", "join", "--data-dir", str(data_dir), "--code", _code(server), WAYPOINT_PIN="")
    assert without.exit_code == 1 and "WAYPOINT_PIN" in without.output
    wrong = _run(
        "enroll",
        "join",
        "--data-dir",
        str(data_dir),
        "--code",
        _code(server),
        WAYPOINT_PIN="wrong-secret-123456",
    )
    assert wrong.exit_code == 1
    again = _run("enroll", "join", "--data-dir", str(data_dir), "--code", _code(server), WAYPOINT_PIN=PIN)
    assert again.exit_code == 0, again.output


def test_cl004_pre_provisioning_without_a_vault_secret(tmp_path: Path, server: dict[str, Any]) -> None:
    from app.vault import Vault

    data_dir = tmp_path / "device"
    result = _run("enroll", "join", "--data-dir", str(data_dir), "--code", _code(server), WAYPOINT_PIN="")
    assert result.exit_code == 0, result.output
    vault = Vault.open(data_dir)
    assert not vault.has_secret and vault.device_store.load_enrollment() is not None
    vault.close()
    empty = _run("sync", "--data-dir", str(data_dir), "--deadline", "10")
    assert empty.exit_code == 0 and "pending 0" in empty.output


def test_cl005_missing_organisation_key_is_explained(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'empty.db'}"
    code = _run("enroll", "create", "--database-url", database_url, "--server-url", "http://127.0.0.1:9")
    assert code.exit_code == 1 and "--public-key" in code.output
    served = _run("server", "--database-url", database_url, "--port", "0")
    assert served.exit_code == 1 and "--public-key" in served.output
