"""Running Waypoint from outside, the way an organisation's IT person or a test harness would.

* `waypoint(...)`: the real `waypoint` console command in a subprocess, with a clean environment (no
  inherited `WAYPOINT_*` variable; the default data folder points at a throw-away folder, so a
  forgotten `--data-dir` can never touch a real vault).
* `ServerProcess`: `waypoint server` in a subprocess on 127.0.0.1 (port 0, read back from its log),
  stopped gracefully or killed, always with bounded waits.
* `CuttingProxy`: a loopback TCP proxy that, when armed, lets one `POST /v1/submissions` reach the
  server, and kills the server as soon as its reply (sent only after the commit) comes back, so the
  device never sees it: the case exactly-once delivery exists for.
* Answers files, canary strings, and byte scans of folders for them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PIN = "amber violin harbour 73 quietly"
KEY_PASSPHRASE = "case desk passphrase for the outside tests"
COMMAND_TIMEOUT_SECONDS = 120
SERVER_START_SECONDS = 30
SERVER_STOP_SECONDS = 15
_UVICORN_READY = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
_DEFAULT_DATA_DIR: list[Path] = []  # set once per session by `use_default_data_dir`


def use_default_data_dir(path: Path) -> None:
    """Where `WAYPOINT_DATA_DIR` points for every command: a throw-away folder, never a real vault."""
    _DEFAULT_DATA_DIR[:] = [path]


@dataclass(frozen=True)
class OrganisationKeys:
    """What `waypoint keys generate --out FOLDER` made."""

    folder: Path
    public: Path
    private: Path


@dataclass(frozen=True)
class Ran:
    """One finished `waypoint` command."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err

    def __str__(self) -> str:  # what a failed assertion shows
        return (
            f"waypoint {' '.join(self.args)} -> {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"
        )


def command_env(env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The environment a command runs in: ours without WAYPOINT_*, plus `env` (None removes a name)."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("WAYPOINT_")}
    fallback = (
        _DEFAULT_DATA_DIR[0] if _DEFAULT_DATA_DIR else Path(tempfile.gettempdir()) / "waypoint-cli-none"
    )
    environment["WAYPOINT_DATA_DIR"] = str(fallback)
    environment["PYTHONUNBUFFERED"] = "1"
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


def waypoint_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "waypoint", *args]


