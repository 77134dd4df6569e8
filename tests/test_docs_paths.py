"""The docs name only code that exists.

DP001: every repository path the docs and the README name (in `code` or in a code block's tree) exists.
DP002: every dotted Python name they give (`app.errors.show_error`, `waypoint.core.resources.ASSETS_DIR`)
       imports and resolves.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tooling import PROJECT_ROOT

DOCS = [*sorted((PROJECT_ROOT / "docs").glob("*.md")), PROJECT_ROOT / "README.md"]
# First folders a repository path starts with, including ones that no longer exist (so a stale path is
# caught, not skipped).
PATH_ROOTS = ("app", "sync", "screening_protocols", "waypoint", "tests", "scripts", "docs", "benchmarks",
              "assets", "locales", ".ci", "interop")  # fmt: skip
ROOT_FILE = re.compile(r"[\w.-]+\.(py|toml|cfg|lock|md)")
PACKAGES = ("app", "sync", "screening_protocols", "waypoint")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
PLACEHOLDER = re.compile(r"[*<>{}$]|\.\.\.")


def _code_words(text: str) -> Iterator[str]:
    """Each code span, and the first word of each line in a fenced block (a tree's file names)."""
    for block in FENCE.findall(text):
        for line in block.splitlines()[1:-1]:
            if line.strip():
                yield line.split()[0]
    for span in CODE_SPAN.findall(FENCE.sub("", text)):
        yield from span.split()


def _named_paths(doc: Path) -> set[str]:
    found = set()
    for word in _code_words(doc.read_text(encoding="utf-8")):
        if PLACEHOLDER.search(word) or "://" in word or "()" in word:  # a call such as `vault.lock()`
            continue
        word = word.strip(".,;:()'\"")
        first = word.split("/")[0]
        if ("/" in word and first in PATH_ROOTS) or ("/" not in word and ROOT_FILE.fullmatch(word)):
            found.add(word.split("::")[0].split(":")[0])
    return found


def _named_objects(doc: Path) -> set[str]:
    names = set()
    for word in _code_words(doc.read_text(encoding="utf-8")):
        word = re.sub(r"\(.*$", "", word).strip(".,;:'\"")
        if re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)+", word) and word.split(".")[0] in PACKAGES:
            names.add(word)
    return names


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def _exists(path: str) -> bool:
    """A path from the project root; a bare file name (`flet_harness.py`, named beside its folder)
    exists when some file in the project has that name."""
    if "/" in path:
        return (PROJECT_ROOT / path).exists()
    return (PROJECT_ROOT / path).exists() or any(
        True for folder in (*PACKAGES, "tests", "scripts") for _ in (PROJECT_ROOT / folder).rglob(path)
    )


def _logger_names() -> set[str]:
    """Logger names the code uses: `waypoint.server` in the docs is one of these, not a module."""
    sources = (
        p.read_text(encoding="utf-8") for folder in PACKAGES for p in (PROJECT_ROOT / folder).rglob("*.py")
    )
    return {name for text in sources for name in re.findall(r'getLogger\("([\w.]+)"\)', text)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_dp001_named_paths_exist(doc: Path) -> None:
    missing = [path for path in sorted(_named_paths(doc)) if not _exists(path)]
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_dp002_named_python_objects_resolve(doc: Path) -> None:
    loggers = _logger_names()
    missing = [name for name in sorted(_named_objects(doc)) if name not in loggers and not _resolves(name)]
    assert not missing, f"{doc.name} names Python objects that do not exist: {missing}"
