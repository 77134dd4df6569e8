"""Plain http:// only on loopback, or when a lab asks for it by name (issue 11, finding 10).

TS001: an address is allowed when it is https, or http on loopback (127.0.0.0/8, ::1, localhost);
       look-alikes (localhost.example, 127.0.0.1.example, 0.0.0.0) are not loopback.
TS002: an enrollment code naming a plain-http server elsewhere is refused when read, with an error that
       says to ask for an https code; `insecure_http=True` (the lab) reads it.
TS003: the administrator cannot make such a code without `insecure_http=True`.
TS004: the client refuses to talk to such a server (enrolling or sending) unless told `insecure_http`,
       before any byte is sent.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_fakes import MemoryDeviceStore, MemoryOutboxStore, make_enrollment

from sync import EnrollmentCode, Outbox, SyncClient, join
from sync.identity import DeviceIdentity
from sync.server import create_enrollment_code
from waypoint.core.errors import WaypointError

try:
    from sync.transport_security import InsecureServerAddress, check_server_transport
except ImportError:  # the code before this finding was fixed: every test here fails, none is skipped
    InsecureServerAddress = type("InsecureServerAddress", (Exception,), {})  # type: ignore[misc,assignment]

    def check_server_transport(url: str, *, insecure_http: bool = False) -> str:
        raise AssertionError("no transport check")


ALLOWED = [
    "https://referrals.example.org",
    "https://192.0.2.10:8443/base",
    "http://127.0.0.1:8551",
    "http://127.12.0.3",
    "http://[::1]:8551",
    "http://localhost:8551",
    "http://LOCALHOST",
]
REFUSED = [
    "http://referrals.example.org",
    "http://192.0.2.10:8551",
    "http://localhost.example.org",
    "http://127.0.0.1.example.org",
    "http://0.0.0.0:8551",
    "http://[::ffff:192.0.2.1]",
    "http://10.0.0.5",
]


@pytest.mark.parametrize("url", ALLOWED)
def test_ts001_https_or_loopback_is_allowed(url: str) -> None:
    assert check_server_transport(url) == url


@pytest.mark.parametrize("url", REFUSED)
def test_ts001_plain_http_elsewhere_is_refused(url: str) -> None:
    with pytest.raises(InsecureServerAddress) as refused:
        check_server_transport(url)
    message = refused.value.message()
    assert "https://" in message and "--insecure-http" in message
    assert check_server_transport(url, insecure_http=True) == url


def _code(url: str) -> str:
    return EnrollmentCode(
        server_url=url,
        organisation_public_key=os.urandom(32),
        organisation_key_id="k",
        receipt_public_key=os.urandom(32),
        token="A" * 22,
        expires_at=int(time.time()) + 900,
    ).encode()


def test_ts002_a_code_for_plain_http_elsewhere_is_refused_when_read() -> None:
    code = _code("http://referrals.example.org")
    with pytest.raises(InsecureServerAddress) as refused:
        EnrollmentCode.decode(code)
    assert "http://referrals.example.org" in refused.value.message()
    assert EnrollmentCode.decode(code, insecure_http=True).server_url == "http://referrals.example.org"
    assert EnrollmentCode.decode(_code("http://127.0.0.1:9")).server_url == "http://127.0.0.1:9"
    assert EnrollmentCode.decode(_code("https://r.example.org")).server_url == "https://r.example.org"


def test_ts003_the_administrator_needs_insecure_http_for_such_a_code(
    sqlite_url: str, public_key_file: Path
) -> None:
    with pytest.raises(InsecureServerAddress) as refused:
        create_enrollment_code(sqlite_url, "http://lab.example.org", public_key_file=public_key_file)
    assert "--insecure-http" in refused.value.message()
    code = create_enrollment_code(
        sqlite_url, "http://lab.example.org", public_key_file=public_key_file, insecure_http=True
    )
    assert EnrollmentCode.decode(code, insecure_http=True).server_url == "http://lab.example.org"
    assert create_enrollment_code(sqlite_url, "http://127.0.0.1:8551").startswith("WP1:")


def _counting_transport(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda transport, insecure: SyncClient(
            "http://referrals.example.org",
            identity=DeviceIdentity.from_raw("device-1", os.urandom(32)),
            transport=transport,
            insecure_http=insecure,
        ).updates(),
        lambda transport, insecure: join(
            _code("http://referrals.example.org"),
            MemoryDeviceStore(),
            transport=transport,
            insecure_http=insecure,
        ),
    ],
    ids=["client", "join"],
)
def test_ts004_the_client_refuses_plain_http_elsewhere(
    attempt: Callable[[httpx.BaseTransport, bool], object],
) -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(InsecureServerAddress):
        attempt(_counting_transport(seen), False)
    assert seen == []  # refused before anything was sent
    with pytest.raises(WaypointError) as reached:
        attempt(_counting_transport(seen), True)
    assert not isinstance(reached.value, InsecureServerAddress)
    assert len(seen) >= 1


def test_ts004_sending_refuses_a_stored_plain_http_address() -> None:
    organisation = X25519PrivateKey.generate()
    enrollment = make_enrollment(organisation, "device-1", server_url="http://referrals.example.org")
    outbox = MemoryOutboxStore()
    outbox.seal_and_add(enrollment, "interview-1", b"{}")
    store = MemoryDeviceStore(enrollment, os.urandom(32))
    seen: list[httpx.Request] = []
    with pytest.raises(InsecureServerAddress):
        Outbox(outbox, store, _counting_transport(seen)).send_pending(deadline=1)
    assert seen == [] and outbox.counts().pending == 1
    report = Outbox(outbox, store, _counting_transport(seen), insecure_http=True).send_pending(deadline=0.2)
    assert seen and report.pending == 1