def waypoint(
    *args: str | Path, env: Mapping[str, str | None] | None = None, timeout: float = COMMAND_TIMEOUT_SECONDS
) -> Ran:
    """Run `waypoint ARGS` to the end and return its exit code and output."""
    texts = tuple(str(arg) for arg in args)
    completed = subprocess.run(
        waypoint_argv(*texts),
        env=command_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return Ran(texts, completed.returncode, completed.stdout, completed.stderr)


def ok(ran: Ran) -> Ran:
    """Assert the command succeeded, with its whole output in the failure message."""
    assert ran.code == 0, str(ran)
    assert "Traceback" not in ran.output, str(ran)
    return ran


_SENTENCE_THEN_ANOTHER = re.compile(r"\S[.!?)]\s+\S")


def assert_clean_failure(ran: Ran, *, code: int = 1, mentions: Iterable[str] = ()) -> str:
    """Assert a refusal a person can act on: exit `code`, no traceback, an `Error:` that says what
    happened and then what to do (two sentences at least), naming each of `mentions`.

    Returns:
        The error text.
    """
    assert ran.code == code, str(ran)
    assert "Traceback" not in ran.output, str(ran)
    errors = [line for line in ran.err.splitlines() if line.startswith("Error:")]
    assert errors, f"no 'Error:' line on stderr\n{ran}"
    message = " ".join(errors)
    if code == 2:
        assert "Usage:" in ran.err and "--help" in ran.err, str(ran)
    else:
        assert _SENTENCE_THEN_ANOTHER.search(message), f"the error does not say what to do\n{ran}"
    for word in mentions:
        assert word.lower() in ran.err.lower(), f"the error does not mention {word!r}\n{ran}"
    return message


def canary(label: str) -> str:
    """A string that appears nowhere unless we put it there."""
    return f"CANARY-{label}-{uuid.uuid4().hex}"


def encodings_of(value: str) -> list[bytes]:
    """How a string can sit in a file: UTF-8, JSON with \\u escapes, UTF-16."""
    escaped = json.dumps(value)[1:-1].encode("ascii")
    return [value.encode("utf-8"), escaped, value.encode("utf-16-le")]


def files_containing(folder: Path, needles: Iterable[str]) -> dict[str, list[str]]:
    """Every file under `folder` holding one of `needles` in raw bytes: {relative path: [needles]}."""
    needles = list(needles)
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        hits = [needle for needle in needles if any(form in data for form in encodings_of(needle))]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Case:
    """One interview a person records with `waypoint interview record`."""

    protocol: str
    language: str
    answers: dict[str, Any]
    notes: str
    checks: dict[str, Any]
    consent: dict[str, Any]

    canaries: tuple[str, ...]  # every string in this case that must never leave the vault readable

    def document(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "notes": self.notes,
            "respondent_language": self.language,
            "checks": self.checks,
            "consent": self.consent,
        }


def make_case(protocol: str, language: str, answers: dict[str, Any], label: str) -> Case:
    """A case with unique canaries in its notes (one of them not ASCII), pre-checks and consent."""
    notes, words = canary(label + "-notes"), f"ВОРОБЕЙ-{uuid.uuid4().hex[:12]}-عصفور"
    check, witness = canary(label + "-check"), canary(label + "-consent")
    return Case(
        protocol=protocol,
        language=language,
        answers=answers,
        notes=f"{notes} met near the ferry office; «{words}» says the agent keeps the wages",
        checks={"alone": True, "interpreter": check},
        consent={"agreed": True, "witness": witness},
        canaries=(notes, words, check, witness),
    )


def record(data_dir: Path, case: Case, folder: Path, *, pin: str = PIN) -> tuple[str, Ran]:
    """Record `case` into the vault at `data_dir`; return the printed interview id and the run."""
    answers_file = write_json(folder / f"{uuid.uuid4().hex}.json", case.document())
    ran = ok(
        waypoint(
            "interview",
            "record",
            "--data-dir",
            data_dir,
            "--protocol",
            case.protocol,
            "--answers",
            answers_file,
            env={"WAYPOINT_PIN": pin},
        )
    )
    lines = ran.out.splitlines()
    assert len(lines) == 1, str(ran)
    interview_id = lines[0].strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", interview_id), str(ran)
    return interview_id, ran


def listed(data_dir: Path, *, pin: str = PIN) -> dict[str, dict[str, Any]]:
    """`WAYPOINT_PIN=pin waypoint interview list --json`, by interview id."""
    listing = waypoint("interview", "list", "--data-dir", data_dir, "--json", env={"WAYPOINT_PIN": pin})
    rows = json.loads(ok(listing).out)
    assert isinstance(rows, list)
    return {row["id"]: row for row in rows}


class ServerProcess:
    """`waypoint server` in a subprocess; its log (stdout and stderr) goes to `log_path`."""

    def __init__(self, database_url: str, public_key: Path | None, log_path: Path) -> None:
        self.database_url = database_url
        self.public_key = public_key
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> ServerProcess:
        """Start on `port` (0: any free port) and return once /v1/health answers."""
        args = ["server", "--database-url", self.database_url, "--host", "127.0.0.1", "--port", str(port)]
        if self.public_key is not None:
            args += ["--public-key", str(self.public_key)]
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                waypoint_argv(*args), stdout=log, stderr=log, env=command_env(), stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"waypoint server exited {self.process.returncode}:\n{self.log()}")
            match = _UVICORN_READY.search(self.log_path.read_bytes()[offset:].decode(errors="replace"))
            if match:
                self.port = int(match.group(1))
                break
            time.sleep(0.05)
        else:
            self.kill()
            raise TimeoutError(f"waypoint server did not start within {SERVER_START_SECONDS} s")
        wait_for_health(self.url)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it does not stop in time; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=SERVER_STOP_SECONDS)
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown; what was committed stays, nothing else."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=SERVER_STOP_SECONDS)

    @contextlib.contextmanager
    def running(self, port: int = 0) -> Iterator[ServerProcess]:
        self.start(port)
        try:
            yield self
        finally:
            self.stop()


def wait_for_health(url: str, timeout: float = SERVER_START_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer /v1/health within {timeout} s")


class CuttingProxy:
    """Forward 127.0.0.1:<port> to the server at 127.0.0.1:<upstream_port> (changeable on restart).

    When armed, the first reply to a `POST /v1/submissions` is not forwarded: `on_cut` runs instead
    (it kills the server) and the device's connection is closed. The server only replies after it
    committed, so the batch is stored while the device believes nothing was.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._armed: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self.cuts = 0
        self._closing = False
        self._sockets: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, on_cut: Callable[[], None]) -> None:
        with self._lock:
            self._armed = on_cut

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                _close(sock)
        self._thread.join(timeout=5)

    def __enter__(self) -> CuttingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        except OSError:
            _close(client)  # the server is down: the device sees the connection close
            return
        upstream.settimeout(None)
        with self._lock:
            self._sockets.update((client, upstream))
        state = {"submission": False}
        threading.Thread(target=self._pump_requests, args=(client, upstream, state), daemon=True).start()
        self._pump_replies(upstream, client, state)

    def _pump_requests(self, client: socket.socket, upstream: socket.socket, state: dict[str, bool]) -> None:
        try:
            while chunk := client.recv(65536):
                if b"POST /v1/submissions" in chunk:
                    state["submission"] = True
                upstream.sendall(chunk)
        except OSError:
            pass
        finally:
            _close(upstream)

    def _pump_replies(self, upstream: socket.socket, client: socket.socket, state: dict[str, bool]) -> None:
        try:
            while chunk := upstream.recv(65536):
                with self._lock:
                    on_cut = self._armed if state["submission"] else None
                    if on_cut is not None:
                        self._armed = None
                        self.cuts += 1
                if on_cut is not None:
                    on_cut()
                    return
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            _close(client)
            _close(upstream)
            with self._lock:
                self._sockets.difference_update((client, upstream))


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago): connections are refused."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return int(listener.getsockname()[1])


def made_up_code(server_url: str, *, expires_in: float, token: str | None = None) -> str:
    """An enrollment code no server issued, for `server_url`, expiring `expires_in` seconds from now
    (negative: already expired). Its keys are random: no server could answer it correctly. `token`
    replaces the one-time token (which otherwise has the right shape)."""
    import secrets

    from sync.enrollment_code import EnrollmentCode

    return EnrollmentCode(
        server_url=server_url,
        organisation_public_key=os.urandom(32),
        organisation_key_id="made-up",
        receipt_public_key=os.urandom(32),
        token=secrets.token_urlsafe(16) if token is None else token,
        expires_at=int(time.time() + expires_in),
    ).encode()


def submission_counts(database_url: str) -> tuple[int, int]:
    """(rows, distinct interview ids) in the server's `submissions` table, read straight from the DB."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT count(*), count(DISTINCT interview_id) FROM submissions")
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1])


