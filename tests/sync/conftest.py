"""Fixtures for the sync tests: organisation keys, server databases (SQLite and PostgreSQL), servers.

The server suite runs on both databases: `server_database_url` is parametrized. On PostgreSQL each test
gets a fresh schema (dropped afterwards), so runs never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
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


@pytest.fixture(scope="session")
def postgres_schema_factory(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Make fresh PostgreSQL schemas (URLs whose search_path points at them); drop them at the end."""
    base_url: str = request.getfixturevalue("postgres_url")
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        schema = f"wp_test_{uuid.uuid4().hex[:12]}"
        with engine.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        made.append(schema)
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    yield make
    with engine.connect() as connection:
        for schema in made:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


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
