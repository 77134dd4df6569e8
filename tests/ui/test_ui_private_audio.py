"""Private answering, spoken from the first word to the last (issue 13).

UI200: while the respondent holds the device, the idle limit is the longer private one; when it
       runs out they see and hear, in their language, "please give the device back", and only then
       (nobody touched it) does the app lock. The vault stays open meanwhile.
UI201: consent in private mode is spoken: every item plays (title, items, statistics switch,
       agreement, in that order) and "agree" is enabled only once each item has been heard.
UI202: with no audio in the person's language, every consent item counts as shown: "agree" is on.
UI203: feedback in private mode is the respondent's: the tick with nothing marked shows and says
       "Please touch an answer first." in their language, no error in the officer's language.
UI204: a number out of range is answered with the question's own range message, shown and spoken.
UI205: the "Officer" button is labelled in the respondent's language and the officer's.
UI206: before the hand-over the checks screen says whether every prompt has audio for this protocol
       and language, and warns (with how many are missing) when not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flet_harness import AppHarness, strings_in
from test_ui_private import audio_service, loaded_and_playing, past_instructions, private_to
from ui_support import set_up

from app.audio import AudioCatalog
from app.clock import ManualClock
from app.i18n import Translator
from app.main import create_main
from app.services import AppServices
from app.spoken import consent_clips
from app.vault import VaultPolicy
from screening_protocols import get_protocol
from waypoint.core.resources import LOCALES_DIR

PROTOCOL = get_protocol("border-rapid")
GIVE_BACK = "Thank you. Please give the device back to the officer."


def arabic(msgid: str) -> str:
    return Translator("ar", LOCALES_DIR).gettext(msgid)


async def to_consent(app: AppHarness, respondent: str = "ar") -> None:
    await set_up(app)
    await app.click("home-new")
    await app.wait_for(lambda: app.top_view.route == "/protocol", what="the protocol screen")
    if app.find("protocol-border-rapid") is not None:
        await app.click("protocol-border-rapid")
    await app.click(f"respondent-language-{respondent}")
    await app.click("officer-language-en")
    await app.click("protocol-continue")
    await app.click("check-alone-yes")
    await app.click("check-interpreter-none")
    await app.toggle("check-private-mode", True)
    await app.click("checks-continue")
    await app.wait_for(lambda: app.top_view.route == "/consent", what="the consent screen")


async def test_ui200_idle_lock_asks_for_the_device_back_first(
    make_services: Callable[..., AppServices],
) -> None:
    clock = ManualClock()
    services = make_services(idle_lock_seconds=60, private_idle_lock_seconds=300, clock=clock)
    app = await AppHarness(create_main(services=services)).start()
    try:
        await private_to(app)
        await past_instructions(app)
        vault = app.page.data.state.vault
        await clock.advance(200)  # longer than the officer's limit: the respondent is still answering
        assert app.top_view.route == "/private" and vault.is_unlocked
        await clock.advance(100)
        await app.wait_for(lambda: app.top_view.route == "/handback", timeout=5, what="the request")
        assert arabic(GIVE_BACK) in strings_in(app.top_view)
        assert arabic(GIVE_BACK) != GIVE_BACK
        audio = await loaded_and_playing(app, "ui.handback.mp3")
        assert app.page.data.prompts.player.current_context == "ui:handback"
        assert audio.src.startswith("audio/ar/")
        await clock.advance(29)
        assert app.top_view.route == "/handback" and vault.is_unlocked
        await clock.advance(1)
        await app.wait_for(lambda: app.top_view.route == "/unlock", timeout=5, what="the idle lock")
        assert not vault.is_unlocked
    finally:
        await app.close()
        await services.close()


async def test_ui207_the_organisation_sets_the_private_idle_limit(
    make_services: Callable[..., AppServices],
) -> None:
    """The organisation's policy (from the enrollment code) gives the private-mode idle limit; the
    app's own setting is only the default."""
    clock = ManualClock()
    services = make_services(idle_lock_seconds=60, private_idle_lock_seconds=300, clock=clock)
    app = await AppHarness(create_main(services=services)).start()
    try:
        await set_up(app)
        session = app.page.data
        session.state.vault.set_policy(VaultPolicy(idle_lock_seconds=60, private_idle_lock_seconds=900))
        await session.locking.refresh_device_status()
        assert session.state.private_idle_lock_seconds == 900
        session.state.vault.set_policy(VaultPolicy(idle_lock_seconds=60))  # none set: the app's default
        await session.locking.refresh_device_status()
        assert session.state.private_idle_lock_seconds == 300
    finally:
        await app.close()
        await services.close()


