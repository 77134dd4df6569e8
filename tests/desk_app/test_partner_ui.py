"""The partner desk's screens (desk_app/partner) in-process, over a fake `PartnerService`.

PW020: the inbox lists each referral (received, status, urgency, language, needs) under stable
       identifiers, newest first; an empty inbox says so.
PW021: the detail shows only the package's fields, labels and values translated, and the history;
       Accept reaches the service and the status and notice change.
PW022: Decline asks for a reason first; without one the banner says what to do (translated) and
       nothing is declined; with one the service gets it.
PW023: Complete an accepted referral with a note; Cancel drops what was typed.
PW024: a refused (unverified) referral offers no answer; a failed call shows its message in the
       banner, in the desk's language (switched at run time, French here).
PW025: at 412 px the same screens work (rows stack), and the tab forgets opened referrals on
       disconnect.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flet_harness import AppHarness

from desk_app.partner import create_partner_main
from desk_app.partner.state import PartnerDeskState
from sync.desk.partner_desk import ReasonRequiredError, ServerUnreachableError
from sync.desk.service import PartnerReferralView, StatusEntry

RECEIVED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
FIELDS = {
    "urgency": "immediate",
    "language": "ro",
    "contact_preference": "through_officer",
    "age_group": "adult",
    "gender": "female",
    "needs": "shelter,legal",
    "consent": "consent",
    "service_id": "svc-shelter",
}


class FakePartnerService:
    """A `PartnerService` in memory; records what it was asked, and which thread asked."""

    def __init__(self, views: list[PartnerReferralView]) -> None:
        self.views = {view.referral_id: view for view in views}
        self.calls: list[tuple[str, ...]] = []
        self.threads: set[int] = set()
        self.fail: Exception | None = None

    def _record(self, *call: str) -> None:
        self.calls.append(call)
        self.threads.add(threading.get_ident())
        if self.fail is not None:
            raise self.fail

    def inbox(self) -> list[PartnerReferralView]:
        self._record("inbox")
        return sorted(self.views.values(), key=lambda view: view.received_at, reverse=True)

    def referral(self, referral_id: str) -> PartnerReferralView:
        self._record("referral", referral_id)
        return self.views[referral_id]

    def _change(self, referral_id: str, status: str, detail: str | None) -> PartnerReferralView:
        view = self.views[referral_id]
        entry = StatusEntry(status, datetime.now(UTC), "partner", detail, verified=True)
        self.views[referral_id] = replace(view, status=status, history=(*view.history, entry))
        return self.views[referral_id]

    def accept(self, referral_id: str) -> PartnerReferralView:
        self._record("accept", referral_id)
        return self._change(referral_id, "accepted", None)

    def decline(self, referral_id: str, reason: str) -> PartnerReferralView:
        self._record("decline", referral_id, reason)
        if not reason.strip():
            raise ReasonRequiredError
        return self._change(referral_id, "declined", reason)

    def complete(self, referral_id: str, note: str) -> PartnerReferralView:
        self._record("complete", referral_id, note)
        return self._change(referral_id, "completed", note or None)


def _view(referral_id: str, hours: int, status: str = "sent", **extra: object) -> PartnerReferralView:
    arrival = StatusEntry("sent", RECEIVED.replace(hour=hours), "device", None, verified=True)
    return PartnerReferralView(
        referral_id,
        RECEIVED.replace(hour=hours),
        status,
        dict(FIELDS),
        (arrival,),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def service() -> FakePartnerService:
    return FakePartnerService(
        [
            _view("ref-old", 8),
            _view("ref-new", 11),
            _view("ref-taken", 10, "accepted"),
            PartnerReferralView("ref-forged", RECEIVED, "sent", {}, (), refused="bad_signature"),
        ]
    )


@pytest.fixture
async def desk(service: FakePartnerService) -> AsyncIterator[AppHarness]:
    harness = await AppHarness(create_partner_main(service)).start()
    await harness.wait_for(lambda: harness.find("partner-referral-ref-old") is not None, what="the inbox")
    yield harness
    await harness.close()


async def test_pw020_the_inbox_lists_each_referral(desk: AppHarness, service: FakePartnerService) -> None:
    assert service.calls == [("inbox",)]
    assert threading.get_ident() not in service.threads  # asked off the event loop
    rows = [i for i in desk.semantics_ids() if i.startswith("partner-referral-")]
    assert rows == [f"partner-referral-{r}" for r in ("ref-new", "ref-taken", "ref-forged", "ref-old")]
    assert desk.by_key("partner-row-status-ref-new").value == "New"
    assert desk.by_key("partner-row-status-ref-taken").value == "Accepted"
    assert desk.by_key("partner-row-urgency-ref-old").value == "Immediate"
    assert desk.by_key("partner-row-language-ref-old").value == "Romanian"
    assert desk.by_key("partner-row-needs-ref-old").value == "Safe shelter, Legal advice"
    assert desk.find("partner-row-refused-ref-forged") is not None
    assert {"partner-refresh", "partner-language", "partner-screen-inbox"} <= set(desk.semantics_ids())

    empty = FakePartnerService([])
    other = await AppHarness(create_partner_main(empty)).start()
    await other.wait_for(lambda: other.find("partner-inbox-empty") is not None, what="the empty inbox")
    await other.close()


async def test_pw021_detail_shows_only_the_fields_and_accept_reaches_the_service(
    desk: AppHarness, service: FakePartnerService
) -> None:
    await desk.click("partner-referral-ref-old")
    await desk.wait_for(lambda: desk.find("partner-accept") is not None, what="the detail")
    assert service.calls[-1] == ("referral", "ref-old")
    assert "partner-screen-referral" in desk.semantics_ids()
    shown = {key.removeprefix("partner-field-") for key in desk.keys() if key.startswith("partner-field-")}
    assert shown == set(FIELDS)
    assert desk.by_key("partner-field-contact_preference").value == "Through the referring officer"
    assert desk.by_key("partner-field-consent").value == "The person agreed"
    assert desk.by_key("partner-field-gender").value == "Female"
    assert desk.find("partner-history-0") is not None and desk.find("partner-complete") is None
    await desk.click("partner-accept")
    await desk.wait_for(lambda: desk.find("partner-notice") is not None, what="the notice")
    assert service.calls[-1] == ("accept", "ref-old")
    assert desk.by_key("partner-status").value == "Accepted"
    assert desk.find("partner-accept") is None and desk.find("partner-complete") is not None
    assert desk.find("partner-history-1") is not None
    await desk.click("partner-back")
    assert desk.by_key("partner-row-status-ref-old").value == "Accepted"


async def test_pw022_decline_needs_a_reason(desk: AppHarness, service: FakePartnerService) -> None:
    await desk.click("partner-referral-ref-new")
    await desk.wait_for(lambda: desk.find("partner-decline") is not None, what="the detail")
    await desk.click("partner-decline")
    assert desk.find("partner-reason") is not None and desk.find("partner-accept") is None
    await desk.click("partner-decline-confirm")
    await desk.wait_for(lambda: desk.find("error-message") is not None, what="the banner")
    assert (
        "reason" in desk.by_key("error-message").value and "WP-DESK-024" in desk.by_key("error-message").value
    )
    assert service.views["ref-new"].status == "sent"
    await desk.type("partner-reason", "No bed free tonight.")
    await desk.click("partner-decline-confirm")
    await desk.wait_for(lambda: service.views["ref-new"].status == "declined", what="the decline")
    await desk.wait_for(lambda: desk.find("partner-reason") is None, what="the form to close")
    assert service.calls[-1] == ("decline", "ref-new", "No bed free tonight.")
    assert desk.find("error-message") is None
    assert any("No bed free tonight." in text for text in desk.texts())  # in the history


async def test_pw023_complete_with_a_note_and_cancel(desk: AppHarness, service: FakePartnerService) -> None:
    await desk.click("partner-referral-ref-taken")
    await desk.wait_for(lambda: desk.find("partner-complete") is not None, what="the detail")
    await desk.click("partner-complete")
    await desk.type("partner-note", "typed then dropped")
    await desk.click("partner-answer-cancel")
    assert desk.find("partner-note") is None
    await desk.click("partner-complete")
    assert desk.by_key("partner-note").value == ""
    await desk.type("partner-note", "Housed for two weeks.")
    await desk.click("partner-complete-confirm")
    await desk.wait_for(lambda: service.views["ref-taken"].status == "completed", what="the completion")
    assert service.calls[-1] == ("complete", "ref-taken", "Housed for two weeks.")
    await desk.wait_for(lambda: desk.find("partner-complete") is None, what="no more answers")


async def test_pw024_refused_referrals_and_errors_in_the_desks_language(
    desk: AppHarness, service: FakePartnerService
) -> None:
    await desk.click("partner-referral-ref-forged")
    await desk.wait_for(lambda: desk.find("partner-refused") is not None, what="the refusal")
    assert not {"partner-accept", "partner-decline", "partner-complete"} & set(desk.keys())
    assert not [key for key in desk.keys() if key.startswith("partner-field-")]
    await desk.select("partner-language", "fr")
    service.fail = ServerUnreachableError()
    await desk.click("partner-refresh")
    await desk.wait_for(lambda: desk.find("error-message") is not None, what="the banner")
    message = desk.by_key("error-message").value
    assert "WP-DESK-021" in message and "could not be reached" not in message  # French, with its code
    service.fail = None
    await desk.click("partner-refresh")
    await desk.wait_for(lambda: desk.find("error-message") is None, what="the banner to go")


async def test_pw025_narrow_window_and_forgetting(service: FakePartnerService) -> None:
    harness = await AppHarness(create_partner_main(service)).start()  # the harness is 412 px wide
    await harness.wait_for(lambda: harness.find("partner-referral-ref-old") is not None, what="the inbox")
    main_view = harness.top_view
    assert main_view.controls[0].width == 412 - 32
    await harness.click("partner-referral-ref-old")
    await harness.wait_for(lambda: harness.find("partner-accept") is not None, what="the detail")
    state = harness.page.data
    assert isinstance(state, PartnerDeskState) and state.narrow and state.current is not None and state.inbox
    await harness.close()
    assert state.current is None and state.inbox == [] and state.draft == ""
    assert service.calls[-1] == ("referral", "ref-old")


def test_pw025_forget_drops_opened_referrals() -> None:
    state = PartnerDeskState(inbox=[_view("a", 8)], current=_view("a", 8), draft="words")
    state.forget()
    assert state.inbox == [] and state.current is None and state.draft == ""
