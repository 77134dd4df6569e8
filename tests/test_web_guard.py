"""The guard in front of the local web app (waypoint/cli/web_guard.py), request by request.

WG001: the launch address (`/?token=<token>`) sets an HttpOnly, SameSite=Strict cookie named after the
       port, is never cached and moves on to `/`; with the cookie the app answers, without Flet's
       wildcard CORS header and with framing forbidden.
WG002: refused (403, the app never called): no cookie, a wrong cookie or another port's cookie, a
       wrong token, a token sent by POST, another or no Host (DNS rebinding), another, opaque or
       https Origin, a cross-site or same-site fetch (Sec-Fetch-Site).
WG003: the websocket opens with the cookie from its own origin, and is refused from another origin,
       without the cookie, or under another Host.
WG004: the manifest and icons, which browsers fetch without cookies, need no cookie; still the Host.
WG005: the served addresses: a loopback or wildcard bind accepts 127.0.0.1, localhost and [::1] and
       prints 127.0.0.1 (or [::1]); any other address accepts only itself. Each guard has its own token.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from waypoint.cli.web_guard import Message, Receive, Scope, Send, WebGuard

PORT = 8550
HOST = f"127.0.0.1:{PORT}"
ORIGIN = f"http://{HOST}"
TOKEN = "t0k3n-" + "x" * 37
COOKIE = f"waypoint-{PORT}={TOKEN}"


@dataclass
class Answer:
    """What went back to the browser for one request."""

    status: int
    headers: dict[str, str]
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class FletStandIn:
    """Answers every page and accepts every websocket, allowing every origin as Flet does."""

    reached: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.reached.append(scope["path"])
        if scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.accept"})
            return
        headers = [(b"content-type", b"text/plain"), (b"access-control-allow-origin", b"*")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"app"})


def ask(
    guard: WebGuard,
    path: str = "/",
    headers: Mapping[str, str | None] | None = None,
    *,
    method: str = "GET",
    query: str = "",
    websocket: bool = False,
) -> Answer:
    """One request through `guard`; `Host` is the served one unless `headers` say otherwise (None: none)."""
    given = {"Host": HOST, **(headers or {})}
    raw = [(name.lower().encode(), value.encode()) for name, value in given.items() if value is not None]
    scope: Scope = {
        "type": "websocket" if websocket else "http",
        "path": path,
        "query_string": query.encode(),
    }
    scope["headers"] = raw
    if not websocket:
        scope["method"] = method
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"} if websocket else {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(guard(scope, receive, send))
    first = sent[0]
    if websocket:
        return Answer(101 if first["type"] == "websocket.accept" else 403, {})
    headers_sent = {name.decode(): value.decode() for name, value in first["headers"]}
    return Answer(first["status"], headers_sent, b"".join(m.get("body", b"") for m in sent[1:]))


@pytest.fixture
def app() -> FletStandIn:
    return FletStandIn()


@pytest.fixture
def guard(app: FletStandIn) -> WebGuard:
    return WebGuard(app, "127.0.0.1", PORT, token=TOKEN)


def test_wg001_the_launch_address_sets_the_cookie(guard: WebGuard, app: FletStandIn) -> None:
    launched = ask(guard, query=f"token={TOKEN}", headers={"Sec-Fetch-Site": "none"})
    assert launched.status == 200 and app.reached == []
    cookie = launched.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/" in cookie and launched.headers["cache-control"] == "no-store"
    assert 'http-equiv="refresh" content="0; url=/"' in launched.text
    page = ask(
        guard, headers={"Cookie": f"other=1; {COOKIE}", "Sec-Fetch-Site": "same-origin", "Origin": ORIGIN}
    )
    assert page.status == 200 and page.text == "app" and app.reached == ["/"]
    assert not [name for name in page.headers if name.startswith("access-control-")]
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert page.headers["x-frame-options"] == "DENY"


REFUSED: dict[str, dict[str, str | None]] = {
    "no cookie": {},
    "a wrong cookie": {"Cookie": f"waypoint-{PORT}={'y' * 43}"},
    "another port's cookie": {"Cookie": f"waypoint-{PORT + 1}={TOKEN}"},
    "another Host": {"Cookie": COOKIE, "Host": f"attacker.example:{PORT}"},
    "another port in Host": {"Cookie": COOKIE, "Host": f"127.0.0.1:{PORT + 1}"},
    "no Host": {"Cookie": COOKIE, "Host": None},
    "another Origin": {"Cookie": COOKIE, "Origin": "http://attacker.example"},
    "an opaque Origin": {"Cookie": COOKIE, "Origin": "null"},
    "an https Origin": {"Cookie": COOKIE, "Origin": f"https://{HOST}"},
    "a cross-site fetch": {"Cookie": COOKIE, "Sec-Fetch-Site": "cross-site"},
    "a same-site fetch (another local port)": {"Cookie": COOKIE, "Sec-Fetch-Site": "same-site"},
}


@pytest.mark.parametrize("headers", REFUSED.values(), ids=REFUSED.keys())
def test_wg002_requests_from_elsewhere_are_refused(
    guard: WebGuard, app: FletStandIn, headers: dict[str, str | None]
) -> None:
    for method in ("GET", "POST", "OPTIONS"):
        answer = ask(guard, "/home", headers, method=method)
        assert answer.status == 403, method
        assert not [name for name in answer.headers if name.startswith("access-control-")]
        assert "printed" in answer.text
    assert app.reached == []


@pytest.mark.parametrize(
    ("method", "query"), [("GET", "token=" + "A" * 43), ("GET", "token="), ("POST", f"token={TOKEN}")]
)
def test_wg002_a_wrong_or_posted_token_is_refused(
    guard: WebGuard, app: FletStandIn, method: str, query: str
) -> None:
    answer = ask(guard, method=method, query=query)
    assert answer.status == 403 and "set-cookie" not in answer.headers and app.reached == []


def test_wg003_the_websocket_needs_its_origin_and_the_cookie(guard: WebGuard, app: FletStandIn) -> None:
    assert ask(guard, "/ws", {"Origin": ORIGIN, "Cookie": COOKIE}, websocket=True).status == 101
    assert app.reached == ["/ws"]
    for headers in (
        {"Origin": "http://attacker.example", "Cookie": COOKIE},
        {"Origin": "null", "Cookie": COOKIE},
        {"Origin": ORIGIN},
        {"Origin": f"http://attacker.example:{PORT}", "Cookie": COOKIE, "Host": f"attacker.example:{PORT}"},
        {"Origin": ORIGIN, "Cookie": COOKIE, "Sec-Fetch-Site": "cross-site"},
    ):
        assert ask(guard, "/ws", headers, websocket=True).status == 403, headers
    assert app.reached == ["/ws"]


def test_wg004_manifest_and_icons_need_no_cookie(guard: WebGuard, app: FletStandIn) -> None:
    public = ["/manifest.json", "/favicon.png", "/icons/Icon-192.png"]
    assert [ask(guard, path).status for path in public] == [200, 200, 200]
    assert ask(guard, "/manifest.json", {"Host": f"attacker.example:{PORT}"}).status == 403
    assert ask(guard, "/manifest.json", method="POST").status == 403
    assert ask(guard, "/manifest.json", {"Origin": "http://attacker.example"}).status == 403
    assert app.reached == public


@pytest.mark.parametrize(
    ("bound", "printed", "accepted", "refused"),
    [
        ("127.0.0.1", "127.0.0.1", {"127.0.0.1", "localhost", "[::1]"}, {"192.168.1.5", "attacker.example"}),
        ("0.0.0.0", "127.0.0.1", {"127.0.0.1", "localhost"}, {"192.168.1.5", "attacker.example"}),  # noqa: S104  # nosec B104 - a string in a test table, nothing binds
        ("::1", "[::1]", {"[::1]", "localhost"}, {"[fe80::1]", "attacker.example"}),
        ("192.168.1.5", "192.168.1.5", {"192.168.1.5"}, {"127.0.0.1", "localhost", "attacker.example"}),
    ],
)
def test_wg005_served_addresses(bound: str, printed: str, accepted: set[str], refused: set[str]) -> None:
    guard = WebGuard(FletStandIn(), bound, PORT)
    assert guard.launch_url == f"http://{printed}:{PORT}/?token={guard.token}"
    assert {f"{host}:{PORT}" for host in accepted} <= guard.hosts
    assert not {f"{host}:{PORT}" for host in refused} & guard.hosts


def test_wg005_each_guard_has_its_own_token_and_reads_its_socket() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        first, second = WebGuard.serving(FletStandIn(), sock), WebGuard.serving(FletStandIn(), sock)
        port = sock.getsockname()[1]
    assert first.token != second.token and len(first.token) >= 43
    assert first.launch_url.startswith(f"http://127.0.0.1:{port}/?token=")
