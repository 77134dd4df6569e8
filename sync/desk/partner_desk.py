"""The partner caseworker's desk over the partner machinery: `PartnerDesk` implements `PartnerService`.

A partner organisation's desk (`waypoint partner serve`) holds the partner's two private keys in
memory, talks to the referral server as the partner principal (`sync.partner_inbox`), and opens each
referral with the partner's sealing key. What it shows of a referral is only what the sending device
sealed into its minimised package (`referral.package`): the package's `fields` (language, contact
preference, urgency and, by need, age group and gender), the needs it was sent for, the consent basis
and the service. Opened referrals live in this object's memory and nowhere else.

The server keeps a referral's events for the organisation and the sending device; the partner's own
API lists none, so a referral's history here is what this desk knows: its arrival, and every answer
given from this desk while it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from sync.client import RateLimited, SyncClient
from sync.desk.service import PartnerReferralView, StatusEntry
from sync.errors import DeviceRefused, SyncRejected, SyncTransportError
from sync.partner_enroll import PartnerKeyPair, PartnerState, load_partner_keys, load_partner_state
from sync.partner_inbox import InboxReferral, change_status, fetch_inbox, fetch_referral, partner_client
from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = [
    "PACKAGE_FIELDS",
    "PartnerDesk",
    "PartnerDeskError",
    "PartnerRefusedError",
    "PartnerServerError",
    "ReasonRequiredError",
    "ReferralNotFoundError",
    "ServerBusyError",
    "ServerUnreachableError",
    "StatusConflictError",
]

# What a view's `fields` may hold, in the order a desk shows them: the package's own fields, then
# the needs it was sent for (comma-separated need codes), the consent basis and the service.
PACKAGE_FIELDS = (
    "urgency",
    "language",
    "contact_preference",
    "age_group",
    "gender",
    "needs",
    "consent",
    "legal_basis",
    "service_id",
)


class PartnerDeskError(WaypointError):
    """The partner desk could not do what was asked; the message says why and what to do."""

    code = "WP-DESK-020"
    what = N_("The partner desk could not do that.")
    todo = N_("Refresh the inbox and try again. If it happens again, tell the organisation.")


class ServerUnreachableError(PartnerDeskError):
    """The referral server did not answer (network down, wrong address, or not the server)."""

    code = "WP-DESK-021"
    what = N_("The organisation's referral server could not be reached.")
    todo = N_(
        "Check this computer's connection, then press Refresh. "
        "An answer you were giving may not have arrived: Refresh shows the referral's status."
    )


class ReferralNotFoundError(PartnerDeskError):
    """The server knows no referral with this id for this partner (404)."""

    code = "WP-DESK-022"
    what = N_("Referral {referral_id} is not in this partner's inbox.")
    todo = N_("Refresh the inbox and open the referral from the list.")


class StatusConflictError(PartnerDeskError):
    """The referral's status no longer allows this answer (409): answered already, or withdrawn."""

    code = "WP-DESK-023"
    what = N_("This referral's status has changed, so this answer was not recorded.")
    todo = N_("Refresh to see its current status: it may have been answered already or withdrawn.")


class ReasonRequiredError(PartnerDeskError):
    """A referral is declined only with a reason (the organisation needs it to refer elsewhere)."""

    code = "WP-DESK-024"
    what = N_("A referral can only be declined with a reason.")
    todo = N_("Write why your service cannot take it; the reason is sealed to the organisation.")


class ServerBusyError(PartnerDeskError):
    """The server asked the desk to slow down (429)."""

    code = "WP-DESK-027"
    what = N_("The organisation's referral server is busy.")
    todo = N_("Wait {seconds} seconds, then press Refresh.")


class PartnerRefusedError(PartnerDeskError):
    """The server no longer accepts this partner's requests (revoked, or unknown)."""

    code = "WP-DESK-025"
    what = N_("The organisation's server no longer accepts this partner.")
    todo = N_("Ask the organisation whether your enrollment was revoked; they can give you a new code.")


class PartnerServerError(PartnerDeskError):
    """The server refused a request for another reason (status `status`)."""

    code = "WP-DESK-026"
    what = N_("The organisation's referral server refused the request (status {status}).")
    todo = N_(
        "Nothing was changed. Check that this computer's clock is right, then try again; "
        "if it keeps happening, tell the organisation."
    )


