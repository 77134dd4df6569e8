"""The device's HTTP client for the referral server: signs requests and maps failures to sync errors.

It takes its transport (`httpx.BaseTransport`), so tests drive it with `httpx.MockTransport` or with
the real server in-process. Every failure becomes one of the sync errors in exactly one place,
`_raise_for_response`, so the outbox only decides what to do: retry, wait, park or stop.
"""

from __future__ import annotations

import functools
import hashlib
import json
import ssl
import time
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync.errors import DeviceRefused, NotTheServerError, SyncRejected, SyncTransportError
from sync.identity import DeviceIdentity
from sync.transport_security import check_server_transport
from sync.wire import (
    BatchResult,
    EnrollRequest,
    EnrollResponse,
    InboxItem,
    InboxResponse,
    PartnerEnrollRequest,
    Problem,
    ReferralBatch,
    ReferralEvent,
    ReferralEventRequest,
    ReferralEvents,
    SubmissionBatch,
    UpdatesResponse,
)
from waypoint.core.i18n import N_

__all__ = ["DEFAULT_TIMEOUT", "BatchReply", "RateLimited", "SyncClient", "parse_answer", "tls_context"]

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
USER_AGENT = "waypoint-sync/1"
_Model = TypeVar("_Model", bound=BaseModel)


