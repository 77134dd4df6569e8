"""Fixtures and options shared by every test folder.

Heavy campaigns (kill loops, fault injection, fuzzing) read `campaign_size`: a bounded size by default
and in CI, a larger one with `pytest --campaign=full`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tooling import IN_CI, require_tool
from waypoint.core.catalog_compiler import compile_catalogs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = PROJECT_ROOT / "artifacts"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--campaign",
        choices=("ci", "full"),
        default="ci",
        help="size of kill, fault and fuzz campaigns: 'ci' (bounded, default) or 'full' (larger)",
    )


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Every test reads the compiled translations (`dev.py` compiles them at set-up; a bare pytest run in
    a fresh clone, or one of the two pytest processes `dev.py test` runs, must not depend on that)."""
    compile_catalogs()


@pytest.fixture(scope="session")
def campaign_full(request: pytest.FixtureRequest) -> bool:
    """True when the larger campaigns were asked for (`--campaign=full`)."""
    return request.config.getoption("--campaign") == "full"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave files for people to look at (screenshots, reports); kept after the run."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return require_tool(os.environ.get("WAYPOINT_CHROMIUM", "/usr/bin/chromium"), "Debian's chromium package")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """PostgreSQL URL for the server suite; .ci/run sets it when a server answers on 127.0.0.1:5432."""
    url = os.environ.get("WAYPOINT_TEST_POSTGRES_URL")
    if not url:
        if IN_CI:
            pytest.fail("WAYPOINT_TEST_POSTGRES_URL is not set; .ci/run sets it when PostgreSQL answers")
        pytest.skip("no PostgreSQL: set WAYPOINT_TEST_POSTGRES_URL to run the server suite on it")
    return url


@pytest.fixture(scope="session")
def postgres_schema_factory(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Make fresh PostgreSQL schemas (URLs whose search_path points at them); drop them at the end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        schema = f"wp_test_{uuid.uuid4().hex[:12]}"
        with engine.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        made.append(schema)
        url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    yield make
    with engine.connect() as connection:
        for schema in made:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()
