"""Drive a Flet page in-process through a fake client connection (see shared docs flet.md §6).

No browser, no sockets: the fake connection records what Python would send to the Flutter client,
answers client method calls the way the client does, and events are fired through the same
`dispatch_event` path the web server uses. Semi-internal Flet API, so `flet` is pinned exactly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.controls.context import _context_page, context
from flet.messaging.connection import Connection
from flet.messaging.protocol import (
    Message,
    MessageAction,
    RegisterClientResponseBody,
    configure_encode_object_for_msgpack,
)
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub


class FakeConnection(Connection):
    """Records outgoing messages and answers client method calls like the Flutter client."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.executor = ThreadPoolExecutor(max_workers=4)
        self.pubsubhub = PubSubHub(loop=loop, executor=self.executor)
        self.page_url = "http://test.local/"
        self.invoked: list[tuple[str, Any]] = []
        self.sess: Session | None = None
        self.held: list[Any] | None = None  # a list: method calls wait there for `answer_held()`

    def send_message(self, message: Message) -> None:
        # Encoding records the list state the next diff needs; without it views never patch.
        msgpack.packb(
            [message.action, message.body], default=configure_encode_object_for_msgpack(BaseControl)
        )
        if message.action == MessageAction.INVOKE_METHOD:
            body = message.body
            self.invoked.append((body.name, body.args))
            if self.held is not None:
                self.held.append(body)
            else:
                self.loop.call_soon(lambda: asyncio.ensure_future(self._answer(body)))

    async def answer_held(self) -> None:
        """Answer the held method calls now, newest first, as a browser does when a quick call (such as
        an audio player's `release`) overtakes a slow one (its `play`, answered once the clip starts).
        Raises what Flet raises; the web server then ends the connection."""
        held, self.held = self.held or [], None
        for body in reversed(held):
            await self._answer(body)
            await asyncio.sleep(0.01)
            gc.collect()  # at some time the collector runs: cancelled tasks let go of their frames
            await self.sess.after_event(self.sess.page)  # Flet drops services nothing references

    async def _answer(self, body: Any) -> None:
        session = self.sess
        assert session is not None
        session.handle_invoke_method_results(body.control_id, body.call_id, None, None)
        if body.name == "push_route":
            session.apply_patch(session.page._i, {"route": body.args["route"]})
            await session.dispatch_event(session.page._i, "route_change", {"route": body.args["route"]})


def iter_controls(root: object) -> Iterator[BaseControl]:
    """Every control reachable from `root` (depth first), following component bodies (`_b`)."""
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, BaseControl) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        for field in dataclasses.fields(item):
            if (field.name.startswith("_") and field.name != "_b") or field.name in ("parent", "page"):
                continue
            value = getattr(item, field.name, None)
            if isinstance(value, BaseControl | list | tuple):
                stack.append(value)


def strings_in(root: object) -> list[str]:
    """Every string value held by a control under `root`: texts, labels, values, tooltips, hints."""
    found: list[str] = []
    for control in iter_controls(root):
        for field in dataclasses.fields(control):
            if field.name.startswith("_") or field.name in ("parent", "page"):
                continue
            value = getattr(control, field.name, None)
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, list):
                found.extend(v for v in value if isinstance(v, str))
    return found


class AppHarness:
    """One fake browser session running `main(page)`."""

    def __init__(self, main: Callable[[ft.Page], Awaitable[None] | None], route: str = "/") -> None:
        self.main = main
        self.initial_route = route

    async def start(self) -> AppHarness:
        self.conn = FakeConnection(asyncio.get_running_loop())
        self.sess = self.conn.sess = Session(self.conn)
        self.page = self.sess.page
        self.sess.apply_page_patch({"route": self.initial_route, "web": True, "width": 412, "height": 915})
        self.conn.send_message(
            Message(
                MessageAction.REGISTER_CLIENT,
                RegisterClientResponseBody(
                    session_id=self.sess.id, page_patch=self.sess.get_page_patch(), error=""
                ),
            )
        )
        _context_page.set(self.page)
        context.reset_auto_update()
        result = self.main(self.page)
        if asyncio.iscoroutine(result):
            await result
        await self.sess.after_event(self.page)
        await self.settle()
        return self

    async def close(self) -> None:
        """End the session as a closed browser tab does."""
        await self.sess.dispatch_event(self.page._i, "disconnect", None)
        self.sess.close()
        await self.settle()
        self.conn.executor.shutdown(wait=True)

    async def settle(self, rounds: int = 5) -> None:
        """Let work scheduled with create_task() and short thread hops run."""
        for _ in range(rounds):
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
        """Settle until `predicate()` holds (slow steps run in threads), or fail saying what was awaited."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
            await asyncio.sleep(0.02)
        await self.settle()

    @property
    def top_view(self) -> ft.View:
        return self.page.views[-1]

    def find(self, key: str) -> BaseControl | None:
        for control in iter_controls(self.top_view):
            found = getattr(control, "key", None)
            if found == key or getattr(found, "value", None) == key:
                return control
        return None

    def by_key(self, key: str) -> Any:
        control = self.find(key)
        if control is None:
            raise LookupError(f"no control with key={key!r} in view {self.top_view.route}: {self.keys()}")
        return control

    def keys(self) -> list[str]:
        return [str(k) for c in iter_controls(self.top_view) if (k := getattr(c, "key", None)) is not None]

    def texts(self) -> list[str]:
        return [str(c.value) for c in iter_controls(self.top_view) if isinstance(c, ft.Text) and c.value]

    def semantics_ids(self) -> list[str]:
        return [
            c.identifier for c in iter_controls(self.top_view) if isinstance(c, ft.Semantics) and c.identifier
        ]

    async def click(self, control_or_key: BaseControl | str) -> None:
        control = self.by_key(control_or_key) if isinstance(control_or_key, str) else control_or_key
        assert not getattr(control, "disabled", False), f"{getattr(control, 'key', control)} is disabled"
        await self.sess.dispatch_event(control._i, "click", None)
        await self.settle()

    async def type(self, control_or_key: BaseControl | str, text: str) -> None:
        control = self.by_key(control_or_key) if isinstance(control_or_key, str) else control_or_key
        self.sess.apply_patch(control._i, {"value": text})
        await self.sess.dispatch_event(control._i, "change", text)
        await self.settle()

    async def select(self, control_or_key: BaseControl | str, value: str) -> None:
        """Choose `value` in a dropdown or radio group, as the client does."""
        control = self.by_key(control_or_key) if isinstance(control_or_key, str) else control_or_key
        self.sess.apply_patch(control._i, {"value": value})
        event = "select" if isinstance(control, ft.Dropdown) else "change"
        await self.sess.dispatch_event(control._i, event, value)
        await self.settle()

    async def toggle(self, control_or_key: BaseControl | str, value: bool) -> None:
        """Flip a switch or checkbox, as the client does."""
        control = self.by_key(control_or_key) if isinstance(control_or_key, str) else control_or_key
        self.sess.apply_patch(control._i, {"value": value})
        await self.sess.dispatch_event(control._i, "change", str(value).lower())
        await self.settle()

    async def fire(self, control: BaseControl, event: str, data: Any = None) -> None:
        await self.sess.dispatch_event(control._i, event, data)
        await self.settle()
