"""The safety controls of an interview (domain.md §5, requirements 2-5).

UI020: quick exit swaps to the neutral screen, locks the vault and leaves nothing sensitive in the
       control tree or the session state; the secret brings back the same question.
UI021: quick exit is on every screen after unlock, and on no screen before it.
UI022: "prefer not to answer" is stored as declined (unknown), never as "no".
UI023: stop → delete (confirmed) leaves nothing of the interview in the vault, only a deletion record.
UI024: stop → keep shows the summary, then completes the interview with the answers so far.
UI025: idle auto-lock locks the vault and shows unlock; unlocking returns to the same question.
UI026: pause hides the interview and locks; the secret resumes it at the same question. The pause
       first folds the interview's change rows into one snapshot (issue 17).
UI027: a draft left in one tab is resumed from home in another, at the same question.
UI028: closing the tab locks the vault.
UI029: Back undoes the last answer and asks that question again.
UI030: a vault file that is not a database: the app says so and what to do, and leaves the file alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from flet_harness import AppHarness, strings_in
from ui_support import ANSWERS, SECRET, answer_current, question_id, set_up, to_first_question, unlock

from app.clock import ManualClock
from app.main import create_main
from app.screening import replayed
from app.services import AppServices
from app.state import LOCKED_SCREENS, Screen
from app.vault import Vault
from app.wording import question_wording
from screening_protocols import DECLINED, get_protocol

PROTOCOL = get_protocol("border-rapid")


def sensitive_texts(language: str = "en") -> set[str]:
    """Every question text and option label of the protocol: none may survive a quick exit."""
    found: set[str] = set()
    for question in PROTOCOL.questions:
        wording = question_wording(PROTOCOL, question, language)
        found.add(wording.text)
        found |= {o.label for o in wording.options if len(o.label) > 3}
    return found


def everything_on_page(app: AppHarness) -> list[str]:
    return strings_in([app.page.views, app.page._dialogs, app.page._services])  # type: ignore[attr-defined]


async def answer_until(app: AppHarness, qid: str) -> None:
    while question_id(app) != qid:
        await answer_current(app, ANSWERS[question_id(app)])


async def test_ui020_quick_exit_locks_and_leaves_nothing(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "made_to_work")
    await app.click("answer-yes")  # marked, not yet sent
    assert sensitive_texts() & set(everything_on_page(app)), "the check must see the question on screen"
    session = app.page.data
    vault = session.state.vault
    await app.click("quick-exit")
    assert app.top_view.route == "/neutral"
    assert not vault.is_unlocked
    on_screen = everything_on_page(app)
    leaked = sensitive_texts() & set(on_screen)
    assert not leaked, leaked
    assert (
        session.state.screening is None and session.state.outcome is None and session.state.selection is None
    )
    assert "quick-exit" not in app.semantics_ids()
    await app.click("neutral-open")
    assert app.top_view.route == "/unlock"
    await unlock(app)
    assert app.top_view.route == "/question" and question_id(app) == "made_to_work"


async def test_ui021_quick_exit_on_every_unlocked_screen(app: AppHarness) -> None:
    seen: dict[str, bool] = {}

    def look() -> None:
        seen[app.top_view.route] = "quick-exit" in app.semantics_ids()

    look()
    await set_up(app)
    look()
    await app.click("home-new")
    look()
    await app.click("protocol-border-rapid")
    await app.click("respondent-language-en")
    await app.click("protocol-continue")
    look()
    await app.click("check-alone-yes")
    await app.click("check-interpreter-none")
    await app.click("checks-continue")
    look()
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
    look()
    await app.click("question-stop")
    look()
    await app.click("stop-continue")
    await app.click("question-pause")
    look()
    expected = {f"/{s.value}": s not in LOCKED_SCREENS | {Screen.PAUSED} for s in Screen}
    assert seen == {route: expected[route] for route in seen}, seen
    assert len(seen) == 8


async def test_ui022_prefer_not_to_answer_is_declined(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "made_to_work")
    screening = app.page.data.state.screening
    await app.click("question-decline")
    await app.wait_for(lambda: question_id(app) != "made_to_work", what="the next question")
    stored = app.page.data.state.vault.interviews.load(screening.interview_id)
    assert replayed(stored.engine_state, stored.changes)[0].answers["made_to_work"] == DECLINED
    assert DECLINED != "no"


async def test_ui023_stop_and_delete_leaves_nothing(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "documents_holder")
    vault = app.page.data.state.vault
    interview_id = app.page.data.state.screening.interview_id
    await app.click("question-stop")
    assert app.top_view.route == "/stop"
    await app.click("stop-discard")
    await app.click("stop-confirm-delete")
    await app.wait_for(lambda: app.top_view.route == "/deleted", what="the deletion receipt")
    summaries = {s.id: s.state for s in vault.list_interviews()}
    assert summaries == {interview_id: "discarded"}
    raw = b"".join(p.read_bytes() for p in vault.database_path.parent.glob("vault.sqlite3*"))
    assert b"journey_arranged" not in raw and b"in_danger" not in raw


async def test_ui024_stop_and_keep_completes(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "documents_holder")
    vault = app.page.data.state.vault
    await app.click("question-stop")
    await app.click("stop-keep")
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    await app.click("summary-rights")
    await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights screen")
    assert [s.state for s in vault.list_interviews()] == ["completed"]


async def test_ui025_idle_lock_returns_to_same_question(make_services: Callable[..., AppServices]) -> None:
    clock = ManualClock()
    services = make_services(idle_lock_seconds=60, clock=clock)
    app = await AppHarness(create_main(services=services)).start()
    try:
        await set_up(app)
        await to_first_question(app)
        await answer_until(app, "journey_arranged")
        vault = app.page.data.state.vault
        await clock.advance(59)  # the session's clock: no time passes at the machine's pace
        assert app.top_view.route == "/question"
        await clock.advance(1)
        await app.wait_for(lambda: app.top_view.route == "/unlock", timeout=5, what="the idle lock")
        assert not vault.is_unlocked
        assert not sensitive_texts() & set(everything_on_page(app))
        await unlock(app)
        assert app.top_view.route == "/question" and question_id(app) == "journey_arranged"
    finally:
        await app.close()
        await services.close()


def _change_rows(vault: Vault) -> int:
    connection = sqlite3.connect(vault.database_path)
    try:
        return int(connection.execute("SELECT count(*) FROM interview_change").fetchone()[0])
    finally:
        connection.close()


async def test_ui026_pause_and_resume(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "harmed")
    vault = app.page.data.state.vault
    assert _change_rows(vault) > 0  # each answer saved as a change row
    await app.click("question-pause")
    assert app.top_view.route == "/paused"
    assert not vault.is_unlocked
    assert _change_rows(vault) == 0  # the pause folded them into one snapshot
    await app.type("unlock-secret", "not the secret at all")
    await app.click("unlock-submit")
    await app.wait_for(lambda: app.page.data.state.last_error is not None, what="the wrong-secret message")
    assert app.top_view.route == "/paused"
    await unlock(app)
    assert question_id(app) == "harmed"


async def test_ui027_resume_draft_in_new_tab(services: AppServices) -> None:
    first = await AppHarness(create_main(services=services)).start()
    await set_up(first)
    await to_first_question(first)
    await answer_until(first, "made_to_work")
    await first.close()
    second = await AppHarness(create_main(services=services)).start()
    try:
        assert second.top_view.route == "/unlock"
        await unlock(second)
        assert second.top_view.route == "/home"
        (draft,) = [k for k in second.keys() if k.startswith("resume-")]
        await second.click(draft)
        await second.wait_for(lambda: second.top_view.route == "/question", what="the draft")
        assert question_id(second) == "made_to_work"
    finally:
        await second.close()


async def test_ui028_closing_the_tab_locks(app: AppHarness) -> None:
    await set_up(app)
    vault = app.page.data.state.vault
    assert vault.is_unlocked
    await app.sess.dispatch_event(app.page._i, "disconnect", None)
    await app.settle()
    assert not vault.is_unlocked


async def test_ui029_back_asks_again(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app)
    await answer_until(app, "journey_arranged")
    await app.click("question-back")
    await app.wait_for(lambda: question_id(app) == "age_observed", what="the previous question")
    screening = app.page.data.state.screening
    assert "age_observed" not in screening.interview.answers
    assert SECRET  # the same secret unlocks throughout


async def test_ui030_a_damaged_vault_file_is_explained(make_services: Callable[..., AppServices]) -> None:
    services = make_services()
    database = services.config.data_dir / "vault.sqlite3"
    database.parent.mkdir(mode=0o700, parents=True)
    damaged = b"this is not a database at all; " * 200
    database.write_bytes(damaged)
    app = await AppHarness(create_main(services=services)).start()
    try:
        message = app.by_key("startup-error").value
        assert "damaged" in message and "coordinator" in message
        assert database.read_bytes() == damaged  # left as it is, for a person to recover
    finally:
        await app.close()
        await services.close()
