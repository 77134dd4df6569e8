"""Waypoint installed from its wheel runs anywhere, with its bundled files and no source checkout.

WH001: the wheel holds the package data: fonts, icons, audio, catalogs (.po and compiled .mo) and the
       protocol library.
WH002: installed in a fresh virtual environment outside the checkout, run from another folder, the
       modules come from that environment, `waypoint protocol list` lists the library, and `waypoint run`
       prints its ready line and stops on Ctrl-C.

Offline: the wheel is built with the environment's setuptools (no build isolation) and installed with
`--no-deps --no-index`; its dependencies come from the test environment's site-packages, added after
the fresh environment's own (a .pth line, which does not run the editable install's import hook).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.tooling import PROJECT_ROOT, first_line, interrupt
from waypoint.core.catalog_compiler import compile_catalogs
from waypoint.core.resources import LOCALES_DIR

BUILD_TIMEOUT_SECONDS = 300
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15
READY = re.compile(r"^Waypoint app: http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]+$")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compile_catalogs(LOCALES_DIR)  # the .mo files are built, not committed; the wheel must carry them
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    built = subprocess.run(
        [*command, "--quiet", "-w", str(out), str(PROJECT_ROOT)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (found,) = out.glob("waypoint-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment, outside the checkout, with the wheel installed; returns its bin/."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=BUILD_TIMEOUT_SECONDS)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    dependencies = sysconfig.get_paths()["purelib"]
    Path(purelib, "waypoint_test_dependencies.pth").write_text(dependencies + "\n")
    pip = [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv / "bin"


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAYPOINT_", "PYTHON"))}
    return {**env, "WAYPOINT_DATA_DIR": str(tmp_path / "default-data"), "HOME": str(tmp_path)}


def test_wh001_the_wheel_carries_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        "waypoint/assets/fonts/NotoSans-Regular.ttf",
        "waypoint/assets/fonts/OFL.txt",
        "waypoint/assets/icons/icon-192.png",
        "waypoint/assets/audio/manifest.json",
        "waypoint/assets/audio/fr/ui.handback.mp3",
        "waypoint/locales/waypoint.pot",
        "waypoint/locales/fr/LC_MESSAGES/waypoint.po",
        "waypoint/locales/fr/LC_MESSAGES/waypoint.mo",
        "waypoint/locales/fr/LC_MESSAGES/protocols.mo",
        "screening_protocols/library/border-rapid.yaml",
        "screening_protocols/schema/protocol.schema.json",
    ]
    assert not [name for name in expected if name not in names]
    assert not [name for name in names if name.startswith(("tests/", "docs/", "scripts/"))]


def test_wh002_installed_wheel_runs_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _environment(tmp_path)

    def waypoint(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(installed / "waypoint"), *args], cwd=elsewhere, env=env, capture_output=True, text=True,
            timeout=START_TIMEOUT_SECONDS,
        )  # fmt: skip

    where = subprocess.run(
        [installed / "python", "-c", "import app, sync, waypoint.core.resources as r; print(r.ASSETS_DIR)"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(installed.parent) and not Path(where).is_relative_to(PROJECT_ROOT)

    listed = waypoint("protocol", "list")
    assert listed.returncode == 0, listed.stderr
    assert {line.split()[0] for line in listed.stdout.splitlines()} >= {"border-rapid", "child-screen"}

    run = subprocess.Popen(
        [str(installed / "waypoint"), "run", "--data-dir", str(tmp_path / "data"), "--port", "0",
         "--server-port", "0"],
        cwd=elsewhere, env={**env, "WAYPOINT_KEY_PASSPHRASE": "wheel test passphrase"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = first_line(run, START_TIMEOUT_SECONDS)
        assert READY.match(line), f"no ready line: {line!r}"
    finally:
        err = interrupt(run, STOP_TIMEOUT_SECONDS)
    assert run.returncode == 0 and "Traceback" not in err, err[-3000:]
