"""The referral server on PostgreSQL: throughput, latency and CPU, before and after, in one run.

"Before" is the server as it was before the request path was shortened (commit `BEFORE_REF`, taken
with `git archive` into a temporary folder: one process, its old pool); "after" is this tree's
server with its defaults (one process per core, connections = handler threads). Both serve the same
PostgreSQL, each in its own schema, with the same load:

1. unbatched, one device (c=1) and 16 devices at once (c=16): one sealed interview per request;
2. batches of 50, 16 devices at once;
3. end-to-end sync (one device's outbox: sealed, signed, receipts checked) against the raw insert
   ceiling (`store_batch` in-process, batches of 50), after only.

Requests are signed before the clock starts, so the load generator's own cost is sending bytes.
CPU per submission is the server processes' user+system time (from /proc) over items stored.

    python -m benchmarks server [--database-url=URL] [--requests=N]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.bench_sync import (
    BATCH,
    PLAINTEXT_BYTES,
    _Device,
    _free_port,
    end_to_end_rate,
    raw_insert_rate,
)
from sync import Enrollment, join, seal_submission
from sync.identity import DeviceIdentity
from sync.server import ServerSettings, create_app, create_enrollment_code
from sync.signing import sign_request

BEFORE_REF = "67b2a5c"  # main before the request path was shortened (issue 17)
DEVICES = 16
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
UNLIMITED: dict[str, Any] = {
    "rate_limit_per_minute": 10**9,
    "rate_limit_burst": 10**9,
    "enroll_rate_limit_per_minute": 10**9,
    "address_rate_limit_per_minute": 10**9,
    "address_rate_limit_burst": 10**9,
}
PROJECT = Path(__file__).resolve().parents[1]
SERVER_DATABASES: dict[str, str] = {}  # server URL -> its database URL
DEVICE_ENROLLMENTS: dict[str, Enrollment] = {}


@dataclass
class Run:
    items: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.items / self.seconds

    def line(self, name: str) -> str:
        ordered = sorted(self.latencies)
        p50 = ordered[len(ordered) // 2] * 1000
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
        cpu_ms = self.cpu_seconds / self.items * 1000
        return (
            f"{name}: {self.rate:,.0f} items/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"server CPU {cpu_ms:.2f} ms per submission"
        )


@contextmanager
def _schema(base_url: str, name: str) -> Iterator[str]:
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    schema = f"wp_bench_{name}_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield (
            make_url(base_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with engine.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def _tree_pids(root: int) -> list[int]:
    pids = [root]
    for pid in pids:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        pids.extend(int(child) for child in children)
    return pids


def _cpu_seconds(root: int) -> float:
    total = 0
    for pid in _tree_pids(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def _server(settings: ServerSettings, code: Path | None) -> Iterator[tuple[str, int]]:
    """A server process on a free port: this tree's (`code` None) or the old tree in `code`."""
    port = _free_port()
    environment = dict(os.environ)
    if code is None:
        create_app(settings).state.waypoint.engine.dispose()  # schema and keys, once, as the CLI does
        environment["WAYPOINT_SERVER_SETTINGS"] = settings.to_json()
        script = (
            "import uvicorn\n"
            f"uvicorn.run('waypoint.cli.server:worker_app', factory=True, workers={settings.process_count},"
            f" host='127.0.0.1', port={port}, log_level='warning')\n"
        )
        cwd = PROJECT
    else:
        environment["PYTHONPATH"] = str(code)
        values = {k: v for k, v in json.loads(settings.to_json()).items() if k not in ("workers", "threads")}
        script = (
            "import json, uvicorn\nfrom pathlib import Path\n"
            "from sync.server import ServerSettings, create_app\n"
            f"values = json.loads({json.dumps(values)!r})\n"
            "values['public_key_file'] = Path(values['public_key_file'])\n"
            "uvicorn.run(create_app(ServerSettings(**values)),"
            f" host='127.0.0.1', port={port}, log_level='warning')\n"
        )
        cwd = code
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=cwd, env=environment, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the referral server did not start") from None
                time.sleep(0.1)
        time.sleep(1)  # every worker up
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _enroll(database_url: str, url: str) -> list[DeviceIdentity]:
    devices = []
    for _ in range(DEVICES):
        device = _Device()
        join(create_enrollment_code(database_url, url), device)
        assert device.enrollment is not None and device.key is not None
        devices.append(DeviceIdentity.from_raw(device.enrollment.device_id, device.key))
        DEVICE_ENROLLMENTS[device.enrollment.device_id] = device.enrollment
    return devices


