"""Fixtures for the sync tests: organisation keys, server databases (SQLite and PostgreSQL), servers.

The server suite runs on both databases: `server_database_url` is parametrized. On PostgreSQL each test
gets a fresh schema (dropped afterwards), so runs never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_fakes import MemoryOutboxStore
from sync_servers import InProcessTransport, Server

from sync.server import ServerSettings, create_app


@pytest.fixture(scope="session")
def organisation_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture(scope="session")
def public_key_file(organisation_key: X25519PrivateKey, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("organisation") / "organisation.public.pem"
    path.write_bytes(
        organisation_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server' / 'referral.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def server_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The server suite's database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server' / 'referral.db'}"
    factory: Callable[[], str] = request.getfixturevalue("postgres_schema_factory")
    return factory()


@pytest.fixture
def make_server(public_key_file: Path) -> Iterator[Callable[..., Server]]:
    made: list[Server] = []

    def make(database_url: str, *, clock: Callable[[], float] | None = None, **overrides: Any) -> Server:
        settings = ServerSettings(database_url=database_url, public_key_file=public_key_file, **overrides)
        app = create_app(settings, clock=clock) if clock else create_app(settings)
        server = Server(app, InProcessTransport(app), settings)
        made.append(server)
        return server

    yield make
    for server in made:
        server.transport.close()
        server.app.state.waypoint.engine.dispose()


@pytest.fixture
def server(make_server: Callable[..., Server], server_database_url: str) -> Server:
    """A fresh server on SQLite or PostgreSQL (parametrized)."""
    return make_server(server_database_url)


@pytest.fixture
def outbox() -> MemoryOutboxStore:
    return MemoryOutboxStore()
