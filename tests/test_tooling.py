"""The test helpers hold up on a machine shared with other processes.

TL001: scanning a folder whose subfolders vanish meanwhile (another process's `pip-unpack-*` in the
       temp folder) yields the files that remain, with no error.
TL002: pipes and sockets are not files to read (reading a pipe would block the scan).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.tooling import files_under


def test_tl001_a_folder_vanishing_during_the_scan_is_skipped(tmp_path: Path) -> None:
    for name in ("a-first", "b-vanishing", "c-last"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "file.txt").write_text(name)
    scanned = []
    for path in files_under(tmp_path):
        scanned.append(path.parent.name)
        if path.parent.name == "a-first":  # the walk has listed the top folder, not yet b-vanishing
            shutil.rmtree(tmp_path / "b-vanishing")
    assert scanned == ["a-first", "c-last"]


def test_tl002_pipes_are_not_scanned(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "file.txt").write_text("x")
    assert [path.name for path in files_under(tmp_path)] == ["file.txt"]
