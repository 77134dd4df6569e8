"""The coordinator's HTTP client: the organisation's case desk talking to the referral server.

It enrolls the coordinator principal (`sync.desk.coordinator_key`: a key derived from the organisation
key, signed by it) and then signs every call with that key, through the same `SyncClient` machinery
devices and partners use (RFC 9421 signatures, clock correction, one mapping of failures to errors).
It also implements `sync.desk.export.SubmissionSource` and the referral source
`sync.desk.referrals.open_referrals` reads, so the desk opens what it fetches with the same checks as
the command-line export.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from types import TracebackType
from typing import TypeVar

import httpx
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import BaseModel

from sync.client import SyncClient, parse_answer
from sync.code_authority import VouchedKey
from sync.desk.coordinator_key import coordinator_signing_key, enroll_request
from sync.identity import DeviceIdentity, ed25519_raw_private
from sync.server.desk_wire import (
    AuditPage,
    CodeRequest,
    CodeResponse,
    CoordinatorEnrolled,
    DeskDevice,
    DeskDevices,
    DeskPartners,
    DeskReferrals,
    DeskSubmission,
    DirectoryPublish,
    DirectoryVersionView,
    RevokeResponse,
    SubmissionPage,
)
from sync.server.models import ReferralEventRow
from sync.server.reading import StoredPartner, StoredReferral, StoredSubmission
from sync.wire import (
    BatchResult,
    ReferralBatch,
    ReferralEvent,
    ReferralEventRequest,
    b64u_decode,
    b64u_encode,
)

__all__ = ["PAGE", "CoordinatorClient"]

PAGE = 500
_M = TypeVar("_M", bound=BaseModel)


class CoordinatorClient:
    """One coordinator session on one referral server; enroll once, then call.

    Args:
        server_url: the referral server (https, or http on this computer).
        organisation_key: the organisation's X25519 private key (kept by the caller, in memory).
        transport: an httpx transport (tests pass the server in-process).
        insecure_http: a test lab's plain http:// server on another machine.
    """

    def __init__(
        self,
        server_url: str,
        organisation_key: X25519PrivateKey,
        *,
        transport: httpx.BaseTransport | None = None,
        insecure_http: bool = False,
    ) -> None:
        self.server_url = server_url
        self._organisation_key = organisation_key
        self._signing = coordinator_signing_key(organisation_key)
        self._client = SyncClient(server_url, transport=transport, insecure_http=insecure_http)
        self.coordinator_id: str | None = None
        self._devices: dict[str, DeskDevice] | None = None

    def __enter__(self) -> CoordinatorClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    @property
    def signing_key_raw(self) -> bytes:
        """The coordinator's raw Ed25519 private key (signs referrals the desk sends)."""
        return ed25519_raw_private(self._signing)

    def enroll(self) -> str:
        """Enroll the coordinator principal (idempotent) and sign every later call as it; its id."""
        body = enroll_request(self._organisation_key).model_dump_json().encode()
        response = self._client.call("POST", "/v1/coordinators/enroll", body, signed=False)
        enrolled = parse_answer(CoordinatorEnrolled, response)
        self.coordinator_id = enrolled.coordinator_id
        self._client.identity = DeviceIdentity(enrolled.coordinator_id, self._signing)
        return enrolled.coordinator_id

    def _get(self, model: type[_M], path: str, params: dict[str, str] | None = None) -> _M:
        self._ensure_enrolled()
        return parse_answer(model, self._client.call("GET", path, params=params))

    def _post(self, model: type[_M], path: str, body: BaseModel | None = None) -> _M:
        self._ensure_enrolled()
        content = b"{}" if body is None else body.model_dump_json().encode()
        return parse_answer(model, self._client.call("POST", path, content))

    def _ensure_enrolled(self) -> None:
        if self.coordinator_id is None:
            self.enroll()

    # -- what the desk reads ------------------------------------------------------------------

    def submission_pages(
        self, *, after: int = 0, page_size: int = PAGE, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[DeskSubmission]:
        """Every stored envelope after row `after`, page by page; `progress(done, total)` per page."""
        done, total = 0, None
        cursor: int | None = after
        while cursor is not None:
            params = {"after": str(cursor), "limit": str(page_size)}
            page = self._get(SubmissionPage, "/v1/desk/submissions", params)
            if total is None:
                total = page.remaining
            yield from page.items
            done += len(page.items)
            if progress is not None:
                progress(done, max(total, done))
            cursor = page.next_after

    def devices(self, *, fresh: bool = False) -> dict[str, DeskDevice]:
        """Every device by id (cached until `fresh`)."""
        if self._devices is None or fresh:
            self._devices = {d.device_id: d for d in self._get(DeskDevices, "/v1/desk/devices").devices}
        return self._devices

    def partners(self) -> list[StoredPartner]:
        return [
            StoredPartner(
                p.partner_id,
                p.organization_id,
                p.status,
                b64u_decode(p.signing_public_key),
                b64u_decode(p.sealing_public_key),
                p.enrolled_at,
                p.code_id,
                None if p.key_proof is None else b64u_decode(p.key_proof),
            )
            for p in self._get(DeskPartners, "/v1/desk/partners").partners
        ]

    def referrals(self) -> list[StoredReferral]:
        return [
            StoredReferral(
                r.referral_id,
                r.device_id,
                r.partner_id,
                base64.b64decode(r.for_organisation),
                r.received_at,
                tuple(
                    ReferralEventRow(
                        event_id=e.event_id,
                        referral_id=r.referral_id,
                        status=e.status,
                        at=e.at,
                        actor_id=e.actor_id,
                        actor_role=e.actor_role,
                        detail=None if e.detail is None else base64.b64decode(e.detail),
                        detail_sha256=e.detail_sha256,
                        signature=b64u_decode(e.signature),
                        recorded_at=0,
                    )
                    for e in r.events
                ),
            )
            for r in self._get(DeskReferrals, "/v1/desk/referrals").referrals
        ]

    def audit(self, *, limit: int = 200) -> AuditPage:
        return self._get(AuditPage, "/v1/desk/audit", {"limit": str(limit)})

    def latest_directory(self) -> DirectoryVersionView:
        return self._get(DirectoryVersionView, "/v1/desk/directory")

    # -- SubmissionSource (sync.desk.export) --------------------------------------------------

    def submissions(self, *, batch_size: int = PAGE) -> Iterator[StoredSubmission]:
        for item in self.submission_pages(page_size=batch_size):
            yield _stored(item)

    def lineage(self, device_id: str) -> Sequence[str]:
        """`device_id`, then the revoked devices it continues (newest first, bounded)."""
        known = self.devices()
        chain = [device_id]
        while len(chain) < 32:
            found = known.get(chain[-1])
            predecessor = None if found is None else found.predecessor_id
            if predecessor is None or predecessor in chain:
                break
            chain.append(predecessor)
        return chain

    def device_keys(self, device_id: str) -> Sequence[VouchedKey]:
        found = self.devices().get(device_id)
        if found is None:
            return []
        return [
            VouchedKey(
                b64u_decode(key.public_key),
                key.code_id,
                None if key.key_proof is None else b64u_decode(key.key_proof),
            )
            for key in found.keys
        ]

    # -- what the desk changes ----------------------------------------------------------------

    def create_code(
        self,
        server_url: str,
        *,
        organization_id: str | None = None,
        ttl: timedelta = timedelta(minutes=15),
        insecure_http: bool = False,
    ) -> CodeResponse:
        request = CodeRequest(
            server_url=server_url,
            ttl_seconds=int(ttl.total_seconds()),
            organization_id=organization_id,
            insecure_http=insecure_http,
        )
        return self._post(CodeResponse, "/v1/desk/codes", request)

    def revoke_device(self, device_id: str) -> RevokeResponse:
        return self._post(RevokeResponse, f"/v1/desk/devices/{device_id}/revoke")

    def revoke_partner(self, partner_id: str) -> RevokeResponse:
        return self._post(RevokeResponse, f"/v1/desk/partners/{partner_id}/revoke")

    def publish_directory(self, version: int, document: bytes, signature: bytes) -> DirectoryVersionView:
        body = DirectoryPublish(
            version=version, document=base64.b64encode(document).decode(), signature=b64u_encode(signature)
        )
        return self._post(DirectoryVersionView, "/v1/desk/directory", body)

    def send_referrals(self, batch: ReferralBatch) -> BatchResult:
        """Send referrals the coordinator sealed, as devices do (`POST /v1/referrals`)."""
        return self._post(BatchResult, "/v1/referrals", batch)

    def revoke_referral(self, referral_id: str, request: ReferralEventRequest) -> ReferralEvent:
        return self._post(ReferralEvent, f"/v1/referrals/{referral_id}/events", request)


def _stored(item: DeskSubmission) -> StoredSubmission:
    return StoredSubmission(
        item.interview_id,
        item.device_id,
        item.protocol_id,
        item.protocol_version,
        base64.b64decode(item.envelope),
    )
