"""The thin path in one fake browser tab: set-up, a whole border-rapid screening, stored encrypted.

UI010: set-up → protocol → checks → consent → every question → summary → rights → end → home;
       the interview is stored (completed, encrypted) in the vault, and nothing went to browser
       storage on the way (no client storage service, no storage call).
"""

from __future__ import annotations

from flet_harness import AppHarness
from ui_support import ANSWERS, answer_current, question_id, set_up, to_first_question

from app.services import AppServices


async def test_ui010_whole_screening_is_sealed(app: AppHarness, services: AppServices) -> None:
    await set_up(app)
    await to_first_question(app)
    asked = []
    while app.top_view.route == "/question":
        qid = question_id(app)
        assert qid not in asked, f"{qid} asked twice; last error: {app.page.data.state.last_error}"
        asked.append(qid)
        await answer_current(app, ANSWERS[qid])
    assert asked[0] == "in_danger"
    await app.wait_for(lambda: app.top_view.route == "/summary", what="the summary")
    assert any("indicator" in k for k in app.keys()), app.texts()
    await app.click("summary-rights")
    assert app.top_view.route == "/rights"
    await app.click("rights-done")
    assert app.top_view.route == "/end"
    await app.click("end-done")
    await app.wait_for(lambda: app.top_view.route == "/home", what="home")
    summaries = app.page.data.state.vault.list_interviews()
    assert [s.state for s in summaries] == ["completed"]  # not enrolled: kept, to be sealed later
    service_types = {type(s).__name__ for s in app.page._services._services}
    assert not service_types & {"SharedPreferences", "SecureStorage"}, service_types
    assert not [name for name, _args in app.conn.invoked if name in ("set", "get", "set_string")]
