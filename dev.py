#!/usr/bin/env python3
"""Set up and run Waypoint's everyday tasks, needing nothing but Python >= 3.11.

    python3 dev.py run      set up, then start the referral server and the app (the main job)
    python3 dev.py test     set up, then run every check: lint, format, types, import contracts, all tests
                            (the server tests also on PostgreSQL when one answers on 127.0.0.1:5432)
    python3 dev.py check    set up, then lint, format, types and import contracts only
    python3 dev.py bench    set up, then run the benchmarks (medians and ratios)
    python3 dev.py i18n     set up, then re-extract both templates, update every catalog, compile
    python3 dev.py lock     re-resolve requirements.lock from pyproject.toml

Set-up is idempotent: a virtual environment in .venv, the exact versions in requirements.lock (checked
by hash), Waypoint itself as an editable install, and compiled translation catalogs. For `test`, the
Debian packages the tests need (chromium, gettext) are installed when missing and we are root; under
CI=true a missing one is an error, elsewhere the tests that need it say so and skip.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PYTHON = BIN / "python"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".waypoint-installed"
DEBIAN_TEST_PACKAGES = {"chromium": "/usr/bin/chromium", "gettext": "/usr/bin/msgfmt"}
POSTGRES_ADDRESS = ("127.0.0.1", 5432)
POSTGRES_VARIABLE = "WAYPOINT_TEST_POSTGRES_URL"


def say(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    say(message)
    sys.exit(1)


def run(*args: str | Path, **kwargs: object) -> int:
    return subprocess.call([str(a) for a in args], cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def check(*args: str | Path) -> None:
    if run(*args) != 0:
        fail(f"this step failed: {' '.join(str(a) for a in args)}")


def create_venv() -> None:
    if PYTHON.exists():
        return
    say("creating the virtual environment in .venv")
    if run(sys.executable, "-m", "venv", VENV) == 0:
        return
    shutil.rmtree(VENV, ignore_errors=True)
    venv_package = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"Python's venv module is missing; installing Debian's {venv_package}")
        check("apt-get", "install", "-y", "-q", venv_package)
        check(sys.executable, "-m", "venv", VENV)
        return
    fail(f"Python cannot create a virtual environment here. Install it: sudo apt-get install {venv_package}")


def install_dependencies() -> None:
    fingerprint = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    say("installing the locked dependencies (requirements.lock)")
    pip = (PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    check(*pip, "--require-hashes", "--no-deps", "-r", LOCK)
    check(*pip, "--no-deps", "--no-build-isolation", "--editable", ROOT)
    STAMP.write_text(fingerprint)


def compile_catalogs() -> None:
    check(PYTHON, "-m", "waypoint.core.catalog_compiler")


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must explain itself on an old Python
        fail(f"Waypoint needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    create_venv()
    install_dependencies()
    compile_catalogs()


def ensure_debian_test_packages() -> None:
    missing = [name for name, path in DEBIAN_TEST_PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    apt_get = shutil.which("apt-get")
    if os.geteuid() == 0 and apt_get:
        say(f"installing Debian packages the tests need: {', '.join(missing)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        update = subprocess.call([apt_get, "update", "-q"], env=env)
        install = subprocess.call([apt_get, "install", "-y", "-q", *missing], env=env)
        if update == 0 and install == 0:
            return
    names = " ".join(missing)
    message = f"missing Debian packages for the tests: {names} (install them: sudo apt-get install {names})"
    if os.environ.get("CI") == "true":
        fail(message)
    say(message + "; the tests that need them will skip")


def checks() -> list[str]:
    failed = []
    for name, command in (
        ("ruff lint", (BIN / "ruff", "check", ".")),
        ("ruff format", (BIN / "ruff", "format", "--check", ".")),
        ("mypy", (BIN / "mypy",)),
        ("import contracts", (BIN / "lint-imports", "--no-cache")),
        ("bandit", (BIN / "bandit", "-q", "-c", "pyproject.toml", "-r", ".", "--severity-level", "medium")),
    ):
        say(f"running {name}")
        if run(*command) != 0:
            failed.append(name)
    return failed


def postgres_environment(address: tuple[str, int] = POSTGRES_ADDRESS) -> dict[str, str]:
    """The variable that points the server tests at PostgreSQL, when one answers at `address`."""
    if os.environ.get(POSTGRES_VARIABLE):
        return {}
    host, port = address
    try:
        socket.create_connection(address, timeout=2).close()
    except OSError:
        say(f"no PostgreSQL on {host}:{port}; the server tests run on SQLite only")
        return {}
    say(f"PostgreSQL answers on {host}:{port}; the server tests run against it too")
    return {POSTGRES_VARIABLE: f"postgresql+psycopg://postgres@{host}:{port}/test"}


def task_run(args: list[str]) -> int:
    setup()
    with subprocess.Popen([str(BIN / "waypoint"), "run", *args], cwd=ROOT) as child:
        # Ctrl-C reaches the whole terminal group: `waypoint run` stops itself cleanly, and this
        # process only waits for it instead of dying with a KeyboardInterrupt traceback.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return child.wait()
        finally:
            signal.signal(signal.SIGINT, previous)


def task_test(args: list[str]) -> int:
    setup()
    ensure_debian_test_packages()
    failed = checks()
    say("running pytest")
    if not run_pytest(args, env={**os.environ, **postgres_environment()}):
        failed.append("pytest")
    if failed:
        say(f"failed: {', '.join(failed)}")
        return 1
    return 0


def run_pytest(args: list[str], env: dict[str, str]) -> bool:
    """Run the tests; True when they pass.

    With no arguments on a machine with two cores or more, the browser tests (`-m e2e`: each drives
    its own Chromium against its own app, one at a time) run in a second pytest process beside the
    rest, so the two halves share the cores; the browser half's report is printed when both are done
    (and kept in artifacts/pytest-browser.log). With arguments, one pytest runs exactly what was asked.
    """
    if args or (os.cpu_count() or 1) < 2:
        return run(PYTHON, "-m", "pytest", *args, env=env) == 0
    log_path = ROOT / "artifacts" / "pytest-browser.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        command = [str(PYTHON), "-m", "pytest", "-m", "e2e"]
        browser = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            rest = run(PYTHON, "-m", "pytest", "-m", "not e2e", env=env)
        finally:
            browser_status = browser.wait()
    say("the browser tests (run beside the others):")
    sys.stdout.write(log_path.read_text(errors="replace"))
    sys.stdout.flush()
    return rest == 0 and browser_status == 0


def task_check(args: list[str]) -> int:
    setup()
    failed = checks()
    if failed:
        say(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


def task_bench(args: list[str]) -> int:
    setup()
    return run(PYTHON, "-m", "benchmarks", *args)


def task_i18n(args: list[str]) -> int:
    setup()
    check(PYTHON, "-m", "scripts.extract_messages")
    check(BIN / "waypoint", "protocol", "catalogs")
    status = run(PYTHON, "-m", "scripts.update_catalogs", *args)
    compile_catalogs()
    return status


def task_lock(args: list[str]) -> int:
    setup()
    check(PYTHON, "-m", "pip", "install", "--quiet", "uv")
    return run(
        BIN / "uv", "pip", "compile", "pyproject.toml", "--extra", "dev", "--extra", "postgres",
        "--generate-hashes", "--universal", "--python-version", "3.11", "--quiet", "-o", LOCK.name, *args,
    )  # fmt: skip


TASKS = {
    "run": task_run,
    "test": task_test,
    "check": task_check,
    "bench": task_bench,
    "i18n": task_i18n,
    "lock": task_lock,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__)
        sys.exit(2)
    try:
        sys.exit(TASKS[sys.argv[1]](sys.argv[2:]))
    except KeyboardInterrupt:  # Ctrl-C during set-up: stop quietly, as a shell command does
        say("stopped")
        sys.exit(130)
