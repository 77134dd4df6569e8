"""Steps the view tests share: set up a device, walk to the first question, answer by plan."""

from __future__ import annotations

from flet_harness import AppHarness

SECRET = "correct horse battery staple"
ANSWERS = {  # a plan for border-rapid: a person with several indicators, nobody in danger now
    "in_danger": "no",
    "age": "34",
    "age_observed": "appears_adult",
    "journey_arranged": "other_debt",
    "destination_work": "domestic",
    "documents_holder": "employer",
    "earnings": "someone_else",
    "made_to_work": "yes",
    "harmed": "no",
    "someone_in_control": "yes",
    "vague_job_account": "no",
    "easily_exploited": "no",
}


async def skip_code(app: AppHarness) -> None:
    """Set-up's first step on a device not enrolled yet: continue without an enrollment code."""
    await app.wait_for(lambda: app.top_view.route == "/setup", what="the set-up screen")
    if app.find("setup-skip") is not None:
        await app.click("setup-skip")
        await app.wait_for(lambda: app.find("setup-secret") is not None, what="the secret step")


async def set_up(app: AppHarness) -> None:
    """First start without an enrollment code: skip the code step, choose the secret, reach home."""
    await skip_code(app)
    await app.type("setup-secret", SECRET)
    await app.type("setup-confirm", SECRET)
    await app.click("setup-create")
    await app.wait_for(lambda: app.top_view.route == "/home", what="the home screen")


async def unlock(app: AppHarness, secret: str = SECRET) -> None:
    await app.type("unlock-secret", secret)
    await app.click("unlock-submit")
    await app.wait_for(lambda: app.top_view.route not in ("/unlock", "/paused"), what="unlocking")


async def to_first_question(
    app: AppHarness,
    respondent: str = "en",
    officer: str = "en",
    private: bool = False,
    interpreter: str = "none",
) -> None:
    await app.click("home-new")
    await app.wait_for(lambda: app.top_view.route == "/protocol", what="the protocol screen")
    if app.find("protocol-border-rapid") is not None:
        await app.click("protocol-border-rapid")
    await app.click(f"respondent-language-{respondent}")
    await app.click(f"officer-language-{officer}")
    await app.click("protocol-continue")
    await app.wait_for(lambda: app.top_view.route == "/checks", what="the checks screen")
    await app.click("check-alone-yes")
    await app.click(f"check-interpreter-{interpreter}")
    if private:
        await app.toggle("check-private-mode", True)
    await app.click("checks-continue")
    await app.wait_for(lambda: app.top_view.route == "/consent", what="the consent screen")
    if private:
        await hear_consent(app)
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route in ("/question", "/private"), what="the first question")


async def hear_consent(app: AppHarness) -> None:
    """Private mode: the consent plays through as a browser plays it (each clip loads, plays and
    completes), until "agree" is enabled."""
    prompts = app.page.data.prompts

    def agree_enabled() -> bool:
        return not app.by_key("consent-agree").disabled

    for _ in range(30):  # more than any protocol's consent clips
        if agree_enabled():
            return
        await app.wait_for(
            lambda: prompts.player is not None and prompts.player._audio is not None, what="a consent clip"
        )
        audio = prompts.player._audio
        await app.fire(audio, "loaded")
        await app.fire(audio, "state_change", {"state": "completed"})
        await app.wait_for(
            lambda audio=audio: prompts.player._audio is not audio or agree_enabled(), what="the next clip"
        )
    assert agree_enabled(), "the consent never finished playing"


def question_id(app: AppHarness) -> str:
    return app.page.data.state.step.question.id


async def answer_current(app: AppHarness, value: str) -> None:
    """Answer the question on screen as an officer would: tap the option (or type), then Next."""
    if app.find(f"answer-{value}") is not None:
        await app.click(f"answer-{value}")
    else:
        await app.type("answer-field", value)
    await app.click("question-next")
    await app.wait_for(lambda: not app.page.data.state.busy, what="the answer to be saved")
