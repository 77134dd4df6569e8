"""Practice mode in the app (issue 16).

UI090: a whole practice case, run through the real screens, leaves the vault file byte for byte as it
       was and the outbox empty; only the separate practice-score store changes; the band is on
       every screen and shows the scripted reply on each question.
UI091: a different answer than the person's reply: the feedback lists the missed indicator, and the
       safety steps skipped (a companion as interpreter, no private place).
UI092: quick exit in practice drops it like an interview; unlocking never resumes it as a real one.
UI093: an emergency in practice stops the questions (a safety step taken), in Arabic (RTL band).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flet_harness import AppHarness
from ui_support import set_up, unlock

from app.i18n import translator
from app.practice import PRACTICE_SCORES_FILE, PracticeScores, scripted_reply
from app.services import AppServices
from screening_protocols.practice import get_case


def vault_files(services: AppServices) -> dict[str, str]:
    folder = Path(services.config.data_dir)
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != PRACTICE_SCORES_FILE
    }


def band_on_screen(app: AppHarness) -> bool:
    return "practice-band" in app.semantics_ids()


async def start_case(
    app: AppHarness, case_id: str, interpreter: str = "none", alone: str = "yes"
) -> list[str]:
    seen = []
    await app.click("home-practice")
    await app.wait_for(lambda: app.top_view.route == "/practice", what="the practice screen")
    await app.click(f"practice-case-{case_id}")
    await app.wait_for(lambda: app.find("practice-story") is not None, what="the story")
    seen.append(app.top_view.route)
    assert band_on_screen(app)
    await app.click("practice-start")
    await app.wait_for(lambda: app.top_view.route == "/checks", what="the checks screen")
    assert band_on_screen(app)
    await app.click(f"check-alone-{alone}")
    await app.click(f"check-interpreter-{interpreter}")
    if app.find("check-confirm-red-flags") is not None:  # red flags are confirmed before going on
        await app.toggle("check-confirm-red-flags", True)
    await app.click("checks-continue")
    await app.wait_for(lambda: app.top_view.route == "/consent", what="the consent screen")
    assert band_on_screen(app)
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route != "/consent", what="the first question")
    return seen


async def answer_as(app: AppHarness, replies: dict[str, object]) -> list[str]:
    """Answer each question on screen with `replies` (as the trainee records them); the band's replies."""
    shown = []
    for _ in range(40):
        if app.top_view.route != "/question":
            break
        assert band_on_screen(app)
        shown.append(app.by_key("practice-reply").value)
        qid = app.page.data.state.step.question.id
        value = replies[qid]
        if value == "declined":
            await app.click("question-decline")
        elif app.find(f"answer-{value}") is not None:
            await app.click(f"answer-{value}")
            await app.click("question-next")
        else:
            await app.type("answer-field", str(value))
            await app.click("question-next")
        await app.wait_for(lambda: not app.page.data.state.busy, what="the answer")
    return shown


async def test_ui090_practice_leaves_the_vault_untouched(app: AppHarness, services: AppServices) -> None:
    await set_up(app)
    session = app.page.data
    before = vault_files(services)
    assert before, "the vault file exists"
    case = get_case("border-rapid-01")
    await start_case(app, case.id)
    await app.click("practice-break")  # the trainee offers a break: a safety step, counted
    assert session.state.practice.steps == {"offer_break"}
    shown = await answer_as(app, dict(case.replies))
    english = translator("en")
    assert shown == [f"The person replies: {scripted_reply(case, qid, english)}" for qid in case.replies]
    assert "The person replies: The person who arranged my travel or job" in shown  # the person's words
    assert app.top_view.route == "/summary" and band_on_screen(app)
    await app.click("summary-rights")
    await app.wait_for(lambda: app.top_view.route == "/feedback", what="the feedback")
    assert band_on_screen(app)
    feedback = session.state.practice.feedback
    assert feedback.outcome_ok and not feedback.missed and feedback.safety_skipped == ()
    assert vault_files(services) == before
    assert session.state.vault.outbox_store.counts().pending == 0
    assert session.state.vault.list_interviews() == []
    scores = PracticeScores(services.config.data_dir).load()
    assert scores["border-rapid"]["cases"] == 1
    assert scores["border-rapid"]["points"] == scores["border-rapid"]["possible"] > 0
    assert app.find("feedback-running-score") is not None
    await app.click("feedback-home")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home")
    assert not band_on_screen(app) and session.state.practice is None
    assert vault_files(services) == before


async def test_ui091_feedback_names_the_missed_indicator(app: AppHarness, services: AppServices) -> None:
    await set_up(app)
    case = get_case("border-rapid-01")
    await start_case(app, case.id, interpreter="companion", alone="no")
    await answer_as(app, {**case.replies, "documents_holder": "me"})
    await app.click("summary-rights")
    await app.wait_for(lambda: app.top_view.route == "/feedback", what="the feedback")
    feedback = app.page.data.state.practice.feedback
    assert "documents_held_by_employer_or_arranger" in feedback.missed
    missed = " ".join(app.texts())
    assert feedback.labels["documents_held_by_employer_or_arranger"] in missed
    assert set(feedback.safety_skipped) == {"private_place", "no_companion_interpreter"}
    assert app.page.data.state.vault.list_interviews() == []


async def test_ui092_quick_exit_drops_practice(app: AppHarness) -> None:
    await set_up(app)
    case = get_case("consular-screen-01")
    await start_case(app, case.id)
    await app.click("quick-exit")
    assert app.top_view.route == "/neutral" and not band_on_screen(app)
    state = app.page.data.state
    assert state.practice is None and state.screening is None and state.resume_interview_id is None
    await app.click("neutral-open")
    await unlock(app)
    assert app.top_view.route == "/home" and state.vault.list_interviews() == []


async def test_ui093_emergency_in_arabic(app: AppHarness, services: AppServices) -> None:
    await set_up(app)
    await app.click("home-practice")
    await app.wait_for(lambda: app.top_view.route == "/practice", what="the practice screen")
    await app.click("practice-language-ar")
    assert app.top_view.rtl and band_on_screen(app)
    await app.click("practice-case-border-rapid-03")
    await app.wait_for(lambda: app.find("practice-story") is not None, what="the story")
    assert app.by_key("practice-story").value == get_case("border-rapid-03").text("story", "ar")
    await app.click("practice-start")
    await app.click("check-alone-yes")
    await app.click("check-interpreter-none")
    await app.click("checks-continue")
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
    assert app.by_key("practice-band-title").value == "تدريب — لا يُحفظ شيء"
    await answer_as(app, dict(get_case("border-rapid-03").replies))
    assert app.top_view.route == "/emergency" and band_on_screen(app)
    await app.click("emergency-continue")
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    await app.click("summary-rights")
    await app.wait_for(lambda: app.top_view.route == "/feedback", what="the feedback")
    feedback = app.page.data.state.practice.feedback
    assert feedback.outcome_ok and "stop_for_danger" in feedback.safety_taken
    assert app.top_view.rtl
