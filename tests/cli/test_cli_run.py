"""`waypoint run`, the main job, used together with the other commands the way a trainer would.

RN001: `waypoint run --port 0 --server-port 0` prints one line,
       `Waypoint app: http://127.0.0.1:<port>/?token=<token>`, and serves the app there; while it runs,
       `interview record` on the same data folder seals the interview to the demo organisation,
       `waypoint sync` sends it to the local server, and `desk export` with the demo key (passphrase
       from WAYPOINT_KEY_PASSPHRASE) opens exactly what was recorded. Ctrl-C stops everything with exit 0.
RN002: the demo organisation key is not kept with the device (issue 11, finding 7): after `waypoint run`
       (no WAYPOINT_KEY_PASSPHRASE, so the demo passphrase is generated and kept), no file under the
       device's data folder, tried as a key with every file as its passphrase, opens the sealed
       interview; the demo key folder beside it, which stderr names as demo only, does.
RN003: a data folder from before keeps working: its `desk/` folder (key and passphrase) moves out to the
       demo key folder, nothing of it stays under the data folder, and the device stays enrolled.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
from cli_support import (
    COMPLETE_ANSWERS,
    KEY_PASSPHRASE,
    PIN,
    Case,
    command_env,
    listed,
    make_case,
    ok,
    record,
    waypoint,
    waypoint_argv,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from app.vault import Vault
from sync.desk import export_submissions, load_private_key
from waypoint.core.errors import WaypointError

READY = re.compile(r"^Waypoint app: (http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{43})$")
START_SECONDS = 90
STOP_SECONDS = 20
DEMO_KEY_FOLDER_SUFFIX = "-DEMO-organisation-key"  # README: `<data>-DEMO-organisation-key/`


@contextlib.contextmanager
def running(
    data: Path, env: dict[str, str | None], server_port: tuple[str, ...] = ("--server-port", "0")
) -> Iterator[tuple[str, list[str]]]:
    """`waypoint run` on `data` until the block ends: yields the printed address and, once stopped,
    fills the list with what it wrote to stderr. Exit code 0 and no traceback are checked."""
    process = subprocess.Popen(
        waypoint_argv("run", "--data-dir", str(data), "--port", "0", *server_port),
        env=command_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    stderr: list[str] = []
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], START_SECONDS)
        first = process.stdout.readline() if readable else ""
        match = READY.match(first.rstrip("\n"))
        if not match:
            process.kill()
            raise AssertionError(
                f"first line {first!r}; stderr: {process.communicate(timeout=10)[1][-2000:]}"
            )
        yield match.group(1), stderr
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate(timeout=STOP_SECONDS)
        stderr.append(err)
    assert process.returncode == 0, err[-2000:]
    assert "Traceback" not in err and out == "", (out, err[-2000:])


def demo_key_folder(data: Path) -> Path:
    return data.parent / (data.name + DEMO_KEY_FOLDER_SUFFIX)


def record_and_send(data: Path, folder: Path, label: str) -> tuple[str, Case]:
    case = make_case("consular-screen", "ar", COMPLETE_ANSWERS["consular-screen"], label)
    interview_id, _ = record(data, case, folder)
    assert listed(data)[interview_id]["state"] == "sealed"
    assert "sent 1, parked 0, pending 0" in ok(waypoint("sync", "--data-dir", data)).out
    return interview_id, case


def test_rn001_run_serves_and_works_with_the_other_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running(data, {"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE}) as (url, stderr):
        assert httpx.get(url, timeout=10, follow_redirects=True).status_code == 200
        interview_id, case = record_and_send(data, tmp_path, "run")
        ok(
            waypoint(
                "desk",
                "export",
                "--database-url",
                f"sqlite:///{data / 'server' / 'referral.db'}",
                "--key",
                demo_key_folder(data) / "organisation.private.json",
                "--out",
                tmp_path / "export",
                env={"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE},
            )
        )
        document = json.loads((tmp_path / "export" / f"{interview_id}.json").read_text(encoding="utf-8"))
        assert document["answers"] == case.answers and document["notes"] == case.notes
    for word in (*case.canaries, PIN, KEY_PASSPHRASE):
        assert word not in "".join(stderr)


def keys_found_in(folder: Path) -> dict[str, X25519PrivateKey]:
    """Every private key a finder could get from the files under `folder`: each file as a Waypoint key
    file opened with each file's text as the passphrase, as a raw X25519 key, or as an unencrypted PEM."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    passphrases = set()
    for path in files:
        with contextlib.suppress(UnicodeDecodeError):
            text = path.read_bytes().decode("utf-8").strip()
            if 0 < len(text) <= 1024:
                passphrases.add(text)
    found: dict[str, X25519PrivateKey] = {}
    for path in files:
        raw = path.read_bytes()
        if len(raw) == 32:
            found[f"{path} (raw)"] = X25519PrivateKey.from_private_bytes(raw)
        with contextlib.suppress(ValueError, TypeError):
            key = load_pem_private_key(raw, password=None)
            if isinstance(key, X25519PrivateKey):
                found[f"{path} (PEM)"] = key
        for passphrase in sorted(passphrases):
            with contextlib.suppress(WaypointError):
                found[f"{path} (key file)"] = load_private_key(path, passphrase)
                break
    return found


def opened_with(data: Path, keys: list[X25519PrivateKey], out: Path) -> int:
    report = export_submissions(f"sqlite:///{data / 'server' / 'referral.db'}", keys, out)
    return len(report.written)


def test_rn002_no_file_under_the_data_folder_opens_a_sealed_interview(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running(data, {"WAYPOINT_KEY_PASSPHRASE": None}) as (_url, stderr):
        record_and_send(data, tmp_path, "demo-key")
    found = keys_found_in(data)
    assert opened_with(data, list(found.values()), tmp_path / "finder") == 0, sorted(found)

    warning = "".join(stderr)
    assert "demo" in warning.lower() and str(demo_key_folder(data)) in warning, warning
    demo_keys = keys_found_in(demo_key_folder(data))
    assert opened_with(data, list(demo_keys.values()), tmp_path / "desk") == 1  # the search can find keys


def test_rn003_an_older_desk_folder_moves_out_of_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running(data, {"WAYPOINT_KEY_PASSPHRASE": None}):
        pass
    enrollment = Vault.open(data).device_store.load_enrollment()
    older = data / "desk"  # how `waypoint run` kept the demo key before: inside the data folder
    demo_key_folder(data).rename(older)
    with running(data, {"WAYPOINT_KEY_PASSPHRASE": None}, server_port=()):
        record_and_send(data, tmp_path, "older")
    assert not older.exists()
    assert not keys_found_in(data)
    assert Vault.open(data).device_store.load_enrollment() == enrollment
    assert opened_with(data, list(keys_found_in(demo_key_folder(data)).values()), tmp_path / "desk") == 1
