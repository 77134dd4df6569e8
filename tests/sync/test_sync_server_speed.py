"""The referral server's request path is short: few database round trips, a pool that never churns.

SP001: a signed batch (1 item, and 50) costs at most 2 database round trips on PostgreSQL (counted on
       the wire: every ReadyForQuery the server sends back) and at most 2 transactions on SQLite.
SP002: `GET /v1/updates` costs at most 2 round trips; a refused replay still answers 401.
SP003: the organisation keys are read once, not per request; a key registered later (by another
       process) is seen by the next batch that uses it.
SP004: the PostgreSQL pool holds one connection per handler thread and never opens more.
SP005: by default the server runs one process per CPU core on PostgreSQL and one on SQLite; worker
       processes get the same settings.
SP006: after a warm request, a signed batch builds no SQL construct (the hot statements are built once
       per process) and every statement SQLAlchemy compiles comes from its cache.
SP007: a signed batch checks out one pooled connection, not one per step; on SQLite its steps are
       still separate transactions (the write lock is held for one step at a time).
SP008: a replayed batch is refused on that one connection: counted in the refusal tally, nothing stored.
SP009: the one-statement batch takes the device's allowance exactly as `rate_limits.take_statement` does.
SP010: every client in a process shares one TLS context (loading the CA bundle costs ~20 ms a client).
SP011: `waypoint server` runs uvicorn without an access log (errors are still logged), one process or
       several.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, event
from sqlmodel import Session, select
from sync_servers import Server
from test_sync_server import Device, _item

from sync import seal_submission
from sync.server import ServerSettings
from sync.server.db import register_organisation_key


class Trips:
    """Counts what a block costs the database: round trips (PostgreSQL, from libpq's protocol
    trace), and statements and commits (SQLite, from SQLAlchemy's events)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.round_trips = 0
        self.statements = 0
        self.commits = 0
        self._active = False
        self._traces: dict[int, Any] = {}

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if self._active and self.postgres:
            from psycopg.pq import Trace

            trace = tempfile.TemporaryFile()
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
            self._traces[id(dbapi_connection)] = trace

    def _checkin(self, dbapi_connection: Any, _record: Any) -> None:
        trace = self._traces.pop(id(dbapi_connection), None)
        if trace is None:
            return
        dbapi_connection.pgconn.untrace()
        trace.seek(0)
        lines = trace.read().decode(errors="replace").splitlines()
        trace.close()
        self.round_trips += sum(1 for line in lines if "\tReadyForQuery" in line and line.startswith("B"))

    def _statement(self, *_args: Any) -> None:
        if self._active:
            self.statements += 1

    def _commit(self, _connection: Any) -> None:
        if self._active:
            self.commits += 1

    @contextmanager
    def counting(self) -> Iterator[Trips]:
        listeners = [
            (self.engine.pool, "checkout", self._checkout),
            (self.engine.pool, "checkin", self._checkin),
            (self.engine, "before_cursor_execute", self._statement),
            (self.engine, "commit", self._commit),
        ]
        for target, name, listener in listeners:
            event.listen(target, name, listener)
        self._active = True
        try:
            yield self
        finally:
            self._active = False
            for target, name, listener in listeners:
                event.remove(target, name, listener)


def _quiet_pruning(server: Server) -> None:
    """The periodic pruning (once a minute) is not part of a request's cost."""
    state = server.app.state.waypoint
    state.last_nonce_prune_ms = state.last_limit_prune_ms = state.clock_ms()


@pytest.fixture
def device(server: Server) -> Device:
    store, _ = server.enroll()
    warm = Device(server, store)
    assert warm.submit([_item(warm.enrollment)]).status_code == 200  # pool, caches, prepared statements
    _quiet_pruning(server)
    return warm


@pytest.mark.parametrize("size", [1, 50])
def test_sp001_signed_batch_in_two_round_trips(server: Server, device: Device, size: int) -> None:
    items = [_item(device.enrollment) for _ in range(size)]
    trips = Trips(server.app.state.waypoint.engine)
    with trips.counting():
        response = device.submit(items)
    assert response.status_code == 200, response.text
    assert len(response.json()["receipt"]["accepted"]) == size
    if trips.postgres:
        assert 0 < trips.round_trips <= 2, trips.round_trips
    else:
        assert trips.commits <= 2, (trips.commits, trips.statements)


def test_sp002_updates_in_two_round_trips_and_replay_still_refused(server: Server, device: Device) -> None:
    trips = Trips(server.app.state.waypoint.engine)
    with trips.counting():
        assert device.updates().status_code == 200
    if trips.postgres:
        assert 0 < trips.round_trips <= 2, trips.round_trips
    else:
        assert trips.commits <= 2
    body = json.dumps({"items": [_item(device.enrollment)]}).encode()
    headers = device.signed("POST", "/v1/submissions", body)
    assert device.http.post("/v1/submissions", content=body, headers=headers).status_code == 200
    replay = device.http.post("/v1/submissions", content=body, headers=headers)
    assert (replay.status_code, replay.json()["code"]) == (401, "replay")


def test_sp003_organisation_keys_cached_and_new_keys_seen(server: Server, device: Device) -> None:
    engine = server.app.state.waypoint.engine
    reads: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "organisation_keys" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        for _ in range(3):
            assert device.submit([_item(device.enrollment)]).status_code == 200
        assert reads == []
        newer = X25519PrivateKey.generate().public_key()
        raw = newer.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        register_organisation_key(engine, raw)  # as `waypoint enroll create` in another process would
        reads.clear()
        interview_id = str(uuid.uuid4())
        envelope = seal_submission(
            b"{}",
            enrollment=_with_key(device, raw),
            interview_id=interview_id,
            protocol_id="adult",
            protocol_version="1",
        )
        item = {
            "interview_id": interview_id,
            "seq": 1,
            "protocol_id": "adult",
            "protocol_version": "1",
            "envelope": base64.b64encode(envelope).decode(),
        }
        response = device.submit([item])
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert response.json()["receipt"]["accepted"] == [interview_id]
    assert len(reads) == 1


def _with_key(device: Device, public_key: bytes) -> Any:
    from dataclasses import replace

    from sync.envelope import key_id_for

    return replace(
        device.enrollment, organisation_public_key=public_key, organisation_key_id=key_id_for(public_key)
    )


def test_sp004_pool_one_connection_per_thread(make_server: Any, postgres_schema_factory: Any) -> None:
    server = make_server(postgres_schema_factory(), threads=5)
    pool = server.app.state.waypoint.engine.pool
    assert (pool.size(), pool._max_overflow) == (5, 0)


def test_sp005_workers_default_to_the_cores(public_key_file: Path) -> None:
    cores = len(os.sched_getaffinity(0))
    postgres = ServerSettings(database_url="postgresql+psycopg://u@h/db")
    assert postgres.process_count == cores
    assert ServerSettings(database_url="sqlite:///x.db").process_count == 1
    chosen = ServerSettings(
        database_url="postgresql+psycopg://u@h/db", public_key_file=public_key_file, workers=3, threads=7
    )
    assert chosen.process_count == 3
    assert ServerSettings.from_json(chosen.to_json()) == chosen


def test_sp006_hot_statements_built_once(
    server: Server, device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.engine.default import CACHE_MISS

    from sync.server import crud, db, rate_limits

    built: list[str] = []

    def counting(real: Any) -> Any:
        def build(*args: Any) -> Any:
            built.append(str(args[0]))
            return real(*args)

        return build

    for module in (crud, rate_limits, db):
        monkeypatch.setattr(module, "insert_for_dialect", counting(module.insert_for_dialect))
    monkeypatch.setattr(crud, "insert_for", counting(crud.insert_for))
    engine = server.app.state.waypoint.engine
    for size in (1, 3):  # SQLite's multi-row insert is compiled once per batch shape
        assert device.submit([_item(device.enrollment) for _ in range(size)]).status_code == 200
    built.clear()
    misses: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if context.compiled is not None and context.cache_hit == CACHE_MISS:
            misses.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        for size in (1, 3):
            response = device.submit([_item(device.enrollment) for _ in range(size)])
            assert response.status_code == 200, response.text
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert built == []
    assert misses == []


def _checkouts(engine: Engine) -> Any:
    counted: list[int] = []

    @contextmanager
    def counting() -> Iterator[list[int]]:
        def checkout(*_args: Any) -> None:
            counted.append(1)

        event.listen(engine.pool, "checkout", checkout)
        try:
            yield counted
        finally:
            event.remove(engine.pool, "checkout", checkout)

    return counting()


def test_sp007_one_connection_per_signed_batch(server: Server, device: Device) -> None:
    engine = server.app.state.waypoint.engine
    trips = Trips(engine)
    with _checkouts(engine) as checkouts, trips.counting():
        response = device.submit([_item(device.enrollment) for _ in range(3)])
    assert response.status_code == 200, response.text
    assert len(checkouts) == 1
    if not trips.postgres:  # the address's step, then the device's allowance with the rows
        assert trips.commits == 2, trips.commits


def test_sp008_replay_refused_on_the_same_connection(server: Server, device: Device) -> None:
    from sync.server.models import RefusalTally, Submission

    engine = server.app.state.waypoint.engine
    item = _item(device.enrollment)
    body = json.dumps({"items": [item]}).encode()
    headers = device.signed("POST", "/v1/submissions", body)
    assert device.http.post("/v1/submissions", content=body, headers=headers).status_code == 200
    with Session(engine) as session:
        stored = len(session.exec(select(Submission)).all())
    with _checkouts(engine) as checkouts:
        replay = device.http.post("/v1/submissions", content=body, headers=headers)
    assert (replay.status_code, replay.json()["code"]) == (401, "replay")
    assert len(checkouts) == 1
    with Session(engine) as session:
        assert len(session.exec(select(Submission)).all()) == stored
        tallies = {row.code: row.count for row in session.exec(select(RefusalTally)).all()}
    assert tallies.get("replay") == 1


def test_sp009_one_statement_takes_the_allowance_as_rate_limits_does() -> None:
    from sqlalchemy.dialects.postgresql import psycopg

    from sync.server import crud
    from sync.server.rate_limits import take_statement

    compiled = str(take_statement("postgresql").compile(dialect=psycopg.dialect()))

    def words(sql: str) -> str:
        return " ".join(sql.split())

    assert f"WITH taken AS ( {words(compiled)} )" in words(crud._CONSUME_AND_STORE)


def test_sp010_clients_share_one_tls_context() -> None:
    from sync import SyncClient
    from sync.client import tls_context

    with SyncClient("https://example.org") as first, SyncClient("https://example.net") as second:
        contexts = {id(client._http._transport._pool._ssl_context) for client in (first, second)}
    assert contexts == {id(tls_context())}


@pytest.mark.parametrize("workers", [1, 2])
def test_sp011_server_command_without_access_log(
    workers: int, public_key_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from click.testing import CliRunner

    from waypoint.cli.server import server_command

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **options: runs.append(options))
    monkeypatch.delenv("WAYPOINT_SERVER_SETTINGS", raising=False)
    arguments = [
        "--database-url",
        f"sqlite:///{tmp_path / 'referral.db'}",
        "--public-key",
        str(public_key_file),
    ]
    result = CliRunner().invoke(server_command, [*arguments, "--workers", str(workers)])
    monkeypatch.delenv("WAYPOINT_SERVER_SETTINGS", raising=False)
    assert result.exit_code == 0, result.output
    assert [(run["access_log"], run["log_level"]) for run in runs] == [(False, "info")]
