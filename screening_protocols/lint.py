"""`waypoint protocol lint`: every problem of every protocol file, in one pass.

Each problem prints as `file:line: CODE message — how to fix`. Warnings never fail the run on their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from screening_protocols.errors import Problem, Severity
from screening_protocols.library import LIBRARY_DIR
from screening_protocols.loader import check


@dataclass(frozen=True)
class LintReport:
    """The files checked and every problem found in them, in file and line order."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems that make a protocol unusable."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Advice the author may overrule."""
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def lines(self) -> list[str]:
        """One `file:line: CODE message — how to fix` line per problem."""
        return [p.message() for p in self.problems]


def protocol_files(paths: Iterable[Path | str]) -> list[Path]:
    """The protocol files named by `paths` (folders are searched for *.yaml); the library if none."""
    chosen = [Path(p) for p in paths] or [LIBRARY_DIR]
    files: list[Path] = []
    for path in chosen:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files


def lint_paths(paths: Iterable[Path | str] = ()) -> LintReport:
    """Check every protocol file under `paths` and collect all problems."""
    files = protocol_files(paths)
    problems: list[Problem] = []
    for path in files:
        problems.extend(check(path).problems)
    return LintReport(tuple(str(f) for f in files), tuple(problems))
