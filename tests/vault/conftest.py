"""Fixtures for the vault tests: fast-KDF vaults, a controllable clock, and a test organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from vault_support import FAST_KDF, SECRET, FakeClock, Organisation

from app.vault import Vault
from sync.envelope import key_id_for
from sync.stores import Enrollment


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_vault(tmp_path: Path, clock: FakeClock) -> Iterator[Callable[..., Vault]]:
    """Open a fast-KDF vault on `tmp_path / "data"` (or another folder); all are closed afterwards."""
    opened: list[Vault] = []

    def _open(data_dir: Path | None = None, **options: object) -> Vault:
        options.setdefault("kdf_policy", FAST_KDF)
        options.setdefault("clock", clock)
        vault = Vault.open(data_dir or tmp_path / "data", **options)  # type: ignore[arg-type]
        opened.append(vault)
        return vault

    yield _open
    for vault in opened:
        vault.close()


@pytest.fixture
def vault(open_vault: Callable[..., Vault]) -> Vault:
    """A created, unlocked fast-KDF vault."""
    created = open_vault()
    created.create(SECRET)
    return created


@pytest.fixture
def organisation() -> Organisation:
    private_key = X25519PrivateKey.generate()
    public = private_key.public_key().public_bytes_raw()
    enrollment = Enrollment(
        server_url="https://127.0.0.1:9",
        device_id="device-test-1",
        organisation_public_key=public,
        organisation_key_id=key_id_for(public),
        receipt_public_key=Ed25519PrivateKey.generate().public_key().public_bytes_raw(),
        enrolled_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    signing_key = Ed25519PrivateKey.generate().private_bytes_raw()
    return Organisation(private_key, enrollment, signing_key)
