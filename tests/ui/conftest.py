"""Fixtures for the in-process view tests: a fast vault, the app's services, and a fake browser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from flet_harness import AppHarness
from ui_organisation import Organisation, start_organisation

from app.clock import SessionClock
from app.config import AppConfig
from app.main import create_main
from app.services import AppServices
from app.vault import KdfPolicy


@pytest.fixture
def make_services(tmp_path: Path) -> Callable[..., AppServices]:
    def make(clock: SessionClock | None = None, **settings: object) -> AppServices:
        settings.setdefault("data_dir", tmp_path / "device")
        settings.setdefault("sync_interval_seconds", 3600.0)
        config = AppConfig(**settings)  # type: ignore[arg-type]
        fast = {"kdf_policy": KdfPolicy.insecure_fast_for_tests()}
        return AppServices(config, vault_options=fast, clock=clock)

    return make


@pytest.fixture
async def services(make_services: Callable[..., AppServices]) -> AsyncIterator[AppServices]:
    built = make_services()
    yield built
    await built.close()


@pytest.fixture
async def app(services: AppServices) -> AsyncIterator[AppHarness]:
    """A fresh device's app in one fake browser tab."""
    harness = await AppHarness(create_main(services=services)).start()
    yield harness
    await harness.close()


@pytest.fixture
def organisation(tmp_path: Path) -> Iterator[Organisation]:
    """A test organisation with its referral server running on 127.0.0.1 (stopped afterwards)."""
    made, server = start_organisation(tmp_path / "organisation")
    yield made
    server.stop()
