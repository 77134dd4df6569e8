"""Serve one or more ASGI apps on 127.0.0.1 in one process, and stop them all cleanly on Ctrl-C.

Uvicorn normally owns the process's signals; with two servers in one event loop (the referral server
and the web app) that would leave one running, so the signals are ours and stop every server.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to `serve_until_stopped`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Listener:
    """An ASGI app bound to an open socket, ready to serve."""

    app: Any
    sock: socket.socket
    server: uvicorn.Server = field(init=False)

    def __post_init__(self) -> None:
        config = uvicorn.Config(
            self.app, log_level="warning", ws="websockets-sansio", lifespan="on", timeout_graceful_shutdown=3
        )
        self.server = _QuietServer(config)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def bind(host: str, port: int, what: str) -> socket.socket:
    """Open a listening socket, or explain why the port cannot be used."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigError(
            N_("The {service} cannot listen on {host}:{port} ({reason})."),
            N_("Stop the program using that port, or choose another one with the port option."),
            service=what,
            host=host,
            port=port,
            reason=error.strerror or "unavailable",
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


async def start(listener: Listener) -> asyncio.Task[None]:
    """Start serving and return once the server accepts connections."""
    task = asyncio.create_task(listener.server.serve(sockets=[listener.sock]))
    while not listener.server.started:
        if task.done():
            task.result()
            raise ConfigError(N_("A server stopped while starting."), N_("Look at the messages above."))
        await asyncio.sleep(0.02)
    return task


async def serve_until_stopped(
    listeners: list[Listener], after_start: Callable[[Listener], Awaitable[None]] | None = None
) -> None:
    """Start `listeners` in order (running `after_start` after each), then serve until SIGINT/SIGTERM."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def stop() -> None:
        for listener in listeners:
            listener.server.should_exit = True
        stopping.set()

    def on_signal() -> None:  # the first Ctrl-C stops gracefully; a second one forces the exit
        if stopping.is_set():
            for listener in listeners:
                listener.server.force_exit = True
        stop()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    tasks: list[asyncio.Task[None]] = []
    stopped = asyncio.ensure_future(stopping.wait())
    try:
        for listener in listeners:
            tasks.append(await start(listener))
            if after_start is not None:
                await after_start(listener)
        await asyncio.wait([*tasks, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop()
        await asyncio.gather(*tasks, stopped, return_exceptions=True)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        for listener in listeners:
            listener.sock.close()
