"""The device side of enrollment: turn a one-time code into an `Enrollment` kept in the device store.

The organisation's policy for the device's vault travels inside the code (`WP2:` codes) and comes back
with the enrollment (`OrganisationEnrollment.policy`). The device store saves both in one transaction,
so a device is never enrolled without the policy it was enrolled under.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client import SyncClient
from sync.code_authority import key_proof
from sync.enrollment_code import EnrollmentCode, OrganisationPolicy
from sync.errors import DeviceRefused, EnrollmentError, SyncRejected
from sync.identity import ed25519_public_bytes, ed25519_raw_private
from sync.receipts import verify_enrollment
from sync.stores import DeviceStore, Enrollment
from sync.wire import EnrollRequest, EnrollResponse, b64u_encode
from waypoint.core.i18n import N_

__all__ = ["OrganisationEnrollment", "join", "partner_proof_message", "proof_message"]


@dataclass(frozen=True)
class OrganisationEnrollment(Enrollment):
    """An enrollment as `join` returns it: with the policy the organisation set in the code, if any.

    A device store that keeps policies (the vault does) reads `policy` in `save_enrollment`; one that
    does not still receives a plain `Enrollment`'s fields.
    """

    policy: OrganisationPolicy | None = None


def proof_message(token: str, device_public_key: str) -> bytes:
    """What a device signs to prove it holds the private half of the key it enrolls."""
    return f"waypoint-enroll/1|{token}|{device_public_key}".encode()


def partner_proof_message(token: str, signing_public_key: str, sealing_public_key: str) -> bytes:
    """What a partner signs to prove it holds its signing key, naming the sealing key it enrolls."""
    return f"waypoint-partner-enroll/1|{token}|{signing_public_key}|{sealing_public_key}".encode()


def join(
    code: str,
    device_store: DeviceStore,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
) -> OrganisationEnrollment:
    """Enroll this device with the organisation's server named in `code`, and keep the result.

    A fresh Ed25519 key is made on the device and never leaves it; the server learns its public half
    and a proof of possession. When the device was enrolled before and still holds its key, it asks
    to keep its device id, so envelopes already sealed under that id stay valid.

    Args:
        code: the one-line enrollment code (`WP1:...` or, with a policy, `WP2:...`).
        device_store: where the enrollment and the signing key are kept (the vault).
        transport: an httpx transport for tests; None for the network.
        insecure_http: a test lab's explicit choice to enroll with a plain http:// server elsewhere.

    Returns:
        The new enrollment with the organisation's policy (None when the code has none), already
        saved in `device_store`.

    Raises:
        EnrollmentError: the code is unreadable, expired, used, or the server refused it.
        InsecureServerAddress: the code names a plain http:// server elsewhere (and no lab asked).
        SyncTransportError: the server could not be reached; try again with the same code.
        ReceiptError: the server that answered does not hold the key the code names.
    """
    parsed = EnrollmentCode.decode(code, insecure_http=insecure_http)
    if parsed.partner_organization is not None:
        raise EnrollmentError(
            N_("This code enrolls a partner organisation, not a device."),
            N_("Ask your coordinator for a new enrollment code."),
        )
    signing_key = Ed25519PrivateKey.generate()
    public_key = b64u_encode(ed25519_public_bytes(signing_key))
    message = proof_message(parsed.token, public_key)
    request = EnrollRequest(
        token=parsed.token,
        device_public_key=public_key,
        proof=b64u_encode(signing_key.sign(message)),
        **_continuity(device_store, message),
        **_vouching(parsed, ed25519_public_bytes(signing_key)),
    )
    response = submit_enrollment(
        parsed,
        lambda client: client.enroll(request),
        signing_public_key=public_key,
        transport=transport,
        insecure_http=insecure_http,
    )
    enrollment = OrganisationEnrollment(
        server_url=parsed.server_url,
        device_id=response.device_id,
        organisation_public_key=parsed.organisation_public_key,
        organisation_key_id=parsed.organisation_key_id,
        receipt_public_key=parsed.receipt_public_key,
        enrolled_at=datetime.now(UTC),
        policy=parsed.policy,
    )
    device_store.save_enrollment(enrollment, ed25519_raw_private(signing_key))
    return enrollment


def submit_enrollment(
    parsed: EnrollmentCode,
    post: Callable[[SyncClient], EnrollResponse],
    *,
    signing_public_key: str,
    transport: httpx.BaseTransport | None,
    insecure_http: bool,
) -> EnrollResponse:
    """Send an enrollment request (a device's or a partner's) to the server the code names, and check
    that the answer is signed by that server's receipt key.

    Raises:
        EnrollmentError: the server refused the code (expired or already used).
        ReceiptError: the answer was not signed by the server the code names.
    """
    with SyncClient(parsed.server_url, transport=transport, insecure_http=insecure_http) as client:
        try:
            response = post(client)
        except (DeviceRefused, SyncRejected) as error:
            raise EnrollmentError(
                N_("The server refused this enrollment code: it has expired or was already used."),
                N_("Ask your coordinator for a new enrollment code."),
            ) from error
    verify_enrollment(
        response,
        public_key=parsed.receipt_public_key,
        device_public_key=signing_public_key,
        token=parsed.token,
    )
    return response


def _vouching(code: EnrollmentCode, device_public_key: bytes) -> dict[str, str]:
    """The organisation's vouching for the new key, when the case desk authorised the code."""
    if code.authority is None:
        return {}
    proof = key_proof(code.authority.secret, device_public_key)
    return {"code_id": code.authority.code_id, "key_proof": b64u_encode(proof)}


def _continuity(device_store: DeviceStore, message: bytes) -> dict[str, str]:
    previous, previous_key = device_store.load_enrollment(), device_store.device_signing_key()
    if previous is None or previous_key is None:
        return {}
    try:
        old_key = Ed25519PrivateKey.from_private_bytes(previous_key)
    except ValueError:
        return {}
    return {"previous_device_id": previous.device_id, "previous_proof": b64u_encode(old_key.sign(message))}
