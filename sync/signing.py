"""Signed requests: RFC 9421 HTTP Message Signatures over an RFC 9530 `Content-Digest`, with Ed25519.

Each request a device sends carries

    Content-Digest: sha-256=:<base64 of SHA-256(body)>:
    X-Device-Id: <device id>
    Signature-Input: wp=("@method" "@path" "content-digest" "x-device-id");created=<unix s>;
                     nonce="<random>";keyid="<device id>";alg="ed25519"
    Signature: wp=:<base64 Ed25519 signature of the signature base>:

so a signature is bound to one method, path and body, and to a moment (`created`) and a nonce that the
server remembers for the whole acceptance window: a replay is refused. Retries are signed afresh.
`Signature-Input` is parsed as an RFC 8941 structured field (`http-sf`), never with a regex, since
other implementations order the parameters differently.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import http_sf
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.errors import SignatureError

__all__ = [
    "COVERED_COMPONENTS",
    "SIGNATURE_LABEL",
    "ParsedSignature",
    "check_content_digest",
    "content_digest",
    "parse_signature",
    "sign_request",
]

SIGNATURE_LABEL = "wp"
COVERED_COMPONENTS = ("@method", "@path", "content-digest", "x-device-id")
ALGORITHM = "ed25519"
NONCE_BYTES = 16
MAX_NONCE_LENGTH = 64


@dataclass(frozen=True)
class ParsedSignature:
    """A request's signature, parsed but not yet verified: what the server needs to check it."""

    device_id: str
    created: int
    nonce: str
    base: bytes
    signature: bytes

    def verify(self, public_key: bytes) -> None:
        """Check the signature with the device's raw Ed25519 public key.

        Raises:
            SignatureError: the signature does not verify (code `bad_signature`).
        """
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(self.signature, self.base)
        except (InvalidSignature, ValueError) as error:
            raise SignatureError(check="bad_signature") from error


def content_digest(body: bytes, *, sha256: bytes | None = None) -> str:
    """The RFC 9530 `Content-Digest` value for `body` (SHA-256; `sha256`: already computed)."""
    return http_sf.ser({"sha-256": (sha256 or hashlib.sha256(body).digest(), {})})


def sign_request(
    *,
    method: str,
    path: str,
    body: bytes,
    device_id: str,
    signing_key: Ed25519PrivateKey,
    created: int | None = None,
    nonce: str | None = None,
    body_sha256: bytes | None = None,
) -> dict[str, str]:
    """Headers that sign one request as this device.

    Args:
        method: the HTTP method, e.g. "POST".
        path: the request path as sent, without the query, e.g. "/v1/submissions".
        body: the exact body bytes sent (empty for GET).
        device_id: this device's id, also the signature's `keyid`.
        signing_key: this device's Ed25519 private key.
        created: the signature time in Unix seconds (default: now).
        nonce: a fresh random nonce (default: 128 random bits); never reuse one.
        body_sha256: the body's SHA-256, when the caller has it already (it is not computed again).

    Returns:
        `Content-Digest`, `X-Device-Id`, `Signature-Input` and `Signature` headers.
    """
    digest = content_digest(body, sha256=body_sha256)
    params: dict[str, Any] = {
        "created": int(time.time()) if created is None else created,
        "nonce": nonce or secrets.token_urlsafe(NONCE_BYTES),
        "keyid": device_id,
        "alg": ALGORITHM,
    }
    members: Any = [(component, {}) for component in COVERED_COMPONENTS]
    signature_input = http_sf.ser({SIGNATURE_LABEL: (members, params)})
    values = {"@method": method.upper(), "@path": path, "content-digest": digest, "x-device-id": device_id}
    base = _signature_base(COVERED_COMPONENTS, values, signature_input.split("=", 1)[1])
    signature = signing_key.sign(base)
    return {
        "Content-Digest": digest,
        "X-Device-Id": device_id,
        "Signature-Input": signature_input,
        "Signature": http_sf.ser({SIGNATURE_LABEL: (signature, {})}),
    }


