"""Helpers any test folder may import as `from tests.tooling import ...` (never import from conftest)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"


def require_tool(path_or_name: str, why: str) -> str:
    """Return the tool's path; fail under CI=true when it is missing, skip elsewhere."""
    found = shutil.which(path_or_name) or (path_or_name if Path(path_or_name).exists() else None)
    if found:
        return found
    message = f"{path_or_name} is missing ({why})"
    if IN_CI:
        pytest.fail(message + "; CI must install it (.ci/run)")
    pytest.skip(message)
