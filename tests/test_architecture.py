"""The folder tree is the architecture; these tests keep it honest.

AR001: the protocol engine is pure: importing it loads no UI, SQL or HTTP library.
AR002: the sync layer never imports the app (the app depends on sync, not the other way round).
"""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN_IN_ENGINE = (
    "flet", "sqlalchemy", "sqlmodel", "sqlite3", "httpx", "fastapi", "starlette", "uvicorn", "requests",
)  # fmt: skip


def _modules_loaded_by(import_line: str) -> set[str]:
    code = f"import sys; {import_line}; print('\\n'.join(sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in output.split()}


def test_ar001_engine_is_pure() -> None:
    loaded = _modules_loaded_by("import screening_protocols, screening_protocols.engine")
    assert not loaded & set(FORBIDDEN_IN_ENGINE), sorted(loaded & set(FORBIDDEN_IN_ENGINE))


def test_ar002_sync_does_not_import_app() -> None:
    loaded = _modules_loaded_by("import sync, sync.stores")
    assert "app" not in loaded and "flet" not in loaded
