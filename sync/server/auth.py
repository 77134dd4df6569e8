"""Who may call: the device whose RFC 9421 signature verifies, inside the time window, with a new nonce.

Checks, in order: the signature headers parse (401); the client address is within its rate (429),
taken in the same statement that reads the named device; the device is known (401) and its signature verifies
(401); it is not revoked (403); `created` is within the window (401 `clock_skew`, with the server's
time so the device can correct itself); the body matches `Content-Digest` (400); the device is within
its rate (429); and the nonce is new (401 `replay`).

Refusals are counted per hour and reason (`refusal_tallies`), never written one row per request and
never attributed to a device: an unverified request can name any device, and even a verified one can
be someone else's replay. Rate limits and nonces live in the database, shared by every server process.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy import Connection
from sqlmodel import Session

from sync.errors import SignatureError
from sync.server import crud
from sync.server.db import request_connection, step
from sync.server.deps import ServerState
from sync.server.models import Device
from sync.server.rate_limits import RateLimit, prune_rate_limits, retry_after_header, take
from sync.server.refusals import Refusal
from sync.signing import ParsedSignature, check_content_digest, parse_signature

__all__ = [
    "SignedRequest",
    "SignedRequestDep",
    "authenticate",
    "authenticate_role",
    "check_consumed",
    "client_address",
    "limit_address",
    "read_signed_request",
    "record_refusal",
]

NONCE_PRUNE_INTERVAL_MS = 60_000
LIMIT_PRUNE_INTERVAL_MS = 60_000

signature_scheme = APIKeyHeader(
    name="Signature",
    scheme_name="DeviceSignature",
    description=(
        "RFC 9421 HTTP Message Signature by the device's Ed25519 key, label `wp`, covering "
        '("@method" "@path" "content-digest" "x-device-id") with created, nonce, keyid (the device id) '
        'and alg="ed25519"; sent with Signature-Input, Content-Digest (RFC 9530) and X-Device-Id.'
    ),
    auto_error=False,
)

_UNAUTHENTICATED = "This request is not signed by an enrolled device."


@dataclass(frozen=True)
class SignedRequest:
    signature: ParsedSignature
    body: bytes
    content_digest: str | None
    client: str

    @functools.cached_property
    def body_sha256(self) -> bytes:
        """The body's SHA-256, computed once (for its `Content-Digest` and for the receipt)."""
        return hashlib.sha256(self.body).digest()


def client_address(request: Request) -> str:
    """Whom a per-address limit counts: the client's IPv4 address, or its IPv6 /64 network (one
    subscriber usually holds a whole /64). Behind a proxy, uvicorn reports the address the proxy
    passes on when `FORWARDED_ALLOW_IPS` names the proxy."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


async def read_signed_request(
    request: Request, _signature: Annotated[str | None, Security(signature_scheme)]
) -> SignedRequest:
    """Parse the signature headers and read the body (async: the body is only available here)."""
    body = await request.body()
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    path = raw_path.decode("latin-1").split("?", 1)[0]
    try:
        parsed = parse_signature(request.headers, method=request.method, path=path)
    except SignatureError as error:
        raise Refusal(401, error.check, _UNAUTHENTICATED) from error
    return SignedRequest(parsed, body, request.headers.get("content-digest"), client_address(request))


def record_refusal(session: Session, state: ServerState, refusal: Refusal) -> Refusal:
    """Count the refusal in its hour's tally, commit, and return it to raise.

    The caller rolls back first whatever the refused request must not keep; what it keeps (the
    use of its rate allowance) is committed here with the tally.
    """
    crud.tally_refusal(bind=session, at=state.clock_ms(), code=refusal.reason)
    session.commit()
    return refusal


def limit_address(state: ServerState, key: str, limit: RateLimit, detail: str) -> None:
    """Take one request of `key`'s allowance in a transaction of its own, committed at once.

    Its own transaction: the use outlives a refusal's rollback, and the row is never locked for the
    length of another request's work (all devices behind one address share it).

    Raises:
        Refusal: 429 with Retry-After; nothing was written.
    """
    now_ms = state.clock_ms()
    with state.engine.begin() as connection:
        wait_ms = take(connection, key, limit, now_ms)
        if wait_ms == 0 and now_ms - state.last_limit_prune_ms > LIMIT_PRUNE_INTERVAL_MS:
            state.last_limit_prune_ms = now_ms
            prune_rate_limits(connection, now_ms)
    if wait_ms > 0:
        raise Refusal(429, "rate_limited", detail, headers={"Retry-After": retry_after_header(wait_ms)})


def authenticate(
    signed: SignedRequest,
    state: ServerState,
    *,
    role: str | tuple[str, ...] = "device",
    connection: Connection | None = None,
    consume: bool = True,
) -> Device:
    """The principal making this request, after every check passed, with one of the route's roles.

    `role`: "device" (every principal without a `partners` or `coordinators` row), "partner" or
    "coordinator", or several of them; a principal of another role is refused (403 `wrong_role`), so
    a device cannot read an inbox or the audit log and a partner cannot send interviews.
    `authenticate_role` also answers which of the roles the principal has.

    `connection`: the request's connection (`db.request_connection`), when the route goes on using
    it; else one is checked out for these steps and returned before this returns, so a request
    holds at most one connection at a time. Two database round trips on PostgreSQL (`crud.admit`,
    then `crud.consume`, each one autocommitted statement); two short transactions on SQLite; a
    refusal is counted on the same connection, in a step of its own. Called at the start of a
    route, in the route's own thread (SQLite's write lock is taken and released in one thread).

    `consume=False` stops before the device's allowance and nonce: the caller takes them itself
    (`crud.consume_and_store`, in the same step as its work), then calls `check_consumed`.
    """
    return authenticate_role(signed, state, role=role, connection=connection, consume=consume)[0]


def authenticate_role(
    signed: SignedRequest,
    state: ServerState,
    *,
    role: str | tuple[str, ...] = "device",
    connection: Connection | None = None,
    consume: bool = True,
) -> tuple[Device, str]:
    """As `authenticate`, with the principal's role (one of `role`)."""
    roles = (role,) if isinstance(role, str) else role
    if connection is not None:
        return _authenticate(signed, state, roles, connection, consume=consume)
    with request_connection(state.engine) as own:
        return _authenticate(signed, state, roles, own, consume=consume)


