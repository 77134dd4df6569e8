"""docs/security.md stays honest: the tests it names exist, and every MASVS 2.1 control is listed.

SD001: every test named in docs/security.md (`tests/...py::test_name`) exists in that file.
SD002: the MASVS table lists exactly the 24 MASVS 2.1 controls, each applicable or not; an applicable
       control names at least one test unless the row says what is open, and one that does not apply
       names none.
SD003: every dependency in requirements.lock is pinned to one version with at least one hash, and
       dev.py installs it with --require-hashes (MASVS-CODE-3).
SD004: the Python floor is declared in pyproject.toml, and dev.py refuses an older Python with a
       message saying which version is needed (MASVS-CODE-1).
SD005: the threat model covers the five attackers, and the review's findings table has all 12 findings.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
TEST_ID = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")
MASVS_2_1 = [
    "MASVS-STORAGE-1", "MASVS-STORAGE-2", "MASVS-CRYPTO-1", "MASVS-CRYPTO-2", "MASVS-AUTH-1",
    "MASVS-AUTH-2", "MASVS-AUTH-3", "MASVS-NETWORK-1", "MASVS-NETWORK-2", "MASVS-PLATFORM-1",
    "MASVS-PLATFORM-2", "MASVS-PLATFORM-3", "MASVS-CODE-1", "MASVS-CODE-2", "MASVS-CODE-3", "MASVS-CODE-4",
    "MASVS-RESILIENCE-1", "MASVS-RESILIENCE-2", "MASVS-RESILIENCE-3", "MASVS-RESILIENCE-4",
    "MASVS-PRIVACY-1", "MASVS-PRIVACY-2", "MASVS-PRIVACY-3", "MASVS-PRIVACY-4",
]  # fmt: skip


@cache
def _test_functions(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    )


def _masvs_rows() -> list[list[str]]:
    rows = [line for line in DOC.splitlines() if line.startswith("| MASVS-")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]


def test_sd001_every_named_test_exists() -> None:
    named = TEST_ID.findall(DOC)
    assert len(named) >= 40, "docs/security.md names the tests that check each claim"
    missing = [
        f"{file}::{name}"
        for file, name in named
        if not (ROOT / file).is_file() or name not in _test_functions(ROOT / file)
    ]
    assert missing == [], f"docs/security.md names tests that do not exist: {missing}"


def test_sd002_masvs_table_lists_every_control() -> None:
    rows = _masvs_rows()
    assert [row[0].split()[0] for row in rows] == MASVS_2_1
    for control, applies, how, tests in rows:
        assert applies in ("yes", "no"), control
        assert how, f"{control}: say how it is met, or why it does not apply"
        if applies == "no":
            assert tests == "—", f"{control} does not apply, so no test checks it"
        else:
            assert TEST_ID.search(tests) or "**Open**" in how, f"{control}: name a test or say what is open"
    assert sum(applies == "yes" for _, applies, _, _ in rows) == 21


def test_sd003_every_locked_dependency_is_pinned_by_hash() -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text(encoding="utf-8"))
    requirements = [block for block in blocks if not block.startswith("#") and block.strip()]
    assert len(requirements) > 50
    for block in requirements:
        first = block.splitlines()[0]
        assert re.fullmatch(r"[A-Za-z0-9._-]+(\[[\w,-]+\])?==[\w.+!-]+( ; [^\\]+)? \\", first), first
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), f"no hash for {block.splitlines()[0]}"
    assert '"--require-hashes"' in (ROOT / "dev.py").read_text(encoding="utf-8")


def test_sd004_python_floor_is_declared_and_enforced(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
    import dev

    monkeypatch.setattr(sys, "version_info", (3, 10, 14, "final", 0))
    monkeypatch.setattr(dev, "create_venv", lambda: pytest.fail("set-up went on under Python 3.10"))
    with pytest.raises(SystemExit) as stopped:
        dev.setup()
    assert stopped.value.code == 1
    assert "Waypoint needs Python 3.11 or newer" in capsys.readouterr().err


def test_sd005_threat_model_and_findings() -> None:
    headings = set(re.findall(r"^### (.+)$", DOC, flags=re.MULTILINE))
    assert {
        "A lost or seized device",
        "A curious server operator",
        "A hostile network",
        "A hostile web page",
        "Malformed protocol files",
    } <= headings
    findings = re.findall(r"^\| (\d+) \| .+ \| .+ \| (.+) \|$", DOC, flags=re.MULTILINE)
    assert [int(number) for number, _ in findings] == list(range(1, 13))
    assert all(status.strip() for _, status in findings)