def submitted_ids(database_url: str) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT interview_id FROM submissions")).all()
    finally:
        engine.dispose()
    return sorted(str(row[0]) for row in rows)


def database_text_containing(database_url: str, needles: Iterable[str]) -> list[str]:
    """Which of `needles` appear anywhere in any table of a PostgreSQL or SQLite database."""
    from sqlalchemy import MetaData, Table, create_engine, inspect, select

    needles = list(needles)
    engine = create_engine(database_url)
    found: set[str] = set()
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(select(Table(table, MetaData(), autoload_with=connection))):
                    for value in row:
                        data = value if isinstance(value, bytes | memoryview) else str(value).encode()
                        data = bytes(data)
                        found.update(n for n in needles if any(form in data for form in encodings_of(n)))
    finally:
        engine.dispose()
    return sorted(found)


# Complete answers, exactly the questions each protocol asks for them (skip logic included), with
# "declined", "unsure" and an information screen among them.
COMPLETE_ANSWERS: dict[str, dict[str, Any]] = {
    "border-rapid": {
        "in_danger": "no",
        "age": 25,
        "age_observed": "appears_adult",
        "journey_arranged": "other_debt",
        "destination_work": "domestic",
        "documents_holder": "employer",
        "earnings": "someone_else",
        "made_to_work": "declined",
        "harmed": "no",
        "someone_in_control": "yes",
        "vague_job_account": "unsure",
        "easily_exploited": "no",
    },
    "consular-screen": {
        "in_danger": "no",
        "safe_place_tonight": "yes",
        "age": 34,
        "age_observed": "appears_adult",
        "understands_well": "yes",
        "travel_arranged": "yes",
        "travel_controlled": "unsure",
        "job_offered": "yes",
        "job_as_promised": "no",
        "married_by_arrangement": "no",
        "break_reminder": None,
        "work_type": "domestic",
        "forced_work": "declined",
        "paid_as_promised": "no",
        "long_hours": "yes",
        "no_other_choice": "yes",
        "living_conditions": "no",
        "free_to_leave": "no",
        "contact_family": "no",
        "threatened": "declined",
        "harmed": "no",
        "body_pressure": "no",
        "documents_holder": "employer",
        "debt": "owe_controls",
        "debt_growing": "yes",
        "needs_doctor": "no",
        "wants_legal_advice": "yes",
        "next_wish": "undecided",
    },
    "labour-inspection": {
        "in_danger": "no",
        "age": 41,
        "age_observed": "appears_adult",
        "recruited_by_agent": "yes",
        "job_as_promised": "no",
        "no_other_choice": "yes",
        "free_to_leave_site": "no",
        "can_quit": "no",
        "contact_outside": "yes",
        "harmed_at_work": "no",
        "threatened": "yes",
        "documents_holder": "employer",
        "pay": "kept_back",
        "debt": "owe_controls",
        "debt_growing": "yes",
        "hours_per_day": 14,
        "weekly_rest": "no",
        "unsafe_work": "yes",
        "degrading_conditions": "yes",
        "forced_tasks": "declined",
        "pressed_to": ["none"],
    },
    "child-screen": {
        "in_danger": "no",
        "age": 15,
        "with_carer": "no",
        "travelled_with": "other_adult",
        "works_for_someone": "yes",
        "in_school": "no",
        "child_work_hazards": ["heavy_loads"],
        "work_hours": 9,
        "made_to_do_things": "yes",
        "touched_unwanted": "declined",
        "can_reach_family": "no",
        "owes_money": "unsure",
        "documents_holder": "other_adult",
        "safe_place_tonight": "no",
        "hurt_or_sick": "no",
    },
}
