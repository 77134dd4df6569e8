"""Generated requests against the referral server's own OpenAPI document (schemathesis).

ST001: across at least 1,000 generated cases, the server never answers 5xx, and every answer
       conforms to the document: status code, content type, headers and body schema.

The server runs under uvicorn on 127.0.0.1 (port 0). A requests session signs every request as an
enrolled device (RFC 9421), so generated batches get past authentication into the storage code; one
item of each generated positive batch is swapped for a really sealed envelope, so the accept, duplicate
and conflict paths run too, not only the "bad envelope" one.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from sync_fakes import MemoryDeviceStore
from sync_servers import ThreadedServer

from sync import Enrollment, join, seal_submission
from sync.errors import EnvelopeError
from sync.identity import DeviceIdentity
from sync.server import ServerSettings, create_app, create_enrollment_code

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
]
CASES_RUN: list[str] = []
# A negative case may be refused for its size before its content is read: 413 is a rejection too.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]


class DeviceSigner(requests.auth.AuthBase):
    """Sign each prepared request (its final bytes) as the enrolled device."""

    def __init__(self, identity: DeviceIdentity, enrollment: Enrollment, seed: int = 3) -> None:
        self.identity, self.enrollment, self.rng = identity, enrollment, random.Random(seed)
        # Only for positive cases: swapping in a real envelope could repair what a negative case broke
        # on purpose (a missing or malformed envelope), and the server would then rightly accept it.
        self.swap_envelopes = True

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if "Signature" not in request.headers:
            return request  # a negative case without the security header: send it unsigned, as generated
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        path = urlsplit(request.path_url).path
        if path == "/v1/submissions" and body and self.swap_envelopes:
            body = self._with_real_envelope(body)
            request.body = body
            request.headers["Content-Length"] = str(len(body))
        request.headers.update(self.identity.sign(str(request.method), path, body))
        return request

    def _with_real_envelope(self, body: bytes) -> bytes:
        try:
            document = json.loads(body)
            item = document["items"][0]
            interview_id = item["interview_id"]
        except (ValueError, KeyError, IndexError, TypeError):
            return body  # not a well-formed batch: let the server refuse it as it is
        marker = str(self.rng.randrange(3))  # few variants: same id with other content -> conflicts
        try:
            envelope = seal_submission(
                marker.encode(),
                enrollment=self.enrollment,
                interview_id=str(interview_id),
                protocol_id=str(item.get("protocol_id", "adult")),
                protocol_version=str(item.get("protocol_version", "1")),
            )
        except EnvelopeError:
            return body  # a negative case with an empty id: keep it as generated
        item["envelope"] = base64.b64encode(envelope).decode()
        return json.dumps(document).encode()


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Any]]:
    public_key_file: Path = request.getfixturevalue("public_key_file")
    database_url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'referral.db'}"
    settings_ = ServerSettings(
        database_url=database_url,
        public_key_file=public_key_file,
        rate_limit_per_minute=10_000_000,
        rate_limit_burst=10_000_000,
        enroll_rate_limit_per_minute=10_000_000,
    )
    app = create_app(settings_)
    with ThreadedServer(app) as server:
        store = MemoryDeviceStore()
        join(create_enrollment_code(database_url, server.url), store)
        assert store.enrollment is not None and store.signing_key is not None
        session = requests.Session()
        identity = DeviceIdentity.from_raw(store.enrollment.device_id, store.signing_key)
        session.auth = DeviceSigner(identity, store.enrollment)
        yield {"url": server.url, "session": session}
        session.close()
    app.state.waypoint.engine.dispose()


@pytest.fixture(scope="module")
def referral_schema(live_server: dict[str, Any]) -> Any:
    config = SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
    )
    return schemathesis.openapi.from_url(f"{live_server['url']}/openapi.json", config=config)


OPERATIONS = [
    ("POST", "/v1/enroll", GenerationMode.POSITIVE, 300),
    ("POST", "/v1/enroll", GenerationMode.NEGATIVE, 150),
    ("POST", "/v1/submissions", GenerationMode.POSITIVE, 400),
    ("POST", "/v1/submissions", GenerationMode.NEGATIVE, 150),
    ("GET", "/v1/updates", GenerationMode.POSITIVE, 30),
    ("GET", "/v1/updates", GenerationMode.NEGATIVE, 30),
    ("GET", "/v1/health", GenerationMode.POSITIVE, 10),
]


@pytest.mark.parametrize(("method", "path", "mode", "examples"), OPERATIONS)
def test_st001_generated_requests(
    referral_schema: Any,
    live_server: dict[str, Any],
    method: str,
    path: str,
    mode: GenerationMode,
    examples: int,
) -> None:
    (operation,) = [
        result.ok()
        for result in referral_schema.get_all_operations()
        if (result.ok().method.upper(), result.ok().path) == (method, path)
    ]
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS
    live_server["session"].auth.swap_envelopes = mode is GenerationMode.POSITIVE

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        CASES_RUN.append(f"{method} {path}")
        case.call_and_validate(session=live_server["session"], checks=checks, timeout=30)

    run()


def test_st001_enough_cases_ran() -> None:
    """Runs after the generated tests (same module, file order): at least 1,000 cases in all."""
    print(f"schemathesis: {len(CASES_RUN)} generated cases")
    assert len(CASES_RUN) >= 1000, len(CASES_RUN)
