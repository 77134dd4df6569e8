"""Unlocking and creating the secret do nothing slow but Argon2id, once (issue 17).

AS001: an unlock derives the key exactly once; a wrong secret too.
AS002: the pass count is calibrated once per process: the set-up screen calibrates while the officer
       types (`prepare_to_create`), and `create` then runs Argon2id exactly once.
AS003: the web client's font manifest lists no font the app never uses (the client downloads and
       parses every listed font before its first frame); the icons stay.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from vault_support import SECRET

import app.vault.keys as keys
from app.vault import KdfPolicy, Vault
from app.vault.errors import WrongSecretError
from waypoint.core.resources import ASSETS_DIR


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every Argon2id run, by its pass count."""
    runs: list[int] = []
    real = keys._argon2id

    def counted(secret: bytes, params: keys.KdfParams) -> bytes:
        runs.append(params.iterations)
        return real(secret, params)

    monkeypatch.setattr(keys, "_argon2id", counted)
    yield runs


def _calibrating_policy(target_seconds: float) -> KdfPolicy:
    """Small enough for a unit test, but calibrated like production (no fixed pass count); each test
    its own target, so the process-wide calibration of another test is not reused."""
    return KdfPolicy(min_memory_kib=1024, min_iterations=1, lanes=1, target_seconds=target_seconds)


def test_as001_unlock_derives_once(open_vault: Callable[..., Vault], derivations: list[int]) -> None:
    vault = open_vault(kdf_policy=_calibrating_policy(0.0011))
    vault.create(SECRET)
    vault.lock()
    derivations.clear()
    vault.unlock(SECRET)
    assert len(derivations) == 1
    vault.lock()
    with pytest.raises(WrongSecretError):
        vault.unlock(SECRET + " not")
    assert len(derivations) == 2


def test_as002_create_after_calibration_derives_once(
    open_vault: Callable[..., Vault], derivations: list[int], tmp_path: Path
) -> None:
    policy = _calibrating_policy(0.0012)
    first = open_vault(tmp_path / "first", kdf_policy=policy)
    first.prepare_to_create()
    calibration = len(derivations)
    assert calibration >= 1
    first.create(SECRET)
    assert len(derivations) == calibration + 1
    second = open_vault(tmp_path / "second", kdf_policy=policy)
    second.prepare_to_create()  # already measured in this process
    second.create(SECRET)
    assert len(derivations) == calibration + 2


def test_as003_font_manifest_lists_only_used_fonts() -> None:
    manifest = json.loads((ASSETS_DIR / "assets" / "FontManifest.json").read_text(encoding="utf-8"))
    assert [family["family"] for family in manifest] == ["MaterialIcons"]
    import flet_web

    shipped = Path(flet_web.__file__).parent / "web" / "assets"
    for family in manifest:
        for font in family["fonts"]:
            assert (shipped / font["asset"]).is_file(), font
