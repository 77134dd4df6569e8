"""Referral: after the summary (or later, from a finished screening on home), refer to matching services.

Each referral goes through `app.referral_send.send_referral`, the same path as `waypoint referral send`:
with consent it is sealed and queued for the next sync (home's Send now, `app.referral_sync`); without
consent nothing is sent (information only); a mandatory child-protection referral is recorded as such,
with its legal basis.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType

from app.referral_options import ReferralOptions, load_referral_options
from app.referral_send import send_referral
from app.runtime import SessionRuntime
from app.state import Screen

__all__ = ["ReferralController"]


class ReferralController:
    """Opens the referral screen for a finished interview and records the officer's choices."""

    def __init__(
        self,
        runtime: SessionRuntime,
        finish: Callable[[str], Awaitable[None]],
        go_home: Callable[[], Awaitable[None]],
    ) -> None:
        self._runtime = runtime
        self._finish = finish
        self._go_home = go_home
        self.state = runtime.state

    async def finish_and_refer(self, notes: str = "") -> None:
        """From the summary: complete the interview with the notes, then the referral screen; its
        Continue leads on to the rights information."""
        interview_id = self._runtime.screening.interview_id
        await self._finish(notes)
        if self.state.practice is not None:  # practice: nothing is referred
            return
        await self._open(interview_id, then=Screen.RIGHTS)

    async def open_referral(self, interview_id: str) -> None:
        """From home: refer a finished screening later (from the summary the vault keeps)."""
        await self._open(interview_id, then=Screen.HOME)

    async def _open(self, interview_id: str, then: Screen) -> None:
        today = datetime.now(UTC).date()
        vault = self._runtime.vault
        options = await self._runtime.off_loop(load_referral_options, vault, interview_id, today)
        if self.state.plan.respondent_language is None:  # from home: the card in the person's language
            self.state.plan = replace(self.state.plan, respondent_language=options.language)
        self.state.referral_then = then
        self.state.referral = options
        self.state.screen = Screen.REFERRAL

    def _options(self) -> ReferralOptions:
        if self.state.referral is None:
            raise RuntimeError("the referral screen is not open")
        return self.state.referral

    async def refer(self, service_id: str, consent: str, legal_basis: str = "") -> None:
        """Record the person's answer for one organisation: "yes" seals and queues the referral, "no"
        records information only (nothing sent), "mandatory" a child-protection referral by law."""
        options = self._options()
        sent = await self._runtime.off_loop(
            send_referral,
            self._runtime.vault,
            options.interview_id,
            service_id,
            consent="yes" if consent == "yes" else "no",
            mandatory=consent == "mandatory",
            legal_basis=legal_basis.strip() or None,
        )
        decided = {**options.decided, service_id: sent.kind}
        self.state.referral = replace(options, decided=MappingProxyType(decided))

    async def show_card(self, service_id: str) -> None:
        """Show (or hide) the neutral contact card of one service, in the respondent's language."""
        options = self._options()
        card = None if options.card == service_id else service_id
        self.state.referral = replace(options, card=card)

    async def leave_referral(self) -> None:
        then = self.state.referral_then
        self.state.referral = None
        if then == Screen.HOME:
            await self._go_home()
        else:
            self.state.screen = then
