"""The referral screen after the summary, and referral statuses on home.

UI290: the summary leads to the referral screen: it lists the matching service in the respondent's
       language (French) with what will and will not happen, not the German-only one; the service whose
       needs are not yet mapped is listed apart for an explicit choice.
UI291: "no" (information only) records the referral and sends nothing: nothing is queued.
UI292: "yes" queues one sealed referral for partner A, through the same function as `waypoint referral
       send`; the contact card shows in French and names no screening or exploitation.
UI293: home lists the referral's status once sync fetched it ("accepted by Partner A on ..."), and the
       finished screening can be referred again later from home.
UI294: with no directory yet the screen says so and Continue still leads on to the rights information.
UI296: for a child (the outcome needs child protection) a child-protection service shows the mandatory
       referral as such: no "yes" to ask, a legal basis to give; it is queued with that basis.
UI295: the layout rules hold on the referral screen for an Arabic-speaking officer: no text is cut in a
       row that does not wrap, no button has a fixed height, each is at least 48 px tall, and the officer's
       words are mirrored while the French contact card is not.
"""

from __future__ import annotations

import time

import flet as ft
from flet_harness import AppHarness, iter_controls
from test_ui_layout import _bare_texts_in_rows
from ui_referral import WILL_HAPPEN_FR, HeldDirectory, hold_directory
from ui_support import ANSWERS, answer_current, question_id, set_up, to_first_question

from app.theme import MIN_TAP
from sync.referral_outbox import ReferralStatusUpdate

FORBIDDEN = ("traffick", "victim", "illegal", "prostitut", "exploit", "traite", "victime")


async def to_referral(
    app: AppHarness, directory: bool = True, officer: str = "en", age: str = "34"
) -> HeldDirectory | None:
    await set_up(app)
    vault = app.page.data.state.vault
    held = hold_directory(vault) if directory else None
    await to_first_question(app, respondent="fr", officer=officer)
    for _ in range(len(ANSWERS) + 2):  # bounded: one screen per question
        if app.top_view.route != "/question":
            break
        await answer_current(app, {**ANSWERS, "age": age}[question_id(app)])
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    await app.click("summary-referral")
    await app.wait_for(lambda: app.top_view.route == "/referral", what="the referral screen")
    return held


def _semantics(app: AppHarness) -> list[ft.Semantics]:
    return [c for c in iter_controls(app.top_view) if isinstance(c, ft.Semantics)]


def _pending(app: AppHarness) -> list[object]:
    return list(app.page.data.state.vault.referral_store.pending_referrals(10))


async def test_ui290_matching_services_in_the_respondents_language(app: AppHarness) -> None:
    held = await to_referral(app)
    assert held is not None
    ids = app.semantics_ids()
    assert f"referral-service-{held.services['A']}" in ids
    assert f"referral-service-{held.services['B']}" not in ids  # German only, no interpreter
    assert f"referral-service-{held.services['C']}" in ids  # not yet mapped: listed apart
    texts = " ".join(app.texts())
    assert WILL_HAPPEN_FR in texts and "Personne ne contactera la police." in texts
    assert "Speaks the person's language" in texts and "Open at any hour" in texts
    assert f"referral-yes-{held.services['A']}" in app.keys()
    assert f"referral-yes-{held.services['C']}" not in app.keys()  # no partner: information only


async def test_ui291_no_consent_sends_nothing(app: AppHarness) -> None:
    held = await to_referral(app)
    assert held is not None
    await app.click(f"referral-no-{held.services['A']}")
    await app.wait_for(lambda: f"referral-decided-{held.services['A']}" in app.semantics_ids(), what="no")
    assert _pending(app) == []
    (kept,) = app.page.data.state.vault.referrals.list()
    assert (kept.state, kept.status) == ("information_only", "not_sent")
    assert "Information only: nothing was sent to Partner A." in app.texts()


async def test_ui292_consent_queues_one_sealed_referral_and_shows_the_card(app: AppHarness) -> None:
    held = await to_referral(app)
    assert held is not None
    service = held.services["A"]
    await app.click(f"referral-yes-{service}")
    await app.wait_for(lambda: f"referral-decided-{service}" in app.semantics_ids(), what="the referral")
    (pending,) = _pending(app)
    assert pending.partner_id == held.partner_ids["A"]  # type: ignore[attr-defined]
    (kept,) = app.page.data.state.vault.referrals.list()
    assert kept.state == "pending" and kept.record["service_id"] == service
    assert kept.record["consent"] == {"basis": "consent"}
    await app.click(f"referral-card-{service}")
    await app.wait_for(lambda: f"contact-card-{service}" in app.semantics_ids(), what="the contact card")
    card = " ".join(app.texts())
    assert "Night shelter A" in card and "+33 1 00 00 00 01" in card and WILL_HAPPEN_FR in card
    (shown,) = [c for c in _semantics(app) if c.identifier == f"contact-card-{service}"]
    assert shown.value == "fr"
    assert not any(word in str(shown.label).casefold() for word in FORBIDDEN)
    await app.click("referral-continue")
    await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights information")


