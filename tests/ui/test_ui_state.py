"""The session state is one observable object, and screens need only the actions protocol.

UI110: every change of a state field is announced once, by name; setting the same object again, or
       keeping typed text quietly, announces nothing.
UI111: background changes (the sender's status, the audio player, the unlock countdown) re-render only
       the screens that show them.
UI112: a screen builds from the state and any `Actions` (here a fake that records what it runs), with
       no session, no vault and no page; its buttons run the named action with their arguments.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from flet_harness import iter_controls

from app.home_data import HomeData
from app.i18n import translator
from app.screens import SCREENS, ScreenContext
from app.services import AppServices
from app.state import InterviewPlan, Screen, SessionState
from app.sync_worker import SyncStatus
from app.vault import InterviewSummary


def test_ui110_changes_are_announced() -> None:
    state = SessionState(ui_language="en")
    heard: list[str] = []
    unsubscribe = state.subscribe(heard.append)
    plan = InterviewPlan(protocol_id="border-rapid")
    state.plan = plan
    state.plan = plan  # the same object: nothing changed
    state.screen = Screen.HOME
    state.set_quietly("typed 12")
    assert heard == ["plan", "screen"] and state.selection == "typed 12"
    unsubscribe()
    state.screen = Screen.PROTOCOL
    assert heard == ["plan", "screen"]


def test_ui111_background_changes_render_where_shown() -> None:
    state = SessionState(ui_language="en", screen=Screen.QUESTION)
    assert not state.shows("sync_status") and not state.shows("unlock_wait") and state.shows("screen")
    state.screen = Screen.HOME
    assert state.shows("sync_status") and not state.shows("audio_state")
    state.screen = Screen.PAUSED
    assert state.shows("unlock_wait")


class RecordingActions:
    """Any object with the action groups satisfies `Actions`; this one records what runs."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, tuple[object, ...]]] = []
        self.setup = self.locking = self.home = self.interview = self.private = self

    def __getattr__(self, name: str) -> Callable[..., Awaitable[None]]:
        async def action(*args: object) -> None:
            self.ran.append((name, args))

        action.__name__ = name
        return action

    def touch(self) -> None:
        self.ran.append(("touch", ()))

    async def quick_exit(self, _event: object = None) -> None:
        self.ran.append(("quick_exit", ()))

    async def run(self, action: Callable[..., Awaitable[None]], *args: Any) -> None:
        await action(*args)


async def test_ui112_screens_need_only_the_actions(make_services: Callable[..., AppServices]) -> None:
    when = datetime(2026, 1, 2, tzinfo=UTC)
    draft = InterviewSummary(
        "draft-1", "border-rapid", "1", "in_progress", when, when, None, None, None, None
    )
    state = SessionState(ui_language="en", screen=Screen.HOME, sync_status=SyncStatus(pending=2))
    state.home = HomeData(drafts=[draft], enrolled=True, server="https://org.example")
    actions = RecordingActions()
    english = translator("en")
    ctx = ScreenContext(state, english, english, actions, make_services())  # type: ignore[arg-type]
    body = SCREENS[Screen.HOME](ctx)
    buttons = {control.key: control for control in _walk(body.controls + body.actions)}
    await buttons["resume-draft-1"].on_click()
    await buttons["home-new"].on_click()
    assert actions.ran == [("resume_interview", ("draft-1",)), ("new_screening", ())]


def _walk(controls: list[Any]) -> list[Any]:
    return [c for root in controls for c in iter_controls(root) if getattr(c, "on_click", None)]
