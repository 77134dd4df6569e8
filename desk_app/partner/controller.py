"""The partner desk's actions: each asks the service off the event loop and puts the answer in the state.

Screens call these and nothing else. A refusal (a `WaypointError` from the service) becomes the
state's translated `error`, shown in the banner; anything else is logged without content and shown
as the generic message (`app.errors.error_text`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from app.errors import error_text
from app.i18n import SHIPPED_LANGUAGES, Translator, translator
from desk_app.partner.state import Answer, PartnerDeskState, Screen
from sync.desk.service import PartnerReferralView, PartnerService
from waypoint.core.i18n import N_

__all__ = ["PartnerController"]

T = TypeVar("T")
P = ParamSpec("P")

DONE = {
    "accepted": N_("Referral accepted. The referring officer will see it at their next sync."),
    "declined": N_("Referral declined. The organisation will see your reason."),
    "completed": N_("Referral marked completed."),
}


class Failed(Exception):
    """The action failed; its message is already in the state."""


class PartnerController:
    """One tab's actions over one `PartnerService` (shared by every tab: it serialises its own calls)."""

    def __init__(self, service: PartnerService, state: PartnerDeskState) -> None:
        self.service = service
        self.state = state
        self._lock = asyncio.Lock()  # one service call at a time per tab

    @property
    def t(self) -> Translator:
        return translator(self.state.language)

    async def _ask(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking service call in a thread, showing the busy bar; a failure fills `error`."""
        async with self._lock:
            self.state.update(busy=True, error=None, notice=None)
            try:
                return await asyncio.to_thread(function, *args, **kwargs)
            except Exception as error:
                self.state.update(busy=False, error=error_text(error, self.t))
                raise Failed from None
            finally:
                if self.state.busy:
                    self.state.update(busy=False)

    # -- reading -------------------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Fetch the inbox again; on the detail screen, the open referral too."""
        try:
            inbox = await self._ask(self.service.inbox)
            self.state.update(inbox=inbox, loaded=True)
            current = self.state.current
            if self.state.screen is Screen.REFERRAL and current is not None:
                self.state.update(current=await self._ask(self.service.referral, current.referral_id))
        except Failed:
            pass

    async def open(self, referral_id: str) -> None:
        """Show one referral's detail, fetched again from the server."""
        try:
            view = await self._ask(self.service.referral, referral_id)
        except Failed:
            return
        self.state.update(screen=Screen.REFERRAL, current=view, answering=None, draft="")

    def back(self) -> None:
        """Back to the inbox; the open referral leaves the screen."""
        self.state.update(screen=Screen.INBOX, current=None, answering=None, draft="", error=None)

    def set_language(self, language: str) -> None:
        if language in SHIPPED_LANGUAGES:
            self.state.update(language=language, error=None, notice=None)

    def set_narrow(self, narrow: bool) -> None:
        if narrow != self.state.narrow:
            self.state.update(narrow=narrow)

    # -- answering -----------------------------------------------------------------------------------

    def start(self, answer: Answer) -> None:
        """Show the reason (decline) or note (complete) field."""
        self.state.update(answering=answer, draft="", error=None, notice=None)

    def cancel(self) -> None:
        self.state.update(answering=None, draft="", error=None)

    def type_draft(self, text: str) -> None:
        """Keep what is typed without re-rendering (the field already shows it)."""
        self.state.draft = text

    async def accept(self) -> None:
        await self._answer(lambda view: self.service.accept(view.referral_id))

    async def confirm(self) -> None:
        """Send the decline with its reason, or the completion with its note."""
        text = self.state.draft
        if self.state.answering is Answer.DECLINE:
            await self._answer(lambda view: self.service.decline(view.referral_id, text))
        elif self.state.answering is Answer.COMPLETE:
            await self._answer(lambda view: self.service.complete(view.referral_id, text))

    async def _answer(self, call: Callable[[PartnerReferralView], PartnerReferralView]) -> None:
        current = self.state.current
        if current is None:
            return
        try:
            view = await self._ask(call, current)
        except Failed:
            return
        inbox = [view if item.referral_id == view.referral_id else item for item in self.state.inbox]
        self.state.update(
            current=view,
            inbox=inbox,
            answering=None,
            draft="",
            notice=self.t.gettext(DONE.get(view.status, DONE["completed"])),
        )
