"""`waypoint run`, the main job, used together with the other commands the way a trainer would.

RN001: `waypoint run --port 0 --server-port 0` prints one line, `Waypoint app: http://127.0.0.1:<port>/`,
       and serves the app there; while it runs, `interview record` on the same data folder seals the
       interview to the demo organisation, `waypoint sync` sends it to the local server, and
       `desk export` with the demo key (passphrase from WAYPOINT_KEY_PASSPHRASE) opens exactly what
       was recorded. Ctrl-C stops everything with exit 0.
"""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
from pathlib import Path

import httpx
from cli_support import (
    COMPLETE_ANSWERS,
    KEY_PASSPHRASE,
    PIN,
    command_env,
    listed,
    make_case,
    ok,
    record,
    waypoint,
    waypoint_argv,
)

READY = re.compile(r"^Waypoint app: (http://127\.0\.0\.1:\d+/)$")
START_SECONDS = 90
STOP_SECONDS = 20


def test_rn001_run_serves_and_works_with_the_other_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process = subprocess.Popen(
        waypoint_argv("run", "--data-dir", str(data), "--port", "0", "--server-port", "0"),
        env=command_env({"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], START_SECONDS)
        first = process.stdout.readline() if readable else ""
        match = READY.match(first.rstrip("\n"))
        assert match, f"first line {first!r}"
        assert httpx.get(match.group(1), timeout=10).status_code == 200

        case = make_case("consular-screen", "ar", COMPLETE_ANSWERS["consular-screen"], "run")
        interview_id, _ = record(data, case, tmp_path)
        assert listed(data)[interview_id]["state"] == "sealed"
        assert "sent 1, parked 0, pending 0" in ok(waypoint("sync", "--data-dir", data)).out
        ok(
            waypoint(
                "desk",
                "export",
                "--database-url",
                f"sqlite:///{data / 'server' / 'referral.db'}",
                "--key",
                data / "desk" / "organisation.private.json",
                "--out",
                tmp_path / "export",
                env={"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE},
            )
        )
        document = json.loads((tmp_path / "export" / f"{interview_id}.json").read_text(encoding="utf-8"))
        assert document["answers"] == case.answers and document["notes"] == case.notes
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate(timeout=STOP_SECONDS)
    assert process.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    for word in (*case.canaries, PIN, KEY_PASSPHRASE):
        assert word not in out + err
