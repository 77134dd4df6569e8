"""The device's data folder, from outside: which folders Waypoint makes private, and which it leaves be.

DF001: an empty folder a person made for Waypoint, which others can open (0755), is made private
       (0700) by `interview record` and used; a folder holding a vault that others can open again is
       made private again by `interview list`. (A person's folder holding other files is refused and
       left as it was: tests/cli/test_cli_bad_inputs.py, `record_into_a_folder_others_can_open`.)
"""

from __future__ import annotations

from pathlib import Path

from cli_support import COMPLETE_ANSWERS, listed, make_case, record


def test_df001_waypoints_own_folders_are_made_private(tmp_path: Path) -> None:
    device = tmp_path / "for-waypoint"
    device.mkdir()
    device.chmod(0o755)
    case = make_case("border-rapid", "fr", COMPLETE_ANSWERS["border-rapid"], "folder")
    interview_id, _ = record(device, case, tmp_path)
    assert device.stat().st_mode & 0o777 == 0o700
    device.chmod(0o755)  # e.g. restored from a backup with the wrong mode
    assert set(listed(device)) == {interview_id}
    assert device.stat().st_mode & 0o777 == 0o700
