"""What one partner caseworker's browser tab shows right now: one observable object, nothing else.

Screens are built from this state only; every change through `update` is announced to the listeners,
and the tab re-renders then. Opened referrals live here, in memory, while the tab is open, and are
dropped (`forget`) when it closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import StrEnum

from sync.desk.service import PartnerReferralView

__all__ = ["Answer", "PartnerDeskState", "Screen"]


class Screen(StrEnum):
    """The partner desk's screens; the value is also the view's route and test identifier suffix."""

    INBOX = "inbox"
    REFERRAL = "referral"


class Answer(StrEnum):
    """An answer that needs words before it is sent: a decline (reason) or a completion (note)."""

    DECLINE = "decline"
    COMPLETE = "complete"


@dataclass
class PartnerDeskState:
    """The tab's whole state. Assign fields through `update(...)` so the listeners hear of it."""

    language: str = "en"
    screen: Screen = Screen.INBOX
    inbox: list[PartnerReferralView] = field(default_factory=list)
    loaded: bool = False  # the inbox was fetched at least once
    current: PartnerReferralView | None = None  # the referral open on the detail screen
    answering: Answer | None = None  # the reason or note field is showing
    draft: str = ""  # what is typed in that field (kept without re-rendering on every key)
    busy: bool = False
    error: str | None = None  # the last failed action's message, translated
    notice: str | None = None  # the last action's result, translated
    narrow: bool = False  # a phone-sized window
    _listeners: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def update(self, **changes: object) -> None:
        """Set fields and tell every listener once."""
        names = {f.name for f in fields(self) if not f.name.startswith("_")}
        for name, value in changes.items():
            if name not in names:
                raise AttributeError(name)
            setattr(self, name, value)
        for listener in list(self._listeners):
            listener()

    def forget(self) -> None:
        """Drop every reference to opened referrals and typed words (the tab closed)."""
        self.inbox, self.current, self.answering, self.draft = [], None, None, ""
        self._listeners.clear()
