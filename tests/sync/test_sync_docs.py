"""The sync packages' public faces and docs/sync.md cannot drift from the code.

DC001: `sync`, `sync.server` and `sync.desk` export exactly their public names, sorted.
DC002: every server setting is declared in `SETTINGS` and documented in docs/sync.md.
DC003: every refusal code the server can answer with is documented.
DC004: every sync command of the command line is documented.
DC005: nothing under sync/ imports the app, even lazily.
"""

from __future__ import annotations

import dataclasses
import re
import types
from pathlib import Path

import pytest

import sync
import sync.desk
import sync.server
from sync.server import SETTINGS, ServerSettings
from waypoint.cli import desk, device, enroll, keys, server
from waypoint.cli import sync as send

SYNC_COMMAND_MODULES = (keys, server, enroll, send, device, desk)

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sync.md").read_text()


@pytest.mark.parametrize("package", [sync, sync.server, sync.desk], ids=lambda p: p.__name__)
def test_dc001_public_faces(package: types.ModuleType) -> None:
    public = [
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    ]
    assert sorted(package.__all__) == sorted(public)
    assert list(package.__all__) == sorted(
        package.__all__, key=lambda n: (not n.isupper(), n[0].islower(), n)
    )


def test_dc002_settings_are_declared_and_documented() -> None:
    fields = [field.name for field in dataclasses.fields(ServerSettings)]
    assert [setting.name for setting in SETTINGS] == fields
    for name in fields:
        assert f"`{name}`" in DOC, name


def test_dc003_refusal_codes_are_documented() -> None:
    sources = "".join(path.read_text() for path in (ROOT / "sync").rglob("*.py"))
    codes = set(re.findall(r'Refusal\(\s*\d{3},\s*"([a-z_]+)"', sources))
    codes |= set(re.findall(r'SignatureError\(check="([a-z_]+)"\)', sources))
    codes |= {"body_too_large", "invalid_request", "not_found", "method_not_allowed", "server_error"}
    assert len(codes) > 12
    for code in sorted(codes):
        assert f"`{code}`" in DOC, code


def test_dc004_commands_are_documented() -> None:
    names = []
    for command in (command for module in SYNC_COMMAND_MODULES for command in module.commands):
        subcommands = getattr(command, "commands", None)
        names += (
            [f"waypoint {command.name} {sub}" for sub in subcommands]
            if subcommands
            else [f"waypoint {command.name}"]
        )
    for name in names:
        assert name in DOC, name


def test_dc005_sync_never_imports_the_app() -> None:
    for path in (ROOT / "sync").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+app\b", path.read_text(), re.MULTILINE), path
