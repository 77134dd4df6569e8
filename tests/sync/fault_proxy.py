"""A seeded loopback TCP proxy that injects the faults field connections have.

For each chunk a client sends, it may reset the client connection (TCP RST) before forwarding it; for
each chunk the server answers, it may reset the client instead of forwarding it, which drops a
response the server produced after it committed (the case that needs deduplication); and it may
delay a chunk by up to 200 ms. It listens on 127.0.0.1, port 0, runs its own event loop in a thread,
and counts what it did.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Faults:
    reset_request: float = 0.10
    drop_response: float = 0.10
    delay: float = 0.05
    max_delay: float = 0.2


class FaultProxy:
    """Forward 127.0.0.1:<port> to 127.0.0.1:<upstream_port>, injecting seeded faults."""

    def __init__(self, upstream_port: int, faults: Faults, seed: int) -> None:
        self.upstream_port = upstream_port
        self.faults = faults
        self.rng = random.Random(seed)
        self.stats: Counter[str] = Counter()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("the fault proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._shutdown())
            self._loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        if tasks:  # aborted transports end every pump; cancel only what is still stuck after that
            _done, stuck = await asyncio.wait(tasks, timeout=5)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._server.wait_closed()
        self._writers.clear()

    @staticmethod
    def _reset(writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        client: asyncio.StreamWriter,
        upstream: asyncio.StreamWriter,
        *,
        is_request: bool,
    ) -> None:
        fault = self.faults.reset_request if is_request else self.faults.drop_response
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await source.read(65536):
                if self.rng.random() < fault:
                    self.stats["reset_before_request" if is_request else "response_dropped"] += 1
                    self._reset(client)
                    upstream.close()
                    return
                if self.rng.random() < self.faults.delay:
                    self.stats["delayed"] += 1
                    await asyncio.sleep(self.rng.uniform(0, self.faults.max_delay))
                sink.write(chunk)
                await sink.drain()
                self.stats["request_chunks" if is_request else "response_chunks"] += 1
        with contextlib.suppress(Exception):
            sink.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.stats["connections"] += 1
        self._writers.add(client_writer)
        try:
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(
                    "127.0.0.1", self.upstream_port
                )
            except OSError:
                self.stats["upstream_down"] += 1
                self._reset(client_writer)
                return
            self._writers.add(upstream_writer)
            await asyncio.gather(
                self._pump(client_reader, upstream_writer, client_writer, upstream_writer, is_request=True),
                self._pump(upstream_reader, client_writer, client_writer, upstream_writer, is_request=False),
                return_exceptions=True,
            )
            self._writers.discard(upstream_writer)
            upstream_writer.transport.abort()
        finally:
            self._writers.discard(client_writer)
            client_writer.transport.abort()
