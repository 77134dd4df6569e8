"""A partner's side of a referral: read its inbox, open each referral, and answer with a signed status.

Every referral is opened with the partner's X25519 key and its device signature checked against the
keys the sending device enrolled with (`sync.referral_seal.open_referral`); one that does not verify is
listed with its reason and never shown. Nothing opened is written anywhere: the command line prints it.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from sync.client import SyncClient
from sync.partner_enroll import PartnerKeyPair, PartnerState, organisation_key
from sync.referral_seal import (
    ReferralNotVerifiedError,
    StatusStatement,
    detail_digest,
    open_referral,
    seal_detail,
    sign_status,
)
from sync.wire import InboxItem, ReferralEvent, ReferralEventRequest, b64u_decode, b64u_encode

__all__ = ["InboxReferral", "change_status", "fetch_inbox", "fetch_referral", "partner_client"]


@dataclass(frozen=True)
class InboxReferral:
    """One referral in a partner's inbox: opened and verified (`package`), or why not (`refused`)."""

    referral_id: str
    status: str
    received_at: int  # Unix ms, UTC
    package: dict[str, Any] | None
    refused: str | None = None


def _open(item: InboxItem, state: PartnerState, keys: PartnerKeyPair) -> InboxReferral:
    try:
        package = open_referral(
            base64.b64decode(item.envelope),
            private_key=keys.sealing,
            recipient="partner",
            referral_id=item.referral_id,
            device_id=item.device_id,
            partner_id=state.partner_id,
            device_public_keys=[b64u_decode(key) for key in item.device_keys],
        )
    except ReferralNotVerifiedError as error:
        return InboxReferral(
            item.referral_id, item.status, item.received_at, None, str(error.params["reason"])
        )
    return InboxReferral(item.referral_id, item.status, item.received_at, package)


def partner_client(
    state: PartnerState,
    keys: PartnerKeyPair,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
) -> SyncClient:
    """A client that signs as this partner; pass it to the calls below to reuse its connections."""
    return SyncClient(
        state.server_url, identity=state.identity(keys), transport=transport, insecure_http=insecure_http
    )


@contextmanager
def _using(
    client: SyncClient | None,
    state: PartnerState,
    keys: PartnerKeyPair,
    transport: httpx.BaseTransport | None,
    insecure_http: bool,
) -> Iterator[SyncClient]:
    if client is not None:
        yield client
        return
    with partner_client(state, keys, transport, insecure_http=insecure_http) as made:
        yield made


def fetch_inbox(
    state: PartnerState,
    keys: PartnerKeyPair,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
    client: SyncClient | None = None,
) -> list[InboxReferral]:
    """Every referral addressed to this partner, opened and verified, oldest first."""
    with _using(client, state, keys, transport, insecure_http) as using:
        items = using.partner_inbox().items
    return [_open(item, state, keys) for item in items]


def fetch_referral(
    state: PartnerState,
    keys: PartnerKeyPair,
    referral_id: str,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
    client: SyncClient | None = None,
) -> InboxReferral:
    """One referral addressed to this partner (SyncRejected, status 404, for any other id)."""
    with _using(client, state, keys, transport, insecure_http) as using:
        item = using.partner_referral(referral_id)
    return _open(item, state, keys)


def change_status(
    state: PartnerState,
    keys: PartnerKeyPair,
    referral_id: str,
    status: str,
    text: str | None = None,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
    client: SyncClient | None = None,
) -> ReferralEvent:
    """Accept, decline (with a reason) or complete (with a note) a referral, signed by the partner.

    The reason or note is sealed to the organisation; the statement the partner signs covers it.
    The referral is opened and verified first: a partner never answers a referral it cannot trust.

    Raises:
        ReferralNotVerifiedError: the referral does not verify.
        SyncRejected: 404 (not this partner's) or 409 (the status cannot follow the current one).
    """
    with _using(client, state, keys, transport, insecure_http) as using:
        opened = fetch_referral(state, keys, referral_id, client=using)
        if opened.package is None:
            raise ReferralNotVerifiedError(referral_id=referral_id, reason=opened.refused or "refused")
        detail = None
        if text:
            detail = seal_detail(
                text, referral_id=referral_id, status=status, organisation_public_key=organisation_key(state)
            )
        statement = StatusStatement(
            referral_id, status, int(time.time() * 1000), state.partner_id, detail_digest(detail)
        )
        request = ReferralEventRequest(
            status=status,  # type: ignore[arg-type]  # the command line offers only valid ones
            at=statement.at,
            detail=None if detail is None else base64.b64encode(detail).decode(),
            signature=b64u_encode(sign_status(statement, keys.signing)),
        )
        return using.post_referral_event(f"/v1/partner/referrals/{referral_id}/events", request)