def parse_signature(headers: Mapping[str, str], *, method: str, path: str) -> ParsedSignature:
    """Parse and check the shape of a request's signature headers (the server side).

    The covered components must include all of `COVERED_COMPONENTS`; `keyid` must equal `X-Device-Id`;
    `alg`, when present, must be ed25519. The time window, the nonce and the digest are checked by
    the caller, which knows the clock, the nonce store and the body.

    Args:
        headers: the request headers, with case-insensitive lookup (lower-case keys suffice).
        method: the request method.
        path: the request path as received, without the query.

    Raises:
        SignatureError: code `missing_signature` or `malformed_signature`.
    """
    signature_input = headers.get("signature-input")
    signature_header = headers.get("signature")
    device_id = headers.get("x-device-id")
    if not signature_input or not signature_header or not device_id:
        raise SignatureError(check="missing_signature")
    try:
        # Typed Any on purpose: every shape is checked below, the library's union type cannot say more.
        inputs: Any = http_sf.parse(
            signature_input.encode("latin-1"), tltype="dictionary", on_duplicate_key=_refuse
        )
        signatures: Any = http_sf.parse(
            signature_header.encode("latin-1"), tltype="dictionary", on_duplicate_key=_refuse
        )
    except (http_sf.StructuredFieldError, UnicodeEncodeError, ValueError) as error:
        raise SignatureError(check="malformed_signature") from error
    if not isinstance(inputs, dict) or not isinstance(signatures, dict):
        raise SignatureError(check="malformed_signature")
    member, signature_member = inputs.get(SIGNATURE_LABEL), signatures.get(SIGNATURE_LABEL)
    if not isinstance(member, tuple) or not isinstance(signature_member, tuple):
        raise SignatureError(check="malformed_signature")
    components, params = member
    signature = signature_member[0]
    if not isinstance(components, list) or not isinstance(signature, bytes):
        raise SignatureError(check="malformed_signature")
    names: tuple[str, ...] = tuple(name for name, component_params in components if not component_params)
    if len(names) != len(components) or not all(isinstance(name, str) for name in names):
        raise SignatureError(check="malformed_signature")
    if not set(COVERED_COMPONENTS) <= set(names) or len(set(names)) != len(names):
        raise SignatureError(check="malformed_signature")
    created, nonce, keyid = params.get("created"), params.get("nonce"), params.get("keyid")
    if not isinstance(created, int) or isinstance(created, bool) or not isinstance(nonce, str):
        raise SignatureError(check="malformed_signature")
    if not 8 <= len(nonce) <= MAX_NONCE_LENGTH or keyid != device_id:
        raise SignatureError(check="malformed_signature")
    if params.get("alg", ALGORITHM) != ALGORITHM:
        raise SignatureError(check="malformed_signature")
    values: dict[str, str] = {"@method": method.upper(), "@path": path}
    for name in names:
        if not name.startswith("@"):
            value = headers.get(name)
            if value is None:
                raise SignatureError(check="malformed_signature")
            values[name] = value
        elif name not in values:
            raise SignatureError(check="malformed_signature")
    params_value = http_sf.ser({SIGNATURE_LABEL: member}).split("=", 1)[1]
    base = _signature_base(names, values, params_value)
    return ParsedSignature(device_id=device_id, created=created, nonce=nonce, base=base, signature=signature)


def check_content_digest(header: str | None, body: bytes, *, sha256: bytes | None = None) -> None:
    """Check that a `Content-Digest` header carries the SHA-256 of `body` (`sha256`: already computed).

    Raises:
        SignatureError: code `digest_mismatch` (missing, malformed, no sha-256, or another digest).
    """
    if not header:
        raise SignatureError(check="digest_mismatch")
    try:
        parsed: Any = http_sf.parse(header.encode("latin-1"), tltype="dictionary")
    except (http_sf.StructuredFieldError, UnicodeEncodeError, ValueError) as error:
        raise SignatureError(check="digest_mismatch") from error
    member = parsed.get("sha-256") if isinstance(parsed, dict) else None
    if not isinstance(member, tuple) or member[0] != (sha256 or hashlib.sha256(body).digest()):
        raise SignatureError(check="digest_mismatch")


def _signature_base(names: tuple[str, ...], values: Mapping[str, str], params_value: str) -> bytes:
    lines = [f'"{name}": {values[name].strip()}' for name in names]
    lines.append(f'"@signature-params": {params_value}')
    return "\n".join(lines).encode()


def _refuse(key: str, context: str) -> None:
    raise ValueError(f"duplicate {context} key {key!r}")
