"""Fixtures for the outside tests: the organisation's keys, server databases, a running server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import (
    KEY_PASSPHRASE,
    OrganisationKeys,
    ServerProcess,
    ok,
    use_default_data_dir,
    waypoint,
)


@pytest.fixture(scope="session", autouse=True)
def _default_data_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    use_default_data_dir(tmp_path_factory.mktemp("default-data"))


@pytest.fixture(scope="session")
def org_keys(tmp_path_factory: pytest.TempPathFactory) -> OrganisationKeys:
    """`waypoint keys generate`, once per session (Argon2id with 128 MiB takes a few seconds)."""
    folder = tmp_path_factory.mktemp("desk") / "keys"
    ok(waypoint("keys", "generate", "--out", folder, env={"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE}))
    return OrganisationKeys(folder, folder / "organisation.public.pem", folder / "organisation.private.json")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The referral server's database: each test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server' / 'referral.db'}"
    factory: Callable[[], str] = request.getfixturevalue("postgres_schema_factory")
    return factory()


@pytest.fixture(scope="module")
def sqlite_server(
    org_keys: OrganisationKeys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One `waypoint server` on SQLite for a whole test module."""
    folder = tmp_path_factory.mktemp("server")
    server = ServerProcess(f"sqlite:///{folder / 'referral.db'}", org_keys.public, folder / "server.log")
    with server.running():
        yield server
