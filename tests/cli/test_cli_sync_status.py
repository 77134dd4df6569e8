"""What `waypoint sync` answers, and its exit code, in the situations an officer or IT person meets.

SS001: the administrator revokes the device (`device list` then shows it revoked); `waypoint sync`
       exits 1 with a message saying the server no longer accepts this device and what to do; the
       interview stays on the device, sealed; nothing reached the server.
SS002: the same device enrolled again with a new code: its waiting interview is sent and the case
       desk can open it (a revoked device that is recovered must not lose what it holds).
SS003: a device that was never enrolled, with a finished interview waiting: `waypoint sync` cannot
       send anything, so with WAYPOINT_PIN (which counts it) it exits non-zero and says to run
       `waypoint enroll join`; nothing is lost.
SS004: a device whose enrollment failed (the server could not be reached: `enroll join` says so) and
       that holds nothing to send: `waypoint sync` exits 0, and says the device is not enrolled.
SS005: the server is down: `waypoint sync` says on stderr, before each wait, that it is trying again
       and how long it waits; it gives up at --deadline (30 s unless given) with exit 1, the server
       "could not be reached", and the interview pending; once the server is back, the same command
       sends it (exit 0).
(Nothing to send, and a server that dies mid-way: tests/cli/test_cli_organisation_flow.py.)
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_support import (
    COMPLETE_ANSWERS,
    KEY_PASSPHRASE,
    PIN,
    CuttingProxy,
    OrganisationKeys,
    Ran,
    ServerProcess,
    closed_port,
    listed,
    made_up_code,
    make_case,
    ok,
    record,
    submitted_ids,
    waypoint,
)


@dataclass
class RevokedDevice:
    folder: Path
    device_id: str
    interview_id: str
    listed_devices: str
    refused_sync: Ran
    states_after_refusal: dict[str, str]
    on_server_after_refusal: list[str]


def _join(
    server: ServerProcess, device: Path, keys: OrganisationKeys | None = None, server_url: str | None = None
) -> str:
    """Enroll `device`; with the organisation's `keys`, the code is authorised on the desk first."""
    code = ok(
        waypoint(
            "enroll",
            "create",
            "--database-url",
            server.database_url,
            "--server-url",
            server_url or server.url,
        )
    ).out.strip()
    if keys is not None:
        plain = device.parent / f"{device.name}-code.txt"
        plain.write_text(code)
        passphrase = {"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE}
        authorised = waypoint(
            "desk", "authorize-code", "--key", keys.private, "--code-file", plain, env=passphrase
        )
        code = ok(authorised).out.strip()
    joined = ok(waypoint("enroll", "join", "--data-dir", device, "--code", code, env={"WAYPOINT_PIN": PIN}))
    match = re.search(r"device (\S+)", joined.out)
    assert match, str(joined)
    return match.group(1)


@pytest.fixture(scope="module")
def revoked(
    sqlite_server: ServerProcess, org_keys: OrganisationKeys, tmp_path_factory: pytest.TempPathFactory
) -> RevokedDevice:
    work = tmp_path_factory.mktemp("revoked")
    device = work / "device"
    device_id = _join(sqlite_server, device, org_keys)
    case = make_case("border-rapid", "fr", COMPLETE_ANSWERS["border-rapid"], "revoked")
    interview_id, _ = record(device, case, work)
    ok(waypoint("device", "revoke", "--database-url", sqlite_server.database_url, device_id))
    devices = ok(waypoint("device", "list", "--database-url", sqlite_server.database_url)).out
    refused = waypoint("sync", "--data-dir", device, "--deadline", "10")
    states = {key: row["state"] for key, row in listed(device).items()}
    return RevokedDevice(
        device,
        device_id,
        interview_id,
        devices,
        refused,
        states,
        submitted_ids(sqlite_server.database_url),
    )


def test_ss001_a_revoked_device_is_told_and_keeps_its_interview(revoked: RevokedDevice) -> None:
    assert f"{revoked.device_id}  revoked" in revoked.listed_devices.splitlines()
    refused = revoked.refused_sync
    assert refused.code == 1, str(refused)
    assert "Traceback" not in refused.output
    assert "pending 1" in refused.out
    assert "no longer accepts this device" in refused.err and "enroll it again" in refused.err, str(refused)
    assert revoked.states_after_refusal == {revoked.interview_id: "sealed"}
    assert revoked.interview_id not in revoked.on_server_after_refusal


def test_ss002_re_enrolled_after_revocation_its_interview_reaches_the_desk(
    revoked: RevokedDevice, sqlite_server: ServerProcess, org_keys: OrganisationKeys, tmp_path: Path
) -> None:
    _join(sqlite_server, revoked.folder, org_keys)
    ok(waypoint("sync", "--data-dir", revoked.folder, "--deadline", "30"))
    exported = waypoint(
        "desk",
        "export",
        "--database-url",
        sqlite_server.database_url,
        "--key",
        org_keys.private,
        "--out",
        tmp_path / "export",
        env={"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE},
    )
    assert revoked.interview_id not in exported.err, f"the desk cannot open it\n{exported}"
    assert (tmp_path / "export" / f"{revoked.interview_id}.json").exists(), str(exported)


def test_ss003_a_device_never_enrolled_is_told_to_enroll(tmp_path: Path) -> None:
    device = tmp_path / "device"
    case = make_case("border-rapid", "fr", COMPLETE_ANSWERS["border-rapid"], "unenrolled")
    interview_id, _ = record(device, case, tmp_path)
    # Finished interviews are counted only with the secret: nothing is listed without it.
    ran = waypoint("sync", "--data-dir", device, "--deadline", "5", env={"WAYPOINT_PIN": PIN})
    assert "Traceback" not in ran.output
    assert "waypoint enroll join" in ran.err, str(ran)
    assert ran.code == 1, f"nothing could be sent, yet sync reports success\n{ran}"
    assert {key: row["state"] for key, row in listed(device).items()} == {interview_id: "completed"}


def test_ss004_not_enrolled_with_nothing_to_send_exits_0(tmp_path: Path) -> None:
    device = tmp_path / "device"
    code = made_up_code(f"http://127.0.0.1:{closed_port()}", expires_in=900)
    failed = waypoint("enroll", "join", "--data-dir", device, "--code", code)  # no WAYPOINT_PIN: no secret
    assert failed.code == 1 and "could not be reached" in failed.err, str(failed)
    assert "Traceback" not in failed.output
    ran = waypoint("sync", "--data-dir", device)
    assert ran.code == 0, str(ran)
    assert "pending 0" in ran.out and "not enrolled" in ran.err and "waypoint enroll join" in ran.err


def test_ss005_a_server_that_is_down_is_retried_then_given_up(
    sqlite_server: ServerProcess, tmp_path: Path
) -> None:
    assert "default: 30" in ok(waypoint("sync", "--help")).out
    with CuttingProxy(sqlite_server.port) as proxy:
        device = tmp_path / "device"
        _join(sqlite_server, device, server_url=proxy.url)
        case = make_case("border-rapid", "fr", COMPLETE_ANSWERS["border-rapid"], "down")
        interview_id, _ = record(device, case, tmp_path)
        proxy.upstream_port = closed_port()  # the server is down: every connection closes at once
        started = time.monotonic()
        down = waypoint("sync", "--data-dir", device, "--deadline", "4")
        took = time.monotonic() - started
        proxy.upstream_port = sqlite_server.port
        back = ok(waypoint("sync", "--data-dir", device))
    assert down.code == 1 and "Traceback" not in down.output, str(down)
    assert "pending 1" in down.out and "could not be reached" in down.err, str(down)
    retries = re.findall(r"^try (\d+) failed: trying again in (\d+\.\d) s", down.err, flags=re.MULTILINE)
    assert retries and [int(n) for n, _ in retries] == list(range(1, len(retries) + 1)), str(down)
    assert "--deadline 4" in down.err, str(down)
    assert took < 4 + 10, f"took {took:.1f} s with --deadline 4"  # start-up included
    assert "sent 1, parked 0, pending 0" in back.out
    assert {key: row["state"] for key, row in listed(device).items()} == {interview_id: "sent"}
