"""Fixtures for the browser desks' view tests: compiled catalogs and a fake browser tab."""

from __future__ import annotations

import pytest

from waypoint.core.catalog_compiler import compile_catalogs


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    compile_catalogs()
