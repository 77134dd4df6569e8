"""Request signatures: RFC 9421 interoperability, digest binding, and parsing that never crashes.

SG001: our signatures verify with an independent RFC 9421 implementation (http-message-signatures),
       including its Content-Digest check of the body.
SG002: signatures made by that implementation verify with ours, and the real server accepts them
       (its parameter order differs from ours: parsing is by structured fields, not by position).
SG003: any change to the method, path, device id or digest breaks the signature.
SG004: arbitrary header values never crash the parser: it returns a signature or raises SignatureError.
SG005: Content-Digest is RFC 9530 `sha-256=:base64:` and is checked against the body.
"""

from __future__ import annotations

import datetime
import json
import uuid

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, MappingKeyResolver, algorithms
from hypothesis import given, settings
from hypothesis import strategies as st
from sync_servers import Server

from sync.errors import SignatureError
from sync.identity import ed25519_public_bytes
from sync.signing import (
    COVERED_COMPONENTS,
    check_content_digest,
    content_digest,
    parse_signature,
    sign_request,
)

DEVICE_ID = "0d9f3c1e-4a1b-4c2d-8e3f-5a6b7c8d9e0f"
KEY = Ed25519PrivateKey.generate()
BODY = b'{"items": []}'
PATH = "/v1/submissions"


def _request(headers: dict[str, str], body: bytes = BODY, path: str = PATH) -> httpx.Request:
    return httpx.Request("POST", f"https://referrals.example.org{path}", headers=headers, content=body)


def _verifier() -> HTTPMessageVerifier:
    resolver = MappingKeyResolver(public_keys={DEVICE_ID: KEY.public_key()}, private_keys={})
    return HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)


def test_sg001_our_signature_verifies_independently() -> None:
    headers = sign_request(method="POST", path=PATH, body=BODY, device_id=DEVICE_ID, signing_key=KEY)
    (result,) = _verifier().verify(_request(headers), require_components=COVERED_COMPONENTS, body=BODY)
    assert result.parameters["keyid"] == DEVICE_ID
    assert result.parameters["alg"] == "ed25519"
    assert result.label == "wp"
    assert result.body == BODY


def test_sg001_independent_verifier_rejects_tampering() -> None:
    headers = sign_request(method="POST", path=PATH, body=BODY, device_id=DEVICE_ID, signing_key=KEY)
    with pytest.raises(Exception, match=r"(?i)digest|signature"):
        _verifier().verify(_request(headers, body=b'{"items": [1]}'), body=b'{"items": [1]}')


def _their_signature(body: bytes, nonce: str) -> httpx.Request:
    request = _request({"X-Device-Id": DEVICE_ID}, body=body)  # their library adds Content-Digest
    resolver = MappingKeyResolver(public_keys={}, private_keys={DEVICE_ID: KEY})
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    signer.sign(
        request,
        key_id=DEVICE_ID,
        nonce=nonce,
        label="wp",
        created=datetime.datetime.now(datetime.UTC),
        covered_component_ids=("@method", "@path", "x-device-id"),
        body=body,
    )
    return request


def test_sg002_independent_signature_verifies_with_ours() -> None:
    request = _their_signature(BODY, "independent-nonce-1")
    parsed = parse_signature(request.headers, method="POST", path=PATH)
    parsed.verify(ed25519_public_bytes(KEY))
    check_content_digest(request.headers["content-digest"], BODY)
    assert (parsed.device_id, parsed.nonce) == (DEVICE_ID, "independent-nonce-1")


def test_sg002_server_accepts_an_independent_signature(server: Server) -> None:
    store, _enrollment = server.enroll()
    assert store.enrollment is not None and store.signing_key is not None
    device_key = Ed25519PrivateKey.from_private_bytes(store.signing_key)
    device_id = store.enrollment.device_id
    headers = {
        "X-Device-Id": device_id,
        "Content-Digest": content_digest(b""),
    }  # the library adds none if empty
    request = httpx.Request("GET", f"{server.url}/v1/updates", headers=headers)
    resolver = MappingKeyResolver(public_keys={}, private_keys={device_id: device_key})
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver).sign(
        request,
        key_id=device_id,
        nonce=uuid.uuid4().hex,
        label="wp",
        covered_component_ids=COVERED_COMPONENTS,
        body=b"",
        use_existing_digest=True,
    )
    response = httpx.Client(transport=server.transport).send(request)
    assert response.status_code == 200, response.text
    assert response.json()["device_id"] == device_id


@pytest.mark.parametrize(
    ("method", "path", "device_id", "body"),
    [
        ("PUT", PATH, DEVICE_ID, BODY),
        ("POST", "/v1/updates", DEVICE_ID, BODY),
        ("POST", PATH, "another-device", BODY),
    ],
)
def test_sg003_changes_break_the_signature(method: str, path: str, device_id: str, body: bytes) -> None:
    headers = sign_request(method="POST", path=PATH, body=BODY, device_id=DEVICE_ID, signing_key=KEY)
    headers["X-Device-Id"] = device_id
    try:
        parsed = parse_signature(httpx.Headers(headers), method=method, path=path)
    except SignatureError as error:
        assert error.check == "malformed_signature"  # keyid no longer matches X-Device-Id
        return
    with pytest.raises(SignatureError, match="bad_signature"):
        parsed.verify(ed25519_public_bytes(KEY))


def test_sg003_changed_digest_header_breaks_the_signature() -> None:
    headers = sign_request(method="POST", path=PATH, body=BODY, device_id=DEVICE_ID, signing_key=KEY)
    headers["Content-Digest"] = content_digest(b"other body")
    parsed = parse_signature(httpx.Headers(headers), method="POST", path=PATH)
    with pytest.raises(SignatureError):
        parsed.verify(ed25519_public_bytes(KEY))


header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200)


@settings(max_examples=300, deadline=None)
@given(signature_input=header_text, signature=header_text, device_id=header_text, digest=header_text)
def test_sg004_parser_never_crashes(
    signature_input: str, signature: str, device_id: str, digest: str
) -> None:
    headers = httpx.Headers(
        {
            "Signature-Input": signature_input,
            "Signature": signature,
            "X-Device-Id": device_id,
            "Content-Digest": digest,
        }
    )
    try:
        parse_signature(headers, method="POST", path=PATH)
    except SignatureError as error:
        assert error.check in {"missing_signature", "malformed_signature"}
    try:
        check_content_digest(digest, BODY)
    except SignatureError as error:
        assert error.check == "digest_mismatch"


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_sg004_mutated_real_headers_never_crash(data: st.DataObject) -> None:
    headers = sign_request(method="POST", path=PATH, body=BODY, device_id=DEVICE_ID, signing_key=KEY)
    name = data.draw(st.sampled_from(sorted(headers)))
    value = headers[name]
    position = data.draw(st.integers(0, len(value)))
    inserted = data.draw(header_text.filter(lambda text: text != ""))
    headers[name] = value[:position] + inserted + value[position + 1 :]
    try:
        parse_signature(httpx.Headers(headers), method="POST", path=PATH).verify(ed25519_public_bytes(KEY))
    except SignatureError:
        pass


def test_sg005_content_digest_format() -> None:
    assert content_digest(b"") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    check_content_digest(content_digest(BODY), BODY)
    for wrong in (None, "", "sha-512=:AAAA:", content_digest(b"x"), "not a dictionary (", "sha-256=1"):
        with pytest.raises(SignatureError, match="digest_mismatch"):
            check_content_digest(wrong, BODY)
    assert json.loads(BODY) == {"items": []}