def _moment(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def _fields(package: dict[str, Any]) -> dict[str, str]:
    """Only the minimised fields of an opened package, as text (see `PACKAGE_FIELDS`)."""
    found = {
        name: str(value)
        for name, value in (package.get("fields") or {}).items()
        if name in PACKAGE_FIELDS and value is not None
    }
    needs = [str(need) for need in package.get("needs") or ()]
    if needs:
        found["needs"] = ",".join(needs)
    consent = package.get("consent") or {}
    if consent.get("basis"):
        found["consent"] = str(consent["basis"])
    if consent.get("legal_basis"):
        found["legal_basis"] = str(consent["legal_basis"])
    if package.get("service_id"):
        found["service_id"] = str(package["service_id"])
    return {name: found[name] for name in PACKAGE_FIELDS if name in found}


class PartnerDesk:
    """`PartnerService` for one enrolled partner, with its keys in memory (thread-safe: one call at a time).

    Raises (from every method that talks to the server): `ServerUnreachableError`,
    `ReferralNotFoundError`, `PartnerRefusedError`, `PartnerServerError`; answers also
    `StatusConflictError`, and `decline` `ReasonRequiredError`. A referral that does not verify is
    listed with `refused` set and no fields, and cannot be answered
    (`sync.referral_seal.ReferralNotVerifiedError`).
    """

    def __init__(
        self,
        state: PartnerState,
        keys: PartnerKeyPair,
        *,
        transport: httpx.BaseTransport | None = None,
        insecure_http: bool = False,
    ) -> None:
        self.state = state
        self._keys = keys
        self._client: SyncClient = partner_client(state, keys, transport, insecure_http=insecure_http)
        self._lock = threading.Lock()
        self._opened: dict[str, PartnerReferralView] = {}
        self._answers: dict[str, tuple[StatusEntry, ...]] = {}  # what this desk recorded, by referral

    @classmethod
    def open(
        cls, state_dir: Path, key_dir: Path, passphrase: str, *, insecure_http: bool = False
    ) -> PartnerDesk:
        """The desk for the partner enrolled in `state_dir`, with the keys in `key_dir` opened.

        Raises:
            ConfigError: not enrolled there, not a partner key folder, or the passphrase does not open it.
        """
        state = load_partner_state(state_dir)
        return cls(state, load_partner_keys(key_dir, passphrase), insecure_http=insecure_http)

    def close(self) -> None:
        """Forget every opened referral and close the connections."""
        with self._lock:
            self._opened.clear()
            self._answers.clear()
            self._client.close()

    # -- PartnerService ------------------------------------------------------------------------------

    def inbox(self) -> list[PartnerReferralView]:
        """Every referral addressed to this partner, newest first, opened and verified."""
        with self._lock, _translated():
            items = fetch_inbox(self.state, self._keys, client=self._client)
            views = [self._view(item) for item in items]
            self._opened = {view.referral_id: view for view in views}
        return sorted(views, key=lambda view: view.received_at, reverse=True)

    def referral(self, referral_id: str) -> PartnerReferralView:
        """One referral, fetched again from the server."""
        with self._lock, _translated(referral_id):
            view = self._view(fetch_referral(self.state, self._keys, referral_id, client=self._client))
            self._opened[referral_id] = view
        return view

    def accept(self, referral_id: str) -> PartnerReferralView:
        return self._answer(referral_id, "accepted", None)

    def decline(self, referral_id: str, reason: str) -> PartnerReferralView:
        if not reason.strip():
            raise ReasonRequiredError
        return self._answer(referral_id, "declined", reason.strip())

    def complete(self, referral_id: str, note: str) -> PartnerReferralView:
        return self._answer(referral_id, "completed", note.strip() or None)

    # -- inside --------------------------------------------------------------------------------------

    def _view(self, item: InboxReferral) -> PartnerReferralView:
        received = _moment(item.received_at)
        arrival = StatusEntry("sent", received, "device", None, verified=item.package is not None)
        return PartnerReferralView(
            referral_id=item.referral_id,
            received_at=received,
            status=item.status,
            fields={} if item.package is None else _fields(item.package),
            history=(arrival, *self._answers.get(item.referral_id, ())),
            refused=item.refused,
        )

    def _answer(self, referral_id: str, status: str, text: str | None) -> PartnerReferralView:
        with self._lock, _translated(referral_id):
            event = change_status(self.state, self._keys, referral_id, status, text, client=self._client)
            entry = StatusEntry(event.status, _moment(event.at), "partner", text, verified=True)
            self._answers[referral_id] = (*self._answers.get(referral_id, ()), entry)
            known = self._opened.get(referral_id)
            if known is None:
                known = self._view(fetch_referral(self.state, self._keys, referral_id, client=self._client))
            view = replace(
                known, status=event.status, history=(known.history[0], *self._answers[referral_id])
            )
            self._opened[referral_id] = view
        return view


@contextmanager
def _translated(referral_id: str = "") -> Iterator[None]:
    """Turn the sync layer's device-worded errors into the desk's own (what a caseworker can do)."""
    try:
        yield
    except RateLimited as error:
        raise ServerBusyError(seconds=round(error.retry_after)) from error
    except SyncTransportError as error:
        raise ServerUnreachableError from error
    except DeviceRefused as error:
        raise PartnerRefusedError from error
    except SyncRejected as error:
        status = error.params.get("status")
        if status == 404:
            raise ReferralNotFoundError(referral_id=referral_id) from error
        if status == 409:
            raise StatusConflictError from error
        raise PartnerServerError(status=status) from error
