"""`dev.py`, the one entry point for everyday tasks, behaves as a newcomer expects.

DV001: Ctrl-C stops `python3 dev.py run` (the whole terminal group gets SIGINT): the app and the server
       stop, exit code 0, and no traceback from dev.py itself.
DV002: `dev.py test` points the server tests at PostgreSQL when one answers on the address (as CI does),
       keeps a URL already set, and runs on SQLite only when nothing answers.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.tooling import PROJECT_ROOT, first_line, interrupt

READY = re.compile(r"^Waypoint app: http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]+$")
START_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 20


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev", PROJECT_ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dv001_ctrl_c_stops_dev_run_without_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
    env["WAYPOINT_KEY_PASSPHRASE"] = "dev.py run test passphrase"
    command = [sys.executable, str(PROJECT_ROOT / "dev.py"), "run", "--data-dir", str(tmp_path / "data")]
    run = subprocess.Popen(
        [*command, "--port", "0", "--server-port", "0"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, as a terminal gives a foreground job
    )  # fmt: skip
    try:
        line = first_line(run, START_TIMEOUT_SECONDS)
        assert READY.match(line), f"no ready line: {line!r}"
    finally:
        err = interrupt(run, STOP_TIMEOUT_SECONDS, group=True)  # Ctrl-C reaches the whole group
    assert run.returncode == 0, err[-3000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]


def test_dv002_postgres_is_found_when_it_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    dev = _dev()
    monkeypatch.delenv(dev.POSTGRES_VARIABLE, raising=False)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        found = dev.postgres_environment(("127.0.0.1", port))
    assert found == {dev.POSTGRES_VARIABLE: f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"}
    assert dev.postgres_environment(("127.0.0.1", port)) == {}  # closed now: SQLite only
    monkeypatch.setenv(dev.POSTGRES_VARIABLE, "postgresql+psycopg://someone@db/other")
    assert dev.postgres_environment(("127.0.0.1", port)) == {}  # a URL already set is kept as it is
