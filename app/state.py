"""What one browser session (one officer's device screen) is doing right now.

Plain data: which screen is showing, the languages, the interview being planned, and references to
the unlocked vault and the open screening. `forget_sensitive()` is the single place that drops every
reference to decrypted content (quick exit, idle lock, end of an interview); the shell then rebuilds
the screen from this state, so nothing else keeps answers alive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["CHECK_OPTIONS", "RISKY_INTERPRETERS", "InterviewPlan", "Screen", "SessionState"]


class Screen(StrEnum):
    """Every screen of the app; the value is also the view's route and its test identifier."""

    SETUP = "setup"  # first start: join the organisation, choose the secret
    UNLOCK = "unlock"
    DURESS = "duress"  # the organisation requires a duress secret: the officer chooses it
    HOME = "home"  # new screening, drafts, outbox
    PROTOCOL = "protocol"  # protocol, respondent's language, officer's language
    CHECKS = "checks"  # alone? interpreter? interviewer gender?
    CONSENT = "consent"
    QUESTION = "question"  # one question per screen, officer holds the device
    PRIVATE = "private"  # the respondent holds the device and answers by audio and icons
    HANDBACK = "handback"  # the officer takes the device back with the secret
    PAUSED = "paused"
    STOP = "stop"  # keep or discard the partial answers, as the respondent chooses
    EMERGENCY = "emergency"  # immediate danger: stop questioning, act
    SUMMARY = "summary"  # outcome, explanation, referral needs (officer)
    RIGHTS = "rights"  # rights information for the respondent
    END = "end"
    NEUTRAL = "neutral"  # quick exit: looks like nothing


# Screens that show nothing from the vault, so they may show while it is locked.
LOCKED_SCREENS = frozenset({Screen.SETUP, Screen.UNLOCK, Screen.NEUTRAL})
# Screens whose words are addressed to the respondent (their language first, mirrored for RTL).
RESPONDENT_SCREENS = frozenset(
    {Screen.CONSENT, Screen.QUESTION, Screen.PRIVATE, Screen.HANDBACK, Screen.STOP, Screen.RIGHTS, Screen.END}
)

# Pre-interview checks: each answer is a code from a fixed list (no free text, so nothing identifying).
CHECK_OPTIONS: dict[str, tuple[str, ...]] = {
    "alone": ("yes", "no"),
    "interpreter": ("none", "professional", "colleague", "family", "employer", "companion"),
    "interviewer_gender": ("woman", "man", "no_preference", "not_asked"),
}
RISKY_INTERPRETERS = frozenset({"family", "employer", "companion"})


@dataclass
class InterviewPlan:
    """What the officer chooses before the first question."""

    protocol_id: str | None = None
    respondent_language: str | None = None
    officer_language: str | None = None
    checks: dict[str, str] = field(default_factory=dict)
    consent: dict[str, Any] = field(default_factory=dict)
    private_mode: bool = False
    # Typed or switched on a screen, not yet saved: kept here, not only in the widget, so that a
    # re-render (after a failed action, a returning browser connection) shows them again.
    research_use: bool = False  # the consent screen's switch
    notes: str = ""  # the officer's notes on the summary


@dataclass
class SessionState:
    """The state of one session; the shell renders `screen` from it."""

    ui_language: str
    screen: Screen = Screen.UNLOCK
    vault: Any = None  # app.vault.Vault, opened per session; unlocked only between unlock and lock
    screening: Any = None  # app.screening.Screening in progress
    outcome: Any = None  # screening_protocols.Outcome of the interview just finished
    plan: InterviewPlan = field(default_factory=InterviewPlan)
    resume_interview_id: str | None = None  # where to return after unlock (an id, not content)
    resume_screen: Screen | None = None
    selection: Any = None  # the answer marked on the current question, sent with Next
    busy: bool = False
    audio_state: str = "idle"  # the private-mode player's last reported state
    audio_clip: str = ""  # the context of the clip it is playing (e.g. "ui:private-instructions")
    # The device, as the officer screens show it (no content: read while locked).
    enrolled_server: str | None = None  # the organisation's server this device sends to
    unlock_wait: int = 0  # seconds before the next secret may be tried (counted down on screen)
    vault_wiped: bool = False  # the organisation's wrong-secret limit erased the vault
    # First start: the enrollment code accepted on the set-up screen's first step (pasted or read
    # from a QR picture; a one-time code, kept only until the device has joined), and whether its
    # policy, or an earlier enrollment, requires a duress secret.
    setup_code: str | None = None
    setup_code_step_done: bool = False
    duress_required: bool = False

    @property
    def respondent_language(self) -> str:
        return self.plan.respondent_language or self.ui_language

    @property
    def officer_language(self) -> str:
        return self.plan.officer_language or self.ui_language

    def forget_sensitive(self) -> None:
        """Drop every reference to decrypted content; ids needed to resume after unlock stay."""
        if self.screening is not None:
            self.resume_interview_id = getattr(self.screening, "interview_id", None)
        self.screening = None
        self.outcome = None
        self.plan = InterviewPlan()
        self.selection = None
        self.audio_state = "idle"
        self.audio_clip = ""
