"""ODK's harness (bench.mjs) set up in a cache folder outside the repository, and run once.

Node comes from Debian (`apt-get install nodejs npm`) or any Node >= 20.19 on PATH; the npm packages
come from the npm registry, pinned by package.json, installed once into the cache folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404: runs node and npm, fixed argument lists
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
MINIMUM_NODE = (20, 19)


class HarnessError(RuntimeError):
    """The ODK harness cannot run here; the message says how to fix it."""


def cache_dir() -> Path:
    """Where node_modules, the generated forms and ODK's outputs live (never inside the repository)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "waypoint-bench" / "odk-engine"


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None or shutil.which("npm") is None:
        raise HarnessError(
            "Node.js and npm are needed to run ODK's engine: install them with "
            "`sudo apt-get install nodejs npm` (Debian) or from nodejs.org (Node >= 20.19), then run again"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout  # nosec B603
    major, minor = (int(part) for part in version.strip().lstrip("v").split(".")[:2])
    if (major, minor) < MINIMUM_NODE:
        raise HarnessError(
            f"Node {version.strip()} is too old for @getodk/xforms-engine: install Node >= 20.19"
        )
    return node


def set_up(forms: Path) -> tuple[str, Path]:
    """Install the pinned packages (once) and copy the harness; returns (node, scratch folder)."""
    node = _node()
    scratch = cache_dir()
    scratch.mkdir(parents=True, exist_ok=True)
    wanted = (HERE / "package.json").read_text(encoding="utf-8")
    installed = scratch / "package.json"
    if not (scratch / "node_modules" / "@getodk" / "xforms-engine").is_dir() or (
        not installed.is_file() or installed.read_text(encoding="utf-8") != wanted
    ):
        installed.write_text(wanted, encoding="utf-8")
        print(f"installing ODK's engine into {scratch} (npm, once)", file=sys.stderr, flush=True)
        npm = shutil.which("npm") or "npm"
        done = subprocess.run(  # nosec B603
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=scratch, check=False
        )
        if done.returncode != 0:
            raise HarnessError(f"npm install failed in {scratch}: check the npm registry is reachable")
    shutil.copyfile(HERE / "bench.mjs", scratch / "bench.mjs")
    (scratch / "forms").mkdir(exist_ok=True)
    for form in forms.iterdir():
        shutil.copyfile(form, scratch / "forms" / form.name)
    return node, scratch


def run_once(node: str, scratch: Path, out: Path) -> dict[str, Any]:
    """One quick run of ODK's harness on the full forms; its results (medians, per-answer stats)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("results-*.json"):
        old.unlink()
    env = {**os.environ, "ODKBENCH_DIR": str(scratch)}
    done = subprocess.run(  # nosec B603
        [node, "--expose-gc", str(scratch / "bench.mjs"), "--quick", "--forms", str(scratch / "forms"),
         "--out", str(out)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise HarnessError("ODK's harness failed: " + (done.stderr or done.stdout).strip()[-400:])
    results = sorted(out.glob("results-*.json"))
    if not results:
        raise HarnessError("ODK's harness wrote no results")
    data: dict[str, Any] = json.loads(results[-1].read_text(encoding="utf-8"))
    return data
