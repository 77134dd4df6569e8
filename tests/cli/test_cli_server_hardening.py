"""The server's files and plain http, from outside (issue 11, findings 6 and 10).

SC001: `waypoint server` refuses a database folder other users can open: exit 1, one clear error that
       names the folder and `chmod 700`, no traceback, nothing created in it.
SC002: `waypoint enroll create --server-url http://<another machine>` is refused and names
       --insecure-http; with --insecure-http it prints the code and a loud warning on stderr.
SC003: `waypoint enroll join` refuses a code for plain http elsewhere before anything is created;
       with --insecure-http it goes on to the network (and says so loudly).
SC004: `waypoint sync --help` offers --insecure-http, marked as for a test lab only.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_support import (
    PIN,
    OrganisationKeys,
    assert_clean_failure,
    closed_port,
    made_up_code,
    ok,
    waypoint,
)

from sync.server.db import make_engine, prepare_database, read_public_key_file, register_organisation_key

LAB_WARNING = "WARNING: --insecure-http"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_sc001_server_refuses_a_folder_others_can_open(tmp_path: Path, org_keys: OrganisationKeys) -> None:
    folder = tmp_path / "server"
    folder.mkdir()
    folder.chmod(0o755)
    ran = waypoint(
        "server", "--database-url", f"sqlite:///{folder / 'referral.db'}", "--public-key", org_keys.public,
        "--port", "0",
    )  # fmt: skip
    assert_clean_failure(ran, mentions=("chmod 700", str(folder)))
    assert list(folder.iterdir()) == []


@pytest.fixture
def server_database(tmp_path: Path, org_keys: OrganisationKeys) -> str:
    url = f"sqlite:///{tmp_path / 'server' / 'referral.db'}"
    engine = make_engine(url)
    prepare_database(engine)
    register_organisation_key(engine, read_public_key_file(org_keys.public))
    engine.dispose()
    return url


def test_sc002_enroll_create_needs_insecure_http_for_plain_http(server_database: str) -> None:
    lab = "http://lab.example.org:8551"
    refused = waypoint("enroll", "create", "--database-url", server_database, "--server-url", lab)
    assert_clean_failure(refused, mentions=("--insecure-http", "https://"))
    assert "WP1:" not in refused.out
    made = ok(
        waypoint(
            "enroll", "create", "--database-url", server_database, "--server-url", lab, "--insecure-http"
        )
    )
    assert made.out.startswith("WP1:") and LAB_WARNING in made.err
    local = ok(
        waypoint(
            "enroll", "create", "--database-url", server_database, "--server-url", "http://127.0.0.1:8551"
        )
    )
    assert LAB_WARNING not in local.err


def test_sc003_enroll_join_refuses_plain_http_elsewhere(tmp_path: Path) -> None:
    code = made_up_code(f"http://0.0.0.0:{closed_port()}", expires_in=900)  # 0.0.0.0 is not loopback
    data_dir = tmp_path / "device"
    refused = waypoint("enroll", "join", "--data-dir", data_dir, "--code", code, env={"WAYPOINT_PIN": PIN})
    assert_clean_failure(refused, mentions=("https://", "--insecure-http"))
    assert not data_dir.exists()
    lab = waypoint(
        "enroll", "join", "--data-dir", data_dir, "--code", code, "--insecure-http", env={"WAYPOINT_PIN": PIN}
    )
    assert_clean_failure(lab, mentions=("could not be reached",))
    assert LAB_WARNING in lab.err


def test_sc004_sync_offers_insecure_http_for_a_lab_only() -> None:
    help_text = ok(waypoint("sync", "--help")).out
    assert "--insecure-http" in help_text and "TEST LAB ONLY" in help_text
