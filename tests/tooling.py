"""Helpers any test folder may import as `from tests.tooling import ...` (never import from conftest)."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"
PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the source checkout the tests run in


def require_tool(path_or_name: str, why: str) -> str:
    """Return the tool's path; fail under CI=true when it is missing, skip elsewhere."""
    found = shutil.which(path_or_name) or (path_or_name if Path(path_or_name).exists() else None)
    if found:
        return found
    message = f"{path_or_name} is missing ({why})"
    if IN_CI:
        pytest.fail(message + "; CI must install it (.ci/run)")
    pytest.skip(message)


def files_under(root: Path) -> Iterator[Path]:
    """Every regular file under `root`, on a folder other processes change meanwhile (the shared temp
    folder).

    `os.walk` skips a folder that vanishes before it is listed (where `Path.rglob` raises); sockets and
    pipes are left out (reading a pipe would block). A file that vanishes after it is listed is the
    caller's to skip: reading it raises `OSError`.
    """
    for folder, _subfolders, names in os.walk(root):
        for name in sorted(names):
            path = Path(folder, name)
            if path.is_file():
                yield path


def first_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The process's first stdout line, or "" when none comes within `timeout` seconds."""
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline().rstrip("\n") if readable else ""


def interrupt(process: subprocess.Popen[str], timeout: float, *, group: bool = False) -> str:
    """Ctrl-C: SIGINT to the process (or, with `group`, to its whole process group, as a terminal does),
    then wait; returns its stderr. Killed, and the test failed, when it outlives `timeout` seconds."""
    if group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.communicate(timeout=10)
        pytest.fail(f"{process.args!r} did not stop within {timeout} s of Ctrl-C")
