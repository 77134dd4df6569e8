"""Only the browser tab the person opened reaches the local web app: an ASGI guard in front of Flet.

`waypoint run` and `waypoint app` serve the app, and through its websocket an unlocked vault, on a
loopback port. Browsers let any web page open a websocket to any address, and a page can reach a local
port under its own host name by pointing that name at 127.0.0.1 (DNS rebinding). Flet itself checks
neither and answers `Access-Control-Allow-Origin: *`. So every request (page, file or websocket) must:

1. name the served address in `Host` (a rebinding page's requests carry its own host name);
2. come from no other origin: `Origin`, when sent, is the served origin, and `Sec-Fetch-Site`, when
   sent, is `same-origin` or `none` (typed, bookmarked, reloaded);
3. carry the launch cookie. Each launch makes a random token, printed in the ready line as
   `http://127.0.0.1:PORT/?token=...`. Opening that address sets the cookie (HttpOnly, SameSite=Strict,
   named after the port) and moves on to `/`; Flet's web client opens its websocket on the same
   origin, so the cookie goes with it. A page elsewhere can neither read nor send it.

The web app manifest and icons are the exception to 3: browsers fetch them without cookies, and they
hold only the neutral name and icon. Responses lose Flet's wildcard CORS header and may not be framed.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["TOKEN_PARAMETER", "ASGIApp", "Message", "Receive", "Scope", "Send", "WebGuard"]

TOKEN_PARAMETER = "token"  # noqa: S105 - the query parameter's name
PUBLIC_PATHS = ("/manifest.json", "/favicon.png", "/icons/")  # fetched by browsers without cookies
TRUSTED_FETCH_SITES = {"same-origin", "none"}
REFUSAL = (
    b"Waypoint refused this request. Open the address that `waypoint run` (or `waypoint app`) printed, "
    b"in this browser; after a restart, open the new address it prints.\n"
)
SECURITY_HEADERS = [
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]
LAUNCH_PAGE = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/">'
    b'<title>Waypoint</title></head><body><a href="/">Waypoint</a></body></html>'
)


class WebGuard:
    """Wraps an ASGI app served at http://`host`:`port`/ so only its own launched tab reaches it."""

    def __init__(self, app: ASGIApp, host: str, port: int, token: str | None = None) -> None:
        self.app = app
        self.url_host = _url_host(host)
        self.port = port
        self.token = token or secrets.token_urlsafe(32)
        self.cookie_name = f"waypoint-{port}"  # cookies ignore ports: one per served port
        self.hosts = {f"{self.url_host}:{port}"}
        if _is_loopback_or_any(host):
            self.hosts |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}

    @classmethod
    def serving(cls, app: ASGIApp, sock: socket.socket) -> WebGuard:
        """A guard for `app`, served on the bound socket `sock`."""
        host, port = sock.getsockname()[:2]
        return cls(app, str(host), int(port))

    @property
    def launch_url(self) -> str:
        """The address to open: it carries this launch's token."""
        return f"http://{self.url_host}:{self.port}/?{TOKEN_PARAMETER}={self.token}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        headers = _headers(scope)
        host = headers.get("host", "").lower()
        if host not in self.hosts or headers.get("origin", f"http://{host}") != f"http://{host}":
            await _refuse(scope, receive, send)
            return
        offered = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(TOKEN_PARAMETER)
        if scope["type"] == "http" and scope["path"] == "/" and offered is not None:
            if not self._is_token(offered[-1]) or scope["method"] not in ("GET", "HEAD"):
                await _refuse(scope, receive, send)
            else:
                await self._launch(send)
            return
        if headers.get("sec-fetch-site", "none") not in TRUSTED_FETCH_SITES or not (
            self._has_cookie(headers.get("cookie", "")) or _is_public(scope)
        ):
            await _refuse(scope, receive, send)
            return
        await self.app(scope, receive, _without_cors(send))

    def _is_token(self, offered: str) -> bool:
        return hmac.compare_digest(offered.encode(), self.token.encode())

    def _has_cookie(self, header: str) -> bool:
        for pair in header.split(";"):
            name, _, value = pair.strip().partition("=")
            if name == self.cookie_name and self._is_token(value):
                return True
        return False

    async def _launch(self, send: Send) -> None:
        cookie = f"{self.cookie_name}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"set-cookie", cookie.encode()),
            *SECURITY_HEADERS,
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": LAUNCH_PAGE})


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name; repeated ones joined as HTTP allows (cookies with '; ')."""
    found: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        found[name] = f"{found[name]}{'; ' if name == 'cookie' else ', '}{value}" if name in found else value
    return found


def _is_public(scope: Scope) -> bool:
    path = scope["path"]
    return scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and path.startswith(PUBLIC_PATHS)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect; closing before accepting makes the server answer 403
        await send({"type": "websocket.close", "code": 1008})
        return
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": 403, "headers": [*headers, *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": REFUSAL})


def _without_cors(send: Send) -> Send:
    """`send`, with no Access-Control-* response header (Flet adds `Allow-Origin: *`) and no framing."""

    async def guarded(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", [])
            kept = [(k, v) for k, v in headers if not k.lower().startswith(b"access-control-")]
            message = {**message, "headers": [*kept, *SECURITY_HEADERS]}
        await send(message)

    return guarded


def _url_host(host: str) -> str:
    """How `host` is written in a URL; a wildcard address is reached through loopback."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.lower()
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "[::1]"
    return f"[{address}]" if address.version == 6 else str(address)


def _is_loopback_or_any(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.lower() == "localhost"
    return address.is_loopback or address.is_unspecified
