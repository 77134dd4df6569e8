"""What the officer typed or switched stays in the session state, so a re-render never empties it.

UI122: the summary's notes survive a failed finish (notes over the limit): the screen shows them again,
       and once shortened the interview completes with exactly what is in the field.
UI123: the consent screen's "statistics" switch survives a re-render and reaches the consent record.
"""

from __future__ import annotations

from typing import Any

import pytest
from flet_harness import AppHarness
from ui_support import ANSWERS, answer_current, question_id, set_up, to_first_question

from app.screening import MAX_NOTES_LENGTH
from app.vault.records import InterviewRecords
from sync.sealed import SealedInterview


async def test_ui122_notes_survive_a_failed_finish(app: AppHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    completed: list[SealedInterview] = []
    complete = InterviewRecords.complete

    def recording(records: InterviewRecords, interview_id: str, submission: SealedInterview) -> Any:
        completed.append(submission)
        return complete(records, interview_id, submission)

    monkeypatch.setattr(InterviewRecords, "complete", recording)
    await set_up(app)
    await to_first_question(app)
    while app.top_view.route == "/question":
        await answer_current(app, ANSWERS[question_id(app)])
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    too_long = "Asked about a safe place to stay. " * (MAX_NOTES_LENGTH // 30)
    assert len(too_long) > MAX_NOTES_LENGTH
    await app.type("summary-notes", too_long)
    await app.click("summary-rights")
    await app.wait_for(lambda: app.page.data.state.last_error is not None, what="the refusal")
    assert app.top_view.route == "/summary"
    assert app.by_key("summary-notes").value == too_long  # the re-rendered field, not the old widget
    notes = too_long[:MAX_NOTES_LENGTH].strip()
    await app.type("summary-notes", notes)
    app.page.data.render()  # any re-render (e.g. a returning connection) keeps the edited text too
    assert app.by_key("summary-notes").value == notes
    await app.click("summary-rights")
    await app.wait_for(lambda: app.top_view.route == "/rights", what="the rights")
    assert [submission.notes for submission in completed] == [notes]


async def test_ui123_consent_switch_survives_a_render(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-new")
    await app.wait_for(lambda: app.top_view.route == "/protocol", what="the protocol screen")
    await app.click("protocol-border-rapid")
    await app.click("officer-language-en")
    await app.click("respondent-language-en")
    await app.click("protocol-continue")
    await app.wait_for(lambda: app.top_view.route == "/checks", what="the checks screen")
    await app.click("check-alone-yes")
    await app.click("check-interpreter-none")
    await app.click("checks-continue")
    await app.wait_for(lambda: app.top_view.route == "/consent", what="the consent screen")
    await app.toggle("consent-research-use", True)
    app.page.data.render()
    assert app.by_key("consent-research-use").value is True
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/question", what="the first question")
    assert app.page.data.state.plan.consent["research_use"] is True
