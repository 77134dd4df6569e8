"""A test organisation for the view tests: its key pair, a referral server on 127.0.0.1 (SQLite, in a
thread), and enrollment codes made the way an administrator makes them (`waypoint enroll create`)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.server import ServerSettings, create_app
from waypoint.cli import main as waypoint_cli


@dataclass
class Organisation:
    """The organisation's private key (to open what devices seal) and its running server."""

    private_key: X25519PrivateKey
    database_url: str
    url: str
    folder: Path

    def code(self, *policy: str, qr: Path | None = None) -> str:
        """A one-time code from `waypoint enroll create` (policy options such as `--require-duress`)."""
        options = ["--qr", str(qr)] if qr else []
        result = CliRunner().invoke(
            waypoint_cli,
            [
                "enroll",
                "create",
                "--database-url",
                self.database_url,
                "--server-url",
                self.url,
                *options,
                *policy,
            ],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return result.output.strip()


class ThreadedServer:
    """uvicorn serving `app` on 127.0.0.1:0 in a background thread."""

    def __init__(self, app: Any) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{self.url}/v1/health", timeout=1)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def start_organisation(folder: Path) -> tuple[Organisation, ThreadedServer]:
    """Keys, a SQLite server database with the public key registered, and the server, running."""
    folder.mkdir(parents=True, exist_ok=True)
    private_key = X25519PrivateKey.generate()
    public_file = folder / "organisation.public.pem"
    public_file.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    database_url = f"sqlite:///{folder / 'server' / 'referral.db'}"  # server/ is made private (0700)
    server = ThreadedServer(
        create_app(ServerSettings(database_url=database_url, public_key_file=public_file))
    )
    server.start()
    return Organisation(private_key, database_url, server.url, folder), server