async def test_ui293_home_shows_the_status_and_refers_later(app: AppHarness) -> None:
    held = await to_referral(app)
    assert held is not None
    await app.click(f"referral-yes-{held.services['A']}")
    await app.wait_for(lambda: _pending(app) != [], what="the referral queued")
    vault = app.page.data.state.vault
    (kept,) = vault.referrals.list()
    interview_id = kept.record["interview_id"]
    store = vault.referral_store
    store.mark_referrals_sent([kept.referral_id], b"receipt")
    accepted_at = int(time.time() * 1000)
    store.record_statuses(
        [
            ReferralStatusUpdate(
                1, kept.referral_id, "accepted", accepted_at, held.partner_ids["A"], "partner", True
            )
        ]
    )
    await app.click("referral-continue")
    await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights information")
    await app.click("rights-done")
    await app.wait_for(lambda: app.top_view.route == "/end", what="the end")
    await app.click("end-done")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home")
    row = f"referral-{kept.referral_id}"
    assert row in app.semantics_ids()
    status = next(t for t in app.texts() if t.startswith("Accepted by Partner A on "))
    assert status
    await app.click(f"refer-{interview_id}")
    await app.wait_for(lambda: app.top_view.route == "/referral", what="the referral screen from home")
    assert f"referral-service-{held.services['A']}" in app.semantics_ids()
    await app.click("referral-continue")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home again")


async def test_ui294_no_directory_yet(app: AppHarness) -> None:
    await to_referral(app, directory=False)
    assert "referral-no-directory" in app.keys()
    await app.click("referral-continue")
    await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights information")


async def test_ui295_layout_rules_hold(app: AppHarness) -> None:
    held = await to_referral(app, officer="ar")
    assert held is not None
    service = held.services["A"]
    await app.click(f"referral-card-{service}")
    await app.wait_for(lambda: f"contact-card-{service}" in app.semantics_ids(), what="the contact card")
    assert _bare_texts_in_rows(app) == []
    buttons = [
        c
        for c in iter_controls(app.top_view)
        if isinstance(c, ft.FilledButton | ft.OutlinedButton | ft.FilledTonalButton | ft.TextButton)
    ]
    assert len(buttons) >= 4
    for button in buttons:
        assert button.height is None, f"{button.key} has a fixed height: a wrapped label is cut"
        padding = button.style.padding if button.style else None
        assert isinstance(padding, ft.Padding) and 20 + padding.top + padding.bottom >= MIN_TAP
    choices = [
        row
        for row in iter_controls(app.top_view)
        if isinstance(row, ft.Row)
        and any(str(getattr(x, "identifier", "")).startswith("referral-no-") for x in row.controls)
    ]
    assert choices and all(row.wrap for row in choices)  # yes / no wrap under each other when long
    (shown,) = [c for c in _semantics(app) if c.identifier == f"contact-card-{service}"]
    card_texts = [c for c in iter_controls(shown) if isinstance(c, ft.Text)]
    assert card_texts and not any(text.rtl for text in card_texts)  # French: left to right
    title = app.by_key("title-referral")
    assert title.rtl is True and title.value != "Referral"  # the officer's Arabic


async def test_ui296_mandatory_child_protection_referral(app: AppHarness) -> None:
    held = await to_referral(app, age="15")
    assert held is not None
    service = held.services["A"]
    assert f"referral-mandatory-{service}" in app.keys()
    assert f"referral-yes-{service}" not in app.keys()
    await app.type(f"referral-legal-basis-{service}", "Child Protection Act, s. 12")
    await app.click(f"referral-mandatory-send-{service}")
    await app.wait_for(lambda: f"referral-decided-{service}" in app.semantics_ids(), what="the referral")
    (kept,) = app.page.data.state.vault.referrals.list()
    assert kept.state == "pending"
    assert kept.record["consent"] == {
        "basis": "mandatory_child_protection",
        "legal_basis": "Child Protection Act, s. 12",
    }
