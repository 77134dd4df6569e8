"""Ways to reach a real referral server from tests: in-process, in a thread, or in a subprocess.

* `InProcessTransport`: an httpx transport that calls the ASGI app directly (no socket).
* `ThreadedServer`: uvicorn on 127.0.0.1, port 0, in a thread of this process.
* `ServerProcess`: uvicorn in a subprocess on a fixed free port, so it can be SIGKILLed and restarted.
* `ServerOnAnyPort`: uvicorn in a subprocess on 127.0.0.1, port 0 (the port it got is read back).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import uvicorn
from sync_fakes import MemoryDeviceStore

from sync import Enrollment, join
from sync.server import ServerSettings, create_enrollment_code
from sync.server.admin import DEFAULT_CODE_TTL


class InProcessTransport(httpx.BaseTransport):
    """Send httpx requests straight into an ASGI app, on a private event loop thread."""

    def __init__(self, app: Any, client: tuple[str, int] = ("127.0.0.1", 40000)) -> None:
        self._portal_context = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_context.__enter__()
        self._asgi = httpx.ASGITransport(app=app, client=client)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def call() -> httpx.Response:
            forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=content)
            response = await self._asgi.handle_async_request(forwarded)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body)

        return self._portal.call(call)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._portal_context.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_responds(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@dataclasses.dataclass
class Server:
    """A referral server running in-process, and how to reach it."""

    app: Any
    transport: InProcessTransport
    settings: ServerSettings
    url: str = "https://testserver"

    def enrollment_code(self, ttl: timedelta = DEFAULT_CODE_TTL) -> str:
        return create_enrollment_code(self.settings.database_url, self.url, ttl=ttl)

    def enroll(self, ttl: timedelta = DEFAULT_CODE_TTL) -> tuple[MemoryDeviceStore, Enrollment]:
        store = MemoryDeviceStore()
        return store, join(self.enrollment_code(ttl), store, transport=self.transport)


class ThreadedServer:
    """uvicorn serving `app` on 127.0.0.1:0 in a background thread."""

    def __init__(self, app: Any) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        wait_until_responds(self.url)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def stop_process(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL when it does not stop within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


SERVER_SCRIPT = """
import json, sys
import uvicorn
from sync.server import ServerSettings, create_app
options = json.loads(sys.argv[1])
settings = ServerSettings(**options["settings"])
uvicorn.run(create_app(settings), host="127.0.0.1", port=options["port"], log_level="warning")
"""


class ServerProcess:
    """The referral server in a subprocess, on one port for its whole life, killable and restartable."""

    def __init__(
        self, settings: dict[str, Any], port: int | None = None, log_path: Path | None = None
    ) -> None:
        self.settings = settings
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        options = json.dumps({"settings": self.settings, "port": self.port})
        with open(self.log_path or os.devnull, "ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-c", SERVER_SCRIPT, options], stdout=log, stderr=log, env={**os.environ}
            )
        wait_until_responds(self.url)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; whatever was committed stays, nothing else."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    @contextlib.contextmanager
    def running(self) -> Iterator[ServerProcess]:
        self.start()
        try:
            yield self
        finally:
            self.stop()


ANY_PORT_SCRIPT = """
import json, socket, sys
import uvicorn
from sync.server import ServerSettings, create_app
settings = ServerSettings(**json.loads(sys.argv[1]))
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
config = uvicorn.Config(create_app(settings), log_level="warning")
uvicorn.Server(config).run(sockets=[listener])
"""


class ServerOnAnyPort:
    """The referral server in a subprocess on 127.0.0.1, port 0; its first stdout line is the port."""

    START_SECONDS = 30.0

    def __init__(self, settings: dict[str, Any], log_path: Path) -> None:
        self.settings = settings
        self.log_path = log_path
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @contextlib.contextmanager
    def running(self) -> Iterator[ServerOnAnyPort]:
        with open(self.log_path, "ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-c", ANY_PORT_SCRIPT, json.dumps(self.settings)],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ},
            )
        try:
            assert self.process.stdout is not None
            line = self.process.stdout.readline()  # bounded: the child prints it or exits (EOF)
            if not line.strip().isdigit():
                raise RuntimeError(f"server did not start: {self.log_path.read_text(errors='replace')}")
            self.port = int(line)
            wait_until_responds(self.url, timeout=self.START_SECONDS)
            yield self
        finally:
            stop_process(self.process)
            if self.process.stdout is not None:
                self.process.stdout.close()
