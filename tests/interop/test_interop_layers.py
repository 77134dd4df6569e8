"""IL001: the engine (and its lint) never loads pyxform, openpyxl or `interop`; `waypoint --help` neither."""

from __future__ import annotations

import subprocess
import sys

HEAVY = {"pyxform", "openpyxl", "interop", "lark", "xlrd"}


def _modules_loaded_by(code: str) -> set[str]:
    program = f"import sys; {code}; print('\\n'.join(sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in output.split()}


def test_il001_engine_and_cli_start_without_interop() -> None:
    engine = _modules_loaded_by(
        "import screening_protocols, screening_protocols.lint; screening_protocols.lint.lint_paths()"
    )
    assert not engine & HEAVY, sorted(engine & HEAVY)
    cli = _modules_loaded_by("import waypoint.cli")
    assert not cli & HEAVY, sorted(cli & HEAVY)