class RateLimited(SyncTransportError):
    """The server asked the device to slow down (429); `retry_after` is in seconds."""

    code = "WP-SYNC-009"
    what = N_("The organisation's server asked this device to wait {retry_after} seconds.")

    def __init__(self, *, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(retry_after=round(retry_after))


@dataclass(frozen=True)
class BatchReply:
    """The server's answer to a batch, with the exact body it answers, for checking the receipt."""

    result: BatchResult
    body: bytes
    status_code: int
    body_sha256: bytes | None = None  # the body's SHA-256, computed once for its signature


class SyncClient:
    """Talks to one referral server as one device (or as a device about to enroll).

    The address must be https, or plain http on this computer; `insecure_http=True` (a test lab's
    explicit choice) allows plain http elsewhere. Checked here, before anything is sent.
    """

    def __init__(
        self,
        server_url: str,
        *,
        identity: DeviceIdentity | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        insecure_http: bool = False,
    ) -> None:
        check_server_transport(server_url, insecure_http=insecure_http)
        self.identity = identity
        self.clock_offset = 0.0  # seconds to add to the local clock to get the server's, learned on 401
        self._http = httpx.Client(
            base_url=server_url.rstrip("/"),
            transport=_Borrowed(transport) if transport is not None else None,
            verify=tls_context(),
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def enroll(self, request: EnrollRequest) -> EnrollResponse:
        """Join with a one-time token (unsigned: the device has no id yet; the body carries a proof)."""
        response = self._send("POST", "/v1/enroll", request.model_dump_json().encode(), signed=False)
        return _parse(EnrollResponse, response)

    def submit(self, batch: SubmissionBatch) -> BatchReply:
        """Send one batch; a 409 (some ids already hold other content) still carries a signed receipt."""
        body = batch.model_dump_json().encode()
        digest = hashlib.sha256(body).digest()
        response = self._send("POST", "/v1/submissions", body, signed=True, accept=(200, 409), sha256=digest)
        return BatchReply(_parse(BatchResult, response), body, response.status_code, digest)

    def enroll_partner(self, request: PartnerEnrollRequest) -> EnrollResponse:
        """A partner joins with a one-time partner token (unsigned; the body carries a proof)."""
        body = request.model_dump_json().encode()
        return _parse(EnrollResponse, self._send("POST", "/v1/partners/enroll", body, signed=False))

    def send_referrals(self, batch: ReferralBatch) -> BatchReply:
        """Send sealed referrals; the answer is a signed receipt, as for interviews."""
        body = batch.model_dump_json().encode()
        response = self._send("POST", "/v1/referrals", body, signed=True)
        return BatchReply(_parse(BatchResult, response), body, response.status_code)

    def referral_events(self) -> ReferralEvents:
        """The status changes of the referrals this device sent."""
        return _parse(ReferralEvents, self._send("GET", "/v1/referrals/events", b"", signed=True))

    def post_referral_event(self, path: str, request: ReferralEventRequest) -> ReferralEvent:
        """Record a signed status change at `path` (a partner's or the device's events path)."""
        body = request.model_dump_json().encode()
        return _parse(ReferralEvent, self._send("POST", path, body, signed=True))

    def partner_inbox(self) -> InboxResponse:
        """The referrals addressed to this partner."""
        return _parse(InboxResponse, self._send("GET", "/v1/partner/inbox", b"", signed=True))

    def partner_referral(self, referral_id: str) -> InboxItem:
        """One referral addressed to this partner (SyncRejected with status 404 for any other)."""
        path = f"/v1/partner/referrals/{referral_id}"
        return _parse(InboxItem, self._send("GET", path, b"", signed=True))

    def updates(self, *, directory_version: int = 0) -> UpdatesResponse:
        """Fetch what the server has for this device (raises DeviceRefused once it is revoked).

        `directory_version` is the directory the device holds (0: none): a newer one comes back.
        """
        query = {"directory_version": str(directory_version)}
        return _parse(UpdatesResponse, self._send("GET", "/v1/updates", b"", signed=True, params=query))

    def call(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        signed: bool = True,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Any other call (the coordinator's desk, `sync.desk.api_client`), signed as this principal,
        with the same clock correction and the same mapping of failures to sync errors."""
        return self._send(method, path, body, signed=signed, params=params)

    def _send(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        signed: bool,
        accept: tuple[int, ...] = (200,),
        params: dict[str, str] | None = None,
        sha256: bytes | None = None,
    ) -> httpx.Response:
        for clock_retry in (False, True):
            headers = {"Content-Type": "application/json"} if body else {}
            if signed:
                if self.identity is None:
                    raise DeviceRefused()
                created = int(time.time() + self.clock_offset)
                headers.update(self.identity.sign(method, path, body, created=created, body_sha256=sha256))
            try:
                response = self._http.request(method, path, content=body, headers=headers, params=params)
            except httpx.TransportError as error:
                raise SyncTransportError() from error
            if signed and not clock_retry and self._learned_clock(response):
                continue  # re-signed with the server's time and a fresh nonce
            _raise_for_response(response, accept)
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    def _learned_clock(self, response: httpx.Response) -> bool:
        if response.status_code != 401:
            return False
        problem = _problem(response)
        if problem is None or problem.code != "clock_skew" or problem.server_time is None:
            return False
        self.clock_offset = problem.server_time / 1000 - time.time()
        return True


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every client in this process shares: httpx's defaults (its CA bundle, or
    `SSL_CERT_FILE`/`SSL_CERT_DIR`), loaded once. Each client would otherwise load the CA bundle
    again, ~20 ms, once per sync."""
    return httpx.create_ssl_context()


class _Borrowed(httpx.BaseTransport):
    """A transport the caller owns: used, never closed, so it serves many clients in turn."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._transport.handle_request(request)

    def close(self) -> None:
        pass


def _raise_for_response(response: httpx.Response, accept: tuple[int, ...]) -> None:
    """The one place an HTTP answer becomes a sync error."""
    status = response.status_code
    if status in accept:
        return
    if status == 429:
        raise RateLimited(retry_after=_retry_after(response))
    if status in (401, 403):
        problem = _problem(response)
        raise DeviceRefused(code=problem.code if problem else "refused")
    if status >= 500 or status < 200 or 300 <= status < 400:
        raise SyncTransportError()
    raise SyncRejected(status=status)


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "1")), 0.0), 3600.0)
    except ValueError:
        return 1.0


def _problem(response: httpx.Response) -> Problem | None:
    try:
        return Problem.model_validate_json(response.content)
    except ValidationError:
        return None


def parse_answer(model: type[_Model], response: httpx.Response) -> _Model:
    """Read an answer as `model` (NotTheServerError when it is not one)."""
    return _parse(model, response)


def _parse(model: type[_Model], response: httpx.Response) -> _Model:
    """Read an answer; anything else (say, a captive portal's 200 page) is a transport failure."""
    try:
        return model.model_validate_json(response.content)
    except (ValidationError, json.JSONDecodeError) as error:
        raise NotTheServerError() from error
