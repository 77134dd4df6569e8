"""Who may call: the device whose RFC 9421 signature verifies, inside the time window, with a new nonce.

Checks, in order: the signature headers parse (401), the device is known (401) and its signature
verifies (401), it is not revoked (403), `created` is within the window (401 `clock_skew`, with the
server's time so the device can correct itself), the body matches `Content-Digest` (400), the
device is within its rate (429), and the nonce is new (401 `replay`). Refusals of known devices are
written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlmodel import Session

from sync.errors import SignatureError
from sync.server import crud
from sync.server.deps import ServerState
from sync.server.limits import RateLimiter
from sync.server.models import Device
from sync.server.refusals import Refusal
from sync.signing import ParsedSignature, check_content_digest, parse_signature

__all__ = ["SignedRequest", "SignedRequestDep", "authenticate", "read_signed_request", "refuse_and_audit"]

NONCE_PRUNE_INTERVAL_MS = 60_000

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
    return SignedRequest(parsed, body, request.headers.get("content-digest"))


def refuse_and_audit(
    session: Session, state: ServerState, refusal: Refusal, device_id: str | None
) -> Refusal:
    """Roll back what the request did, keep an audit record of the refusal, and return it to raise."""
    session.rollback()
    crud.record_event(
        session=session, at=state.clock_ms(), kind="refused", device_id=device_id, code=refusal.reason
    )
    session.commit()
    return refusal


def authenticate(signed: SignedRequest, session: Session, state: ServerState) -> Device:
    """The device making this request, after every check passed.

    Called at the start of a route, in the route's own thread: the transaction it opens (SQLite's
    write lock) must begin and end in one thread, never across FastAPI's dependency threads.
    """
    signature = signed.signature
    device = session.get(Device, signature.device_id)
    if device is None:
        raise refuse_and_audit(session, state, Refusal(401, "unknown_device", _UNAUTHENTICATED), None)
    try:
        signature.verify(device.public_key)
    except SignatureError as error:
        raise refuse_and_audit(
            session, state, Refusal(401, error.check, _UNAUTHENTICATED), device.device_id
        ) from error
    if device.status != "active":
        refusal = Refusal(403, "device_revoked", "This device was revoked by the organisation.")
        raise refuse_and_audit(session, state, refusal, device.device_id)
    now_ms = state.clock_ms()
    if abs(now_ms // 1000 - signature.created) > state.settings.signature_window_seconds:
        refusal = Refusal(
            401, "clock_skew", "The signature's created time is outside the window.", server_time=now_ms
        )
        raise refuse_and_audit(session, state, refusal, device.device_id)
    try:
        check_content_digest(signed.content_digest, signed.body)
    except SignatureError as error:
        refusal = Refusal(400, error.check, "The body does not match its Content-Digest.")
        raise refuse_and_audit(session, state, refusal, device.device_id) from error
    wait = state.device_limiter.wait_needed(device.device_id)
    if wait > 0:
        headers = {"Retry-After": RateLimiter.retry_after_header(wait)}
        raise Refusal(
            429, "rate_limited", "Too many requests from this device; wait and retry.", headers=headers
        )
    if not crud.consume_nonce(
        session=session, device_id=device.device_id, nonce=signature.nonce, created=signature.created
    ):
        raise refuse_and_audit(session, state, Refusal(401, "replay", _UNAUTHENTICATED), device.device_id)
    if now_ms - state.last_nonce_prune_ms > NONCE_PRUNE_INTERVAL_MS:
        state.last_nonce_prune_ms = now_ms
        older_than = now_ms // 1000 - 2 * state.settings.signature_window_seconds
        crud.prune_nonces(session=session, older_than=older_than)
    return device


SignedRequestDep = Annotated[SignedRequest, Depends(read_signed_request)]
