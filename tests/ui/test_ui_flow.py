"""The interview's flow where an officer and a respondent most need it to be right (issue 13).

UI260: discard asks once to confirm, deletes, and gives the person a receipt (id, time); the
       following screens never say that what they said is kept.
UI261: "No, go back" on the confirmation deletes nothing; keep and delete have the same weight.
UI262: stop-and-keep shows the summary (referral needs) before the rights; the kept interview is
       queued at once and home's counters agree with the rows.
UI263: a child found in an adult protocol: the headline says the child rule applies, child
       protection comes first, and the app continues with `child-screen` (assent, age carried forward).
UI264: pre-check red flags ("not alone", a family interpreter): the officer must confirm them; they
       are on the summary and in the sealed record.
UI265: what the pre-checks established is not asked again (consular-screen's interpreter question).
UI267: the officer marks a question "not asked because of distress": recorded in the vault, counted as
       unknown, listed on the summary and in what is completed; Back removes the mark.
UI268: the emergency screen shows the organisation's emergency and duty numbers by country (from the
       enrollment code's policy, kept in the vault); without them it says who to ask.
UI269: an emergency on a device without the organisation's numbers says who to call and to ask for them.
UI270: a finished screening's summary (not its answers) is reopened from home, with the retention
       period on home and on the summary.
UI266: the translation status is on the protocol screen and the summary; a draft string carries a
       marker in the officer's view.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flet_harness import AppHarness, strings_in
from ui_organisation import Organisation
from ui_support import ANSWERS, answer_current, question_id, set_up, to_first_question

from app.main import create_main
from app.screening import replayed
from app.services import AppServices
from app.vault import Vault
from app.wording import question_wording
from screening_protocols import DECLINED, get_protocol
from sync import join, open_submission
from sync.envelope import binding_info
from sync.sender_signature import verify_signed_document

KEPT_WORDS = ("kept", "keep")
PROTOCOL = get_protocol("border-rapid")


async def answer_until(app: AppHarness, qid: str, answers: dict[str, str] = ANSWERS) -> None:
    for _ in range(40):
        if question_id(app) == qid:
            return
        await answer_current(app, answers[question_id(app)])
    raise AssertionError(f"never reached {qid}")


def on_screen(app: AppHarness) -> list[str]:
    return strings_in([app.page.views])


async def test_ui260_discard_confirms_deletes_and_gives_a_receipt(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "documents_holder")
    vault = app.page.data.state.vault
    interview_id = app.page.data.state.screening.interview_id
    await app.click("question-stop")
    await app.click("stop-discard")
    assert app.top_view.route == "/stop" and app.find("stop-confirm-delete") is not None
    assert [s.state for s in vault.list_interviews()] == ["in_progress"], "nothing deleted before confirming"
    await app.click("stop-confirm-delete")
    await app.wait_for(lambda: app.top_view.route == "/deleted", what="the deletion receipt")
    receipt = app.by_key("deletion-receipt").value
    (row,) = vault.list_interviews()
    assert row.state == "discarded" and interview_id in receipt
    assert app.page.data.state.deletion_receipt.deleted_at == row.updated_at
    assert not any(word in text.lower() for text in on_screen(app) for word in KEPT_WORDS)
    await app.click("deleted-continue")
    await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights")
    assert not any(word in text.lower() for text in on_screen(app) for word in KEPT_WORDS), on_screen(app)


async def test_ui261_going_back_deletes_nothing_and_choices_weigh_the_same(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "documents_holder")
    vault = app.page.data.state.vault
    await app.click("question-stop")
    keep, discard = app.by_key("stop-keep"), app.by_key("stop-discard")
    assert type(keep) is type(discard) and keep.height == discard.height
    await app.click("stop-discard")
    await app.click("stop-confirm-no")
    assert app.top_view.route == "/stop" and app.find("stop-keep") is not None
    await app.click("stop-continue")
    assert app.top_view.route == "/question" and question_id(app) == "documents_holder"
    assert [s.state for s in vault.list_interviews()] == ["in_progress"]


async def test_ui262_kept_interview_summary_first_and_queued_at_once(
    make_services: Callable[..., AppServices], organisation: Organisation
) -> None:
    services = make_services()
    join(organisation.code(), Vault.open(services.config.data_dir).device_store)
    app = await AppHarness(create_main(services=services)).start()
    try:
        await set_up(app)
        await to_first_question(app)
        await answer_until(app, "harmed")  # documents with the employer, made to work: referral needs
        await app.click("question-stop")
        await app.click("stop-keep")
        await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary before the rights")
        assert app.find("summary-stopped-early") is not None and app.find("referral-0") is not None
        vault = app.page.data.state.vault
        assert [s.state for s in vault.list_interviews()] == ["in_progress"]
        await app.click("summary-rights")
        await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights")
        (row,) = vault.list_interviews()
        assert row.state in ("sealed", "sent")
        status = app.page.data.state.sync_status
        assert status.pending + status.sent == 1, status  # counted at once, not at the next interval
        await app.click("rights-done")
        await app.click("end-done")
        await app.wait_for(lambda: app.top_view.route == "/home", what="home")

        def agree() -> bool:
            rows = [s.state for s in vault.list_interviews()]
            status = app.page.data.state.sync_status
            return (status.pending, status.sent) == (rows.count("sealed"), rows.count("sent"))

        await app.wait_for(agree, what="home's counters to agree with the rows")
    finally:
        await app.close()
        await services.close()


async def test_ui263_child_in_an_adult_protocol_continues_with_child_screen(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    answers = {**ANSWERS, "age": "15"}
    for _ in range(40):
        if app.top_view.route != "/question":
            break
        await answer_current(app, answers[question_id(app)])
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    assert app.find("outcome-child-rule") is not None
    assert "child protection" in app.by_key("outcome-child-rule").value
    assert app.by_key("referral-0").value.startswith("• Child protection")
    vault = app.page.data.state.vault
    await app.click("summary-child-screen")
    await app.wait_for(lambda: app.top_view.route == "/consent", what="the child screen's assent")
    state = app.page.data.state
    assert state.plan.protocol_id == "child-screen"
    assert [s.state for s in vault.list_interviews()] == ["completed"]  # the adult screen is kept
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the child screen's questions")
    screening = app.page.data.state.screening
    assert screening.protocol.id == "child-screen" and screening.protocol.consent.kind == "assent"
    assert screening.interview.facts.get("age") == 15 and question_id(app) != "age"


async def test_ui264_red_flags_confirmed_shown_and_sealed(
    make_services: Callable[..., AppServices], organisation: Organisation
) -> None:
    services = make_services()
    join(organisation.code(), Vault.open(services.config.data_dir).device_store)
    app = await AppHarness(create_main(services=services)).start()
    try:
        await set_up(app)
        await app.click("home-new")
        await app.click("protocol-border-rapid")
        await app.click("respondent-language-en")
        await app.click("protocol-continue")
        await app.click("check-alone-no")
        await app.click("check-interpreter-family")
        await app.click("checks-continue")
        assert app.top_view.route == "/checks" and "WP-APP-050" in (app.page.data.state.last_error or "")
        await app.toggle("check-confirm-red-flags", True)
        await app.click("checks-continue")
        await app.click("consent-agree")
        await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
        while app.top_view.route == "/question":
            await answer_current(app, ANSWERS[question_id(app)])
        await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
        assert app.find("summary-red-flag-not_alone") is not None
        assert app.find("summary-red-flag-interpreter_family") is not None
        await app.click("summary-rights")
        await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights")
        vault = app.page.data.state.vault
        (row,) = vault.list_interviews()
        connection = sqlite3.connect(vault.database_path)
        (envelope,) = connection.execute("SELECT envelope FROM outbox WHERE id = ?", (row.id,)).fetchone()
        connection.close()
        enrollment = vault.device_store.load_enrollment()
        binding = {
            "device_id": enrollment.device_id,
            "interview_id": row.id,
            "protocol_id": "border-rapid",
            "protocol_version": row.protocol_version,
        }
        signed = open_submission(envelope, private_key=organisation.private_key, **binding)
        device_key = Ed25519PrivateKey.from_private_bytes(vault.device_store.device_signing_key())
        payload = json.loads(
            verify_signed_document(
                signed,
                device_public_keys=[device_key.public_key().public_bytes_raw()],
                binding=binding_info(**binding, key_id=enrollment.organisation_key_id),
                interview_id=row.id,
            )
        )
        assert payload["checks"]["red_flags"] == ["not_alone", "interpreter_family"]
        assert payload["checks"]["red_flags_confirmed"] is True
    finally:
        await app.close()
        await services.close()


async def test_ui265_pre_checks_are_not_asked_again(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-new")
    await app.click("protocol-consular-screen")
    await app.click("respondent-language-en")
    await app.click("protocol-continue")
    await app.click("check-alone-yes")
    await app.click("check-interpreter-professional")
    await app.click("checks-continue")
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
    screening = app.page.data.state.screening
    assert screening.interview.facts == {"understands_officer": "yes"}
    asked = set()
    for _ in range(60):
        if app.top_view.route != "/question":
            break
        asked.add(question_id(app))
        await app.click("question-decline")
        await app.wait_for(lambda: not app.page.data.state.busy, what="the next step")
    assert "understands_well" not in asked and len(asked) > 3


async def test_ui266_translation_status_for_the_officer(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-new")
    await app.click("protocol-border-rapid")
    await app.click("respondent-language-ar")
    badge = app.by_key("protocol-translation-status")
    assert "machine draft" in badge.value, badge.value
    await app.click("respondent-language-en")
    assert "original text" in app.by_key("protocol-translation-status").value
    await app.click("respondent-language-ar")
    await app.click("protocol-continue")
    await app.click("check-alone-yes")
    await app.click("check-interpreter-professional")
    await app.click("checks-continue")
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
    assert app.find("question-draft-translation") is not None
    for _ in range(40):
        if app.top_view.route != "/question":
            break
        await app.click("question-decline")
        await app.wait_for(lambda: not app.page.data.state.busy, what="the next step")
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    assert "machine draft" in app.by_key("summary-translation-status").value


async def test_ui267_not_asked_because_of_distress(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "harmed")
    screening = app.page.data.state.screening
    await app.click("question-distress")
    await app.wait_for(lambda: question_id(app) != "harmed", what="the next question")
    stored = app.page.data.state.vault.interviews.load(screening.interview_id)
    interview, distress = replayed(stored.engine_state, stored.changes)  # snapshot + change rows
    assert interview.answers["harmed"] == DECLINED
    assert distress == ("harmed",)
    await app.click("question-back")
    await app.wait_for(lambda: question_id(app) == "harmed", what="the question again")
    assert screening.not_asked_distress == ()
    await app.click("question-distress")
    await app.wait_for(lambda: question_id(app) != "harmed", what="the next question")
    while app.top_view.route == "/question":
        await answer_current(app, ANSWERS[question_id(app)])
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    assert app.find("summary-distress-harmed") is not None
    assert "harmed" in app.page.data.state.outcome.unknown
    await app.click("summary-rights")
    await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights")
    vault = app.page.data.state.vault
    assert vault.interviews.load_completed(screening.interview_id).outcome["not_asked_distress"] == ["harmed"]


async def test_ui268_emergency_numbers_from_the_organisation(
    make_services: Callable[..., AppServices], organisation: Organisation
) -> None:
    services = make_services()
    code = organisation.code(
        "--emergency-numbers", "GR=112,+30 210 000 0000", "--emergency-numbers", "al=129,+355 4 000 000"
    )
    join(code, Vault.open(services.config.data_dir).device_store)
    app = await AppHarness(create_main(services=services)).start()
    try:
        await set_up(app)
        await to_first_question(app)
        await answer_current(app, "yes")  # in danger now
        await app.wait_for(lambda: app.top_view.route == "/emergency", what="the emergency screen")
        greece = app.by_key("emergency-numbers-GR")
        texts = strings_in([greece])
        assert "Greece" in texts and "Emergency: 112" in texts and "Duty officer: +30 210 000 0000" in texts
        assert "Duty officer: +355 4 000 000" in strings_in([app.by_key("emergency-numbers-AL")])
        assert app.find("emergency-numbers-missing") is None
    finally:
        await app.close()
        await services.close()


async def test_ui269_emergency_without_numbers_says_who_to_ask(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_current(app, "yes")
    await app.wait_for(lambda: app.top_view.route == "/emergency", what="the emergency screen")
    assert "supervisor" in app.by_key("emergency-numbers-missing").value


async def test_ui270_finished_summary_reopened_from_home(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    while app.top_view.route == "/question":
        await answer_current(app, ANSWERS[question_id(app)])
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    headline = app.by_key("outcome-headline").value
    referral = app.by_key("referral-0").value
    interview_id = app.page.data.state.screening.interview_id
    await app.click("summary-rights")
    await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights")
    await app.click("rights-done")
    await app.click("end-done")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home")
    assert "30 days" in app.by_key("home-retention").value
    await app.click(f"finished-open-{interview_id}")
    await app.wait_for(lambda: app.top_view.route == "/finished", what="the kept summary")
    assert app.by_key("finished-headline").value == headline
    assert app.by_key("finished-referral-0").value == referral
    assert "30 days" in app.by_key("finished-retention").value
    shown = set(on_screen(app))
    wording = {question_wording(PROTOCOL, q, "en").text for q in PROTOCOL.questions}
    assert not shown & wording, "the answers' questions are not shown, only the outcome"
    await app.click("finished-back")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home")
    assert app.page.data.state.finished is None
