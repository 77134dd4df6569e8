"""The sync commands of the `waypoint` command line, end to end with the real vault and a real server.

CL001: `waypoint keys generate` needs WAYPOINT_KEY_PASSPHRASE and writes the key pair.
CL002: keys -> `waypoint server` -> `enroll create --qr` -> `desk authorize-code` -> `enroll join`
       -> interviews recorded in the
       vault -> `waypoint sync` (exit 0, outbox empty) -> `desk export` (one file per interview) ->
       `device revoke` -> `waypoint sync` exits 1 and keeps what it could not send.
CL003: a device with a vault is only re-enrolled with its officer's secret.
CL004: without a vault and without WAYPOINT_PIN, a device is enrolled anyway (pre-provisioning).
CL005: a server or code without an organisation key says what to do.
CL006: `enroll create` with policy options prints a `WP2:` code; `enroll join` applies the policy:
       without WAYPOINT_DURESS_PIN it refuses before spending the code, with it the duress secret
       opens an empty vault (destroying the real one); interviews finished before enrollment are
       sealed for sending.
CL007: WAYPOINT_DURESS_PIN for a code that asks for no duress secret is refused; an option out of
       range is refused naming the setting; a --server-url that is no http(s) address is refused.
CL008: pre-provisioning with a policy that requires a duress secret leaves it for the app's set-up.
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

from sync.sealed import SealedInterview
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
    assert line.startswith("WP2:" if extra and extra[0] != "--qr" else "WP1:")
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
        submission = SealedInterview(interview_id, "adult", "1", answers={"q1": index})
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
    plain_code = tmp_path / "code.txt"
    plain_code.write_text(_code(server, "--qr", str(qr)))
    assert qr.read_bytes().startswith(b"\x89PNG")
    private_key = str(desk / "organisation.private.json")
    authorised_qr = tmp_path / "authorised.png"
    authorised = _run(
        "desk", "authorize-code", "--key", private_key, "--code-file", str(plain_code),
        "--qr", str(authorised_qr), WAYPOINT_KEY_PASSPHRASE=PASSPHRASE,
    )  # fmt: skip
    assert authorised.exit_code == 0, authorised.output
    assert authorised_qr.read_bytes().startswith(b"\x89PNG")
    code = authorised.output.strip()
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


DURESS = "quiet-umbrella-duress-77"


def _completed_before_enrollment(data_dir: Path, count: int) -> None:
    from app.vault import Vault

    vault = Vault.open(data_dir)
    vault.create(PIN)
    for index in range(count):
        interview_id = vault.interviews.create(
            protocol_id="adult", protocol_version="1", engine_state={}, context={}
        )
        submission = SealedInterview(interview_id, "adult", "1", answers={"q1": index})
        assert vault.interviews.complete(interview_id, submission) is False  # not enrolled: kept
    vault.lock()
    vault.close()


@pytest.mark.timeout(300)
def test_cl006_policy_from_the_code(tmp_path: Path, server: dict[str, Any]) -> None:
    from app.vault import Vault

    code = _code(server, "--wipe-after", "5", "--require-duress", "--idle-lock-seconds", "60")
    data_dir = tmp_path / "device"
    _completed_before_enrollment(data_dir, 2)
    join_args = ("enroll", "join", "--data-dir", str(data_dir), "--code", code)
    missing = _run(*join_args, WAYPOINT_PIN=PIN, WAYPOINT_DURESS_PIN="")
    assert missing.exit_code == 1 and "WAYPOINT_DURESS_PIN" in missing.output
    same = _run(*join_args, WAYPOINT_PIN=PIN, WAYPOINT_DURESS_PIN=PIN)
    assert same.exit_code == 1 and "different" in same.output
    joined = _run(*join_args, WAYPOINT_PIN=PIN, WAYPOINT_DURESS_PIN=DURESS)  # the same code: not spent
    assert joined.exit_code == 0, joined.output
    assert "sealed for sending: 2" in joined.output
    vault = Vault.open(data_dir)
    assert (vault.policy.wipe_after_failures, vault.policy.idle_lock_seconds) == (5, 60)
    assert not vault.duress_secret_required and vault.outbox_store.counts().pending == 2
    vault.unlock(PIN)
    assert {s.state for s in vault.list_interviews()} == {"sealed"}
    vault.lock()
    vault.unlock(DURESS)  # destroys the real vault (tests/vault/test_vault_duress.py)
    assert vault.list_interviews() == [] and vault.outbox_store.counts().pending == 0
    vault.close()


def test_cl007_duress_only_when_the_organisation_asks(tmp_path: Path, server: dict[str, Any]) -> None:
    data_dir = tmp_path / "device"
    unasked = _run(
        "enroll", "join", "--data-dir", str(data_dir), "--code", _code(server),
        WAYPOINT_PIN=PIN, WAYPOINT_DURESS_PIN=DURESS,
    )  # fmt: skip
    assert unasked.exit_code == 1 and "does not ask for a duress secret" in unasked.output
    out_of_range = _run(
        "enroll", "create", "--database-url", server["database_url"], "--server-url", server["url"],
        "--wipe-after", "3",
    )  # fmt: skip
    assert out_of_range.exit_code == 1 and "wipe_after_failures" in out_of_range.output
    not_a_url = _run(
        "enroll", "create", "--database-url", server["database_url"], "--server-url", "the server"
    )
    assert not_a_url.exit_code == 1 and "--server-url" in not_a_url.output


def test_cl008_pre_provisioned_duress_is_left_to_the_app(tmp_path: Path, server: dict[str, Any]) -> None:
    from app.vault import Vault

    data_dir = tmp_path / "device"
    code = _code(server, "--require-duress")
    result = _run("enroll", "join", "--data-dir", str(data_dir), "--code", code, WAYPOINT_PIN="")
    assert result.exit_code == 0, result.output
    assert "chooses it when setting up the app" in result.output
    vault = Vault.open(data_dir)
    assert not vault.has_secret and vault.duress_secret_required
    vault.close()
