"""Schema versions: old vaults in the field are migrated forward on open, with their data.

VM001: a version-1 vault (committed fixture) opens with today's code: migrated to the newest version,
       its interviews readable with the same secret, its sent envelope purgeable (a v2 feature), and
       no duress secret required by an organisation (v3).
VM002: the migrated schema equals the one today's SQLModel tables describe (and a new vault's).
VM003: a vault from a newer Waypoint is refused with a clear message and left untouched.
VM004: a failing step rolls the whole migration back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import SQLModel
from vault_support import SECRET

import app.vault.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from app.vault import SCHEMA_VERSION, SchemaTooNewError, Vault, VaultPolicy, migrations
from app.vault.migrations import MigrationStep

FIXTURE = Path(__file__).parent / "fixtures" / "vault_v1.sql"
DRAFT = "11111111-1111-4111-8111-111111111111"
COMPLETED = "22222222-2222-4222-8222-222222222222"
SENT = "33333333-3333-4333-8333-333333333333"


def _load_fixture(data_dir: Path) -> Path:
    data_dir.mkdir(mode=0o700)
    path = data_dir / "vault.sqlite3"
    connection = sqlite3.connect(path)
    connection.executescript(FIXTURE.read_text())
    connection.close()
    return path


def _version(path: Path) -> int:
    connection = sqlite3.connect(path)
    version = connection.execute("SELECT version FROM schema_version").fetchone()[0]
    connection.close()
    return int(version)


def _schema(path: Path | str) -> dict[str, object]:
    connection = sqlite3.connect(path)
    tables = [
        name
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if name != "schema_version"
    ]
    shape: dict[str, object] = {}
    for table in tables:
        columns = connection.execute(f"PRAGMA table_info({table})").fetchall()
        shape[table] = sorted((c[1], c[2], bool(c[3]), c[5]) for c in columns)  # name, type, not null, pk
        indexes = connection.execute(f"PRAGMA index_list({table})").fetchall()
        shape[table + ".indexed"] = sorted(
            tuple(row[2] for row in connection.execute(f"PRAGMA index_info('{index[1]}')"))
            for index in indexes
        )
    connection.close()
    return shape


def test_vm001_version_1_vault_opens_with_its_data(tmp_path: Path, open_vault: Callable[..., Vault]) -> None:
    path = _load_fixture(tmp_path / "data")
    assert _version(path) == 1
    vault = open_vault()
    assert _version(path) == SCHEMA_VERSION
    assert vault.policy == VaultPolicy()  # v2's policy row, with its defaults
    assert not vault.duress_secret_required and not vault.policy_set_by_organisation  # v3
    vault.unlock(SECRET)
    assert {s.id: s.state for s in vault.list_interviews()} == {
        DRAFT: "in_progress",
        COMPLETED: "completed",
        SENT: "sent",
    }
    draft = vault.interviews.load(DRAFT)
    assert draft.engine_state["answers"] == {"q1": "yes", "q2": "v1 draft answer"}
    assert draft.context["respondent_language"] == "fr"
    vault.interviews.save_state(DRAFT, {"answers": {"q1": "yes", "q2": "after the upgrade"}, "asked": []})
    assert vault.purge_expired(datetime(2026, 6, 1, tzinfo=UTC)) == 1
    assert {s.id: s.state for s in vault.list_interviews()}[SENT] == "purged"
    assert vault.integrity_check() == "ok"
    again = open_vault()  # opening again migrates nothing and changes nothing
    again.unlock(SECRET)
    assert again.list_interviews()


def test_vm002_migrated_schema_matches_the_models(tmp_path: Path, open_vault: Callable[..., Vault]) -> None:
    migrated = _load_fixture(tmp_path / "data")
    open_vault()
    new = open_vault(tmp_path / "new").database_path
    engine = create_engine(f"sqlite:///{tmp_path / 'models.sqlite3'}")
    names = (
        "interview_legacy_meta",
        "unlock_guard",
        "vault_policy",
        "interview",
        "interview_change",
        "enrollment",
        "outbox",
        "vault_integrity",
        "directory",
        "referral",
        "referral_status",
    )
    SQLModel.metadata.create_all(engine, tables=[SQLModel.metadata.tables[name] for name in names])
    engine.dispose()
    from_models = _schema(tmp_path / "models.sqlite3")
    assert _schema(migrated) == _schema(new) == from_models


def test_vm003_newer_vault_is_refused(tmp_path: Path, open_vault: Callable[..., Vault]) -> None:
    path = open_vault(tmp_path / "data").database_path
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    connection.close()
    with pytest.raises(SchemaTooNewError) as raised:
        open_vault(tmp_path / "data")
    assert "Update Waypoint" in raised.value.message()
    assert _version(path) == SCHEMA_VERSION + 1


def test_vm004_failing_step_rolls_back(
    tmp_path: Path, open_vault: Callable[..., Vault], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _load_fixture(tmp_path / "data")
    broken = (*migrations.STEPS[:1], MigrationStep(2, "broken", ("CREATE TABLE half (x)", "NOT SQL")))
    monkeypatch.setattr(migrations, "STEPS", broken)
    with pytest.raises(Exception, match="syntax error"):
        open_vault()
    assert _version(path) == 1
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None
    connection.close()