async def test_ui201_consent_is_spoken_and_agree_waits_for_every_item(app: AppHarness) -> None:
    await to_consent(app)
    assert app.by_key("consent-agree").disabled
    prompts = app.page.data.prompts
    played: list[str] = []
    clips = consent_clips(PROTOCOL)
    for _ in range(len(clips)):
        await app.wait_for(lambda: prompts.player is not None and prompts.player._audio is not None)
        audio = prompts.player._audio
        await app.fire(audio, "loaded")
        played.append(prompts.player.current_context)
        assert audio.src.startswith("audio/ar/")
        if len(played) < len(consent_clips(PROTOCOL)):
            assert app.by_key("consent-agree").disabled, f"agree enabled after only {played}"
        await app.fire(audio, "state_change", {"state": "completed"})
        await app.wait_for(
            lambda audio=audio: prompts.player._audio is not audio or len(played) == len(clips)
        )
    assert played == consent_clips(PROTOCOL)
    assert not app.by_key("consent-agree").disabled
    before = len(app.conn.invoked)
    await app.click("consent-play-0")  # an item can be heard again
    audio = audio_service(app)
    await app.fire(audio, "loaded")
    assert prompts.player.current_context == consent_clips(PROTOCOL)[1]
    assert len(app.conn.invoked) > before
    await app.click("consent-agree")
    await app.wait_for(lambda: app.top_view.route == "/private", what="the first question")


async def test_ui202_without_audio_every_item_counts_as_shown(app: AppHarness) -> None:
    app.page.data.services.audio_catalog = lambda: AudioCatalog({})
    await to_consent(app)
    assert not app.by_key("consent-agree").disabled


async def test_ui203_nothing_marked_is_said_in_the_respondents_language(app: AppHarness) -> None:
    await private_to(app)
    await past_instructions(app)
    await app.click("private-confirm")
    state = app.page.data.state
    assert state.last_error is None  # no error in the officer's language
    assert app.top_view.route == "/private"
    assert arabic("Please touch an answer first.") in strings_in(app.top_view)
    await loaded_and_playing(app, "ui.private-choose-first.mp3")
    assert app.page.data.prompts.player.current_context == "ui:private-choose-first"
    await app.click("private-no")
    assert arabic("Please touch an answer first.") not in strings_in(app.top_view)


async def test_ui204_a_number_out_of_range_gets_its_range_message(app: AppHarness) -> None:
    await private_to(app)
    await past_instructions(app)
    await app.click("private-no")
    await app.click("private-confirm")
    await app.wait_for(lambda: app.page.data.state.step.question.id == "age", what="the age question")
    for key in ("9", "9", "9"):
        await app.click(f"private-key-{key}")
    await app.click("private-confirm")
    state = app.page.data.state
    assert state.last_error is None and state.step.question.id == "age"
    assert state.private_notice == "border-rapid:age:constraint"
    from app.wording import question_wording

    age = next(q for q in PROTOCOL.questions if q.id == "age")
    assert question_wording(PROTOCOL, age, "ar").constraint in strings_in(app.top_view)
    await loaded_and_playing(app)
    assert app.page.data.prompts.player.current_context == "border-rapid:age:constraint"


async def test_ui205_officer_button_in_both_languages(app: AppHarness) -> None:
    await private_to(app)
    label = str(next(c for c in _semantics(app) if c.identifier == "private-handback").label)
    assert arabic("Officer") in label and "Officer" in label


async def test_ui206_checks_screen_says_whether_audio_is_ready(app: AppHarness) -> None:
    await to_consent_checks(app)
    assert "audio-status-ready" in app.semantics_ids()
    app.page.data.services.audio_catalog = lambda: AudioCatalog({})
    await app.click("check-alone-no")  # any re-render
    assert "audio-status-missing" in app.semantics_ids()
    warning = " ".join(strings_in(app.top_view))
    assert "Spoken audio is missing for" in warning


async def to_consent_checks(app: AppHarness) -> None:
    await set_up(app)
    await app.click("home-new")
    await app.wait_for(lambda: app.top_view.route == "/protocol", what="the protocol screen")
    if app.find("protocol-border-rapid") is not None:
        await app.click("protocol-border-rapid")
    await app.click("respondent-language-ar")
    await app.click("officer-language-en")
    await app.click("protocol-continue")
    await app.wait_for(lambda: app.top_view.route == "/checks", what="the checks screen")


def _semantics(app: AppHarness) -> list[Any]:
    from flet_harness import iter_controls

    return [c for c in iter_controls(app.top_view) if getattr(c, "identifier", None)]
