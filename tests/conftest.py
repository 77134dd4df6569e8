"""Fixtures and options shared by every test folder.

Heavy campaigns (kill loops, fault injection, fuzzing) read `campaign_size`: a bounded size by default
and in CI, a larger one with `pytest --campaign=full`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = PROJECT_ROOT / "artifacts"
IN_CI = os.environ.get("CI") == "true"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--campaign",
        choices=("ci", "full"),
        default="ci",
        help="size of kill, fault and fuzz campaigns: 'ci' (bounded, default) or 'full' (larger)",
    )


@pytest.fixture(scope="session")
def campaign_full(request: pytest.FixtureRequest) -> bool:
    """True when the larger campaigns were asked for (`--campaign=full`)."""
    return request.config.getoption("--campaign") == "full"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave files for people to look at (screenshots, reports); kept after the run."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


def require_tool(path_or_name: str, why: str) -> str:
    """Return the tool's path; fail under CI=true when it is missing, skip elsewhere."""
    found = shutil.which(path_or_name) or (path_or_name if Path(path_or_name).exists() else None)
    if found:
        return found
    message = f"{path_or_name} is missing ({why})"
    if IN_CI:
        pytest.fail(message + "; CI must install it (.ci/run)")
    pytest.skip(message)


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
