"""The directory on the command line, end to end: desk import → server → `waypoint sync` on the device.

DR014: `directory import` publishes version 1; `waypoint sync` with WAYPOINT_PIN fetches it into the
       vault, says so, and fetches nothing more until version 2; without the secret it leaves the
       directory alone; a version altered in the server's database is refused (exit 1, WP-REFERRAL-005)
       and the device keeps version 2.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from test_sync_cli import PASSPHRASE, PIN, _code, _run, desk, server

from app.vault import Vault
from referral.directory.device import held_directory

__all__ = ["desk", "server"]  # the module-scoped fixtures, shared with the sync CLI tests


def _hsds(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.json"
    service = {
        "id": str(uuid.uuid4()),
        "name": name,
        "status": "active",
        "organization": {"id": str(uuid.uuid4()), "name": "Harbour Network", "description": "A partner"},
    }
    path.write_text(json.dumps({"contents": [service], "total_items": 1}))
    return path


def _import(server: dict[str, Any], desk: Path, hsds: Path) -> str:
    result = _run(
        "directory", "import", "--database-url", server["database_url"], "--hsds", str(hsds),
        "--key", str(desk / "organisation.private.json"), WAYPOINT_KEY_PASSPHRASE=PASSPHRASE,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.timeout(300)
def test_dr014_sync_fetches_the_directory(tmp_path: Path, desk: Path, server: dict[str, Any]) -> None:
    data_dir = tmp_path / "device"
    joined = _run("enroll", "join", "--data-dir", str(data_dir), "--code", _code(server), WAYPOINT_PIN=PIN)
    assert joined.exit_code == 0, joined.output
    none_yet = _run("sync", "--data-dir", str(data_dir), "--deadline", "30", WAYPOINT_PIN=PIN)
    assert none_yet.exit_code == 0 and "directory: none published yet" in none_yet.output
    first = _import(server, desk, _hsds(tmp_path, "Quiet Harbour House"))
    version = int(first.split("directory version ", 1)[1].split(":", 1)[0])
    fetched = _run("sync", "--data-dir", str(data_dir), "--deadline", "30", WAYPOINT_PIN=PIN)
    assert fetched.exit_code == 0, fetched.output
    assert f"directory: version {version}, 1 service(s)" in fetched.output
    again = _run("sync", "--data-dir", str(data_dir), "--deadline", "30", WAYPOINT_PIN=PIN)
    assert f"directory: version {version}, up to date" in again.output
    locked = _run("sync", "--data-dir", str(data_dir), "--deadline", "30", WAYPOINT_PIN="")
    assert locked.exit_code == 0 and "directory" not in locked.output
    _import(server, desk, _hsds(tmp_path, "Second House"))
    second = _run("sync", "--data-dir", str(data_dir), "--deadline", "30", WAYPOINT_PIN=PIN)
    assert f"directory: version {version + 1}, 1 service(s)" in second.output

    _import(server, desk, _hsds(tmp_path, "Genuine House"))
    database = server["database_url"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:  # the server's operator rewrites the newest version
        (document,) = connection.execute(
            "SELECT document FROM directory_versions WHERE version = ?", (version + 2,)
        ).fetchone()
        connection.execute(
            "UPDATE directory_versions SET document = ? WHERE version = ?",
            (bytes(document).replace(b"Genuine", b"Imposter"), version + 2),
        )
    refused = _run("sync", "--data-dir", str(data_dir), "--deadline", "30", WAYPOINT_PIN=PIN)
    assert refused.exit_code == 1 and "(WP-REFERRAL-005)" in refused.output
    vault = Vault.open(data_dir)
    try:
        vault.unlock(PIN)
        held = held_directory(vault.device_store, vault.directory_store)
        assert held is not None and held.version == version + 1
        assert [service.name for service in held.services] == ["Second House"]
    finally:
        vault.close()