def _requests(
    devices: Sequence[DeviceIdentity], per_device: int, batch: int
) -> list[list[tuple[bytes, dict[str, str]]]]:
    """Per device, `per_device` signed POST bodies of `batch` sealed interviews each."""
    prepared = []
    for identity in devices:
        enrollment = DEVICE_ENROLLMENTS[identity.device_id]
        bodies = []
        for _request in range(per_device):
            items = []
            for seq in range(batch):
                interview_id = str(uuid.uuid4())
                envelope = seal_submission(
                    os.urandom(PLAINTEXT_BYTES // 2).hex().encode(),
                    enrollment=enrollment,
                    interview_id=interview_id,
                    protocol_id="adult",
                    protocol_version="1",
                )
                items.append(
                    {
                        "interview_id": interview_id,
                        "seq": seq,
                        "protocol_id": "adult",
                        "protocol_version": "1",
                        "envelope": base64.b64encode(envelope).decode(),
                    }
                )
            body = json.dumps({"items": items}).encode()
            headers = sign_request(
                method="POST",
                path="/v1/submissions",
                body=body,
                device_id=identity.device_id,
                signing_key=identity.signing_key,
            )
            bodies.append((body, {**headers, "Content-Type": "application/json"}))
        prepared.append(bodies)
    return prepared


def _load(
    url: str, pid: int, prepared: Sequence[Sequence[tuple[bytes, dict[str, str]]]], clients: int, batch: int
) -> Run:
    """`clients` threads, each sending its devices' requests in turn on one keep-alive connection."""
    port = int(url.rsplit(":", 1)[1])
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def send(work: Sequence[tuple[bytes, dict[str, str]]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        mine = []
        for body, headers in work:
            began = time.perf_counter()
            connection.request("POST", "/v1/submissions", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status != 200:
                failures.append(response.status)
        connection.close()
        with lock:
            latencies.extend(mine)

    shares = [
        [request for device in prepared[index::clients] for request in device] for index in range(clients)
    ]
    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    cpu_before = _cpu_seconds(pid)
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    cpu = _cpu_seconds(pid) - cpu_before
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: {sorted(set(failures))}")
    return Run(len(latencies) * batch, seconds, latencies, cpu)


def _database_and_url(server: tuple[str, int]) -> tuple[str, str]:
    return SERVER_DATABASES[server[0]], server[0]


def _old_tree(folder: Path) -> Path | None:
    """The server's code at `BEFORE_REF`, or None when git or the commit is not available."""
    if shutil.which("git") is None:
        return None
    archive = subprocess.run(
        ["git", "archive", BEFORE_REF, "sync", "waypoint"], cwd=PROJECT, capture_output=True, check=False
    )
    if archive.returncode != 0:
        return None
    target = folder / "before"
    target.mkdir()
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def _measure(servers: dict[str, tuple[str, int]], requests: int, rounds: int) -> dict[str, dict[str, Run]]:
    """Every scenario on every server, the servers taking turns round by round (machine noise hits
    them alike); for each, the round with the median rate."""
    devices = {arm: _enroll(*_database_and_url(servers[arm])) for arm in servers}
    for arm, (url, pid) in servers.items():
        _load(url, pid, _requests(devices[arm], 5, 1), DEVICES, 1)  # warm: pools, caches, workers
    runs: dict[str, dict[str, list[Run]]] = {arm: {} for arm in servers}
    per_device = max(1, requests // DEVICES)
    scenarios = (
        ("c=1 unbatched", 1, per_device, 1),
        ("c=16 unbatched", DEVICES, per_device, 1),
        (f"c=16 batches of {BATCH}", DEVICES, 4, BATCH),
    )
    for round_number in range(rounds):
        order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
        for name, clients, count, batch in scenarios:
            for arm in order:
                url, pid = servers[arm]
                prepared = _requests(devices[arm], count, batch)
                runs[arm].setdefault(name, []).append(_load(url, pid, prepared, clients, batch))
    return {
        arm: {
            name: sorted(found, key=lambda run: run.rate)[len(found) // 2] for name, found in by_name.items()
        }
        for arm, by_name in runs.items()
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks server")
    parser.add_argument(
        "--database-url", default=os.environ.get("WAYPOINT_TEST_POSTGRES_URL", POSTGRES_DEFAULT)
    )
    parser.add_argument("--requests", type=int, default=480, help="unbatched requests per measurement")
    parser.add_argument("--items", type=int, default=1000, help="interviews per end-to-end round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each measurement; medians reported")
    options, _ = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        public_key = folder / "organisation.public.pem"
        public_key.write_bytes(
            X25519PrivateKey.generate()
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        old = _old_tree(folder)
        with contextlib.ExitStack() as stack:
            servers: dict[str, tuple[str, int]] = {}
            if old is not None:
                url = stack.enter_context(_schema(options.database_url, "before"))
                servers["before"] = stack.enter_context(
                    _server(ServerSettings(url, public_key, **UNLIMITED), old)
                )
                SERVER_DATABASES[servers["before"][0]] = url
            url = stack.enter_context(_schema(options.database_url, "after"))
            settings = ServerSettings(url, public_key, **UNLIMITED)
            servers["after"] = stack.enter_context(_server(settings, None))
            SERVER_DATABASES[servers["after"][0]] = url
            results = _measure(servers, options.requests, options.rounds)
            server_url = servers["after"][0]
            probe = _Device()
            join(create_enrollment_code(url, server_url), probe)
            assert probe.enrollment is not None
            raw = statistics.median(
                raw_insert_rate(url, probe.enrollment, options.items) for _ in range(options.rounds)
            )
            e2e = statistics.median(
                end_to_end_rate(url, server_url, options.items) for _ in range(options.rounds)
            )
    cores = len(os.sched_getaffinity(0))
    print(
        f"PostgreSQL, {cores} cores; after: {settings.process_count} processes x {settings.threads} threads"
    )
    for label, runs in results.items():
        for name, run in runs.items():
            print(run.line(f"{label} {name}"))
    summary: dict[str, float] = {}
    if "before" in results:
        for name in results["after"]:
            ratio = results["after"][name].rate / results["before"][name].rate
            summary[f"ratio {name}"] = round(ratio, 2)
            print(f"ratio after/before, {name}: {ratio:.2f}")
    else:
        print(f"no 'before' baseline: git or commit {BEFORE_REF} not available")
    print(f"raw insert ceiling (store_batch, batch {BATCH}): {raw:,.0f} items/s")
    print(f"end to end, one device (batch {BATCH}, sealed, signed, receipts): {e2e:,.0f} items/s")
    print(f"ratio end to end / raw ceiling: {e2e / raw:.2f}")
    targets = {
        "c=16 unbatched >= 2x before": summary.get("ratio c=16 unbatched", 0) >= 2,
        f"batches of {BATCH} >= 5,000/s": results["after"][f"c=16 batches of {BATCH}"].rate >= 5000,
        "end to end >= 0.5 of ceiling": e2e / raw >= 0.5,
    }
    for target, met in targets.items():
        print(f"target {target}: {'met' if met else 'NOT met'}")
    print(
        json.dumps(
            {
                **{
                    f"{label} {name} items/s": round(run.rate)
                    for label, runs in results.items()
                    for name, run in runs.items()
                },
                **summary,
                "raw_items_per_s": round(raw),
                "e2e_items_per_s": round(e2e),
                "e2e_ratio": round(e2e / raw, 3),
            }
        )
    )