def _authenticate(
    signed: SignedRequest,
    state: ServerState,
    roles: tuple[str, ...],
    connection: Connection,
    *,
    consume: bool,
) -> tuple[Device, str]:
    signature = signed.signature
    now_ms = state.clock_ms()
    with step(connection):
        admission = crud.admit(
            connection=connection,
            address_key=f"address:{signed.client}",
            limit=state.address_limit,
            now_ms=now_ms,
            device_id=signature.device_id,
        )
        if admission.wait_ms == 0 and now_ms - state.last_limit_prune_ms > LIMIT_PRUNE_INTERVAL_MS:
            state.last_limit_prune_ms = now_ms
            prune_rate_limits(connection, now_ms)
    if admission.wait_ms > 0:
        detail = "Too many requests from this address; wait and retry."
        headers = {"Retry-After": retry_after_header(admission.wait_ms)}
        raise Refusal(429, "rate_limited", detail, headers=headers)
    device = admission.device
    if device is None:
        raise _counted(connection, state, Refusal(401, "unknown_device", _UNAUTHENTICATED))
    try:
        signature.verify(device.public_key)
    except SignatureError as error:
        raise _counted(connection, state, Refusal(401, error.check, _UNAUTHENTICATED)) from error
    if device.status != "active":
        refusal = Refusal(403, "device_revoked", "This device was revoked by the organisation.")
        raise _counted(connection, state, refusal)
    if admission.role not in roles:
        refusal = Refusal(403, "wrong_role", "This principal may not use this endpoint.")
        raise _counted(connection, state, refusal)
    if abs(now_ms // 1000 - signature.created) > state.settings.signature_window_seconds:
        refusal = Refusal(
            401, "clock_skew", "The signature's created time is outside the window.", server_time=now_ms
        )
        raise _counted(connection, state, refusal)
    try:
        check_content_digest(signed.content_digest, signed.body, sha256=signed.body_sha256)
    except SignatureError as error:
        refusal = Refusal(400, error.check, "The body does not match its Content-Digest.")
        raise _counted(connection, state, refusal) from error
    if not consume:
        return device, admission.role
    with step(connection):
        wait_ms, fresh = crud.consume(
            connection=connection,
            device_key=f"device:{device.device_id}",
            limit=state.device_limit,
            now_ms=now_ms,
            device_id=device.device_id,
            nonce=signature.nonce,
            created=signature.created,
        )
    check_consumed(connection, state, wait_ms=wait_ms, fresh=fresh, now_ms=now_ms)
    return device, admission.role


def check_consumed(
    connection: Connection, state: ServerState, *, wait_ms: int, fresh: bool, now_ms: int
) -> None:
    """After the device's allowance and nonce were taken: refuse a request over the device's rate
    (429) or with a nonce already used (401 `replay`, counted); now and then forget old nonces.

    Raises:
        Refusal: as above.
    """
    if fresh and now_ms - state.last_nonce_prune_ms > NONCE_PRUNE_INTERVAL_MS:
        state.last_nonce_prune_ms = now_ms
        older_than = now_ms // 1000 - 2 * state.settings.signature_window_seconds
        with step(connection):
            crud.prune_nonces(bind=connection, older_than=older_than)
    if wait_ms > 0:
        headers = {"Retry-After": retry_after_header(wait_ms)}
        raise Refusal(
            429, "rate_limited", "Too many requests from this device; wait and retry.", headers=headers
        )
    if not fresh:
        raise _counted(connection, state, Refusal(401, "replay", _UNAUTHENTICATED))


def _counted(connection: Connection, state: ServerState, refusal: Refusal) -> Refusal:
    """Count the refusal in its hour's tally, in a step of its own on the request's connection."""
    with step(connection):
        crud.tally_refusal(bind=connection, at=state.clock_ms(), code=refusal.reason)
    return refusal


SignedRequestDep = Annotated[SignedRequest, Depends(read_signed_request)]
