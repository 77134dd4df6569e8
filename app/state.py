"""What one browser session (one officer's device screen) is doing right now: one observable object.

Plain, typed data: which screen is showing, the languages, the interview being planned, the step the
engine last returned, and references to the unlocked vault and the open screening. Every change of a
field is announced to the listeners (`subscribe`); the session re-renders the view from this state,
and nothing else. `forget_sensitive()` is the single place that drops every reference to decrypted
content (quick exit, idle lock, end of an interview).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from app.sync_worker import SyncStatus

if TYPE_CHECKING:
    from datetime import datetime

    from app.home_data import HomeData
    from app.practice import PracticeRun
    from app.referral_options import ReferralOptions
    from app.screening import Screening
    from app.vault import FinishedSummary, Vault
    from screening_protocols import AnswerValue, Outcome, Step
    from sync.enrollment_code import EmergencyNumbers

__all__ = [
    "CHECK_OPTIONS",
    "LOCKED_SCREENS",
    "RESPONDENT_SCREENS",
    "RISKY_INTERPRETERS",
    "Consent",
    "DeletionReceipt",
    "InterviewPlan",
    "Screen",
    "Selection",
    "SessionState",
]


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
    DELETED = "deleted"  # the answers were deleted: the receipt (id and time) for the person
    EMERGENCY = "emergency"  # immediate danger: stop questioning, act
    SUMMARY = "summary"  # outcome, explanation, referral needs (officer)
    FINISHED = "finished"  # a finished screening's kept summary, reopened from home (officer)
    REFERRAL = "referral"  # matching services, consent per organisation, send, contact card
    RIGHTS = "rights"  # rights information for the respondent
    END = "end"
    NEUTRAL = "neutral"  # quick exit: looks like nothing
    PRACTICE = "practice"  # practice mode: choose a case, read its story
    FEEDBACK = "feedback"  # practice mode: the trainee's record against the case


# Screens that show nothing from the vault, so they may show while it is locked.
LOCKED_SCREENS = frozenset({Screen.SETUP, Screen.UNLOCK, Screen.NEUTRAL})
# Screens whose words are addressed to the respondent (their language first, mirrored for RTL).
RESPONDENT_SCREENS = frozenset(
    {
        Screen.CONSENT,
        Screen.QUESTION,
        Screen.PRIVATE,
        Screen.HANDBACK,
        Screen.STOP,
        Screen.DELETED,
        Screen.RIGHTS,
        Screen.END,
    }
)

# Pre-interview checks: each answer is a code from a fixed list (no free text, so nothing identifying).
CHECK_OPTIONS: dict[str, tuple[str, ...]] = {
    "alone": ("yes", "no"),
    "interpreter": ("none", "professional", "colleague", "family", "employer", "companion"),
    "interviewer_gender": ("woman", "man", "no_preference", "not_asked"),
}
RISKY_INTERPRETERS = frozenset({"family", "employer", "companion"})

# The answer marked on screen before Next: an option, the ticked options, or what was typed.
Selection = str | tuple[str, ...] | None
# What the person agreed to: {"agreed": True, "research_use": False, "language": "fr"}.
Consent = Mapping[str, bool | str | None]


@dataclass(frozen=True)
class DeletionReceipt:
    """What the person is shown after their answers were deleted: the interview's id and the time."""

    interview_id: str
    deleted_at: datetime


@dataclass(frozen=True)
class InterviewPlan:
    """What the officer chooses before the first question (replaced, never changed in place)."""

    protocol_id: str | None = None
    respondent_language: str | None = None
    officer_language: str | None = None
    checks: Mapping[str, str] = field(default_factory=dict)
    consent: Consent = field(default_factory=dict)
    private_mode: bool = False
    red_flags_confirmed: bool = False  # the officer read the pre-checks' warnings and goes on


# Fields that change while nothing visible depends on them elsewhere: they re-render only these screens.
SHOWN_ONLY_ON: dict[str, frozenset[Screen]] = {
    "sync_status": frozenset({Screen.HOME}),
    "unlock_wait": frozenset({Screen.UNLOCK, Screen.PAUSED}),
    "audio_state": frozenset({Screen.PRIVATE}),
    "audio_clip": frozenset({Screen.PRIVATE}),
    "consent_heard": frozenset({Screen.CONSENT}),
}

Listener = Callable[[str], None]


@dataclass(eq=False)
class SessionState:
    """The state of one session; the shell renders `screen` from it, and re-renders on every change."""

    ui_language: str
    screen: Screen = Screen.UNLOCK
    vault: Vault | None = None  # opened per session; unlocked only between unlock and lock
    screening: Screening | None = None  # the interview in progress
    step: Step | None = None  # what the engine said comes next, as `answer()` returned it
    outcome: Outcome | None = None  # computed once, when the questions are over
    plan: InterviewPlan = field(default_factory=InterviewPlan)
    resume_interview_id: str | None = None  # where to return after unlock (an id, not content)
    resume_screen: Screen | None = None
    selection: Selection = None  # the answer marked on the current question, sent with Next
    busy: bool = False
    last_error: str | None = None  # the message the last failed action showed
    audio_state: str = "idle"  # the private-mode player's last reported state
    audio_clip: str = ""  # the context of the clip it is playing (e.g. "ui:private-instructions")
    home: HomeData | None = None  # what the home screen lists (metadata only)
    sync_status: SyncStatus = field(default_factory=SyncStatus)
    # The device, as the officer screens show it (no content: read while locked).
    enrolled_server: str | None = None  # the organisation's server this device sends to
    unlock_wait: int = 0  # seconds before the next secret may be tried (counted down on screen)
    vault_wiped: bool = False  # the organisation's wrong-secret limit erased the vault
    idle_lock_seconds: float = 120.0  # the organisation's idle lock once set; until then the app's
    private_idle_lock_seconds: float = 600.0  # while the respondent holds the device (never shorter)
    # First start: the enrollment code accepted on the set-up screen's first step (pasted or read
    # from a QR picture; a one-time code, kept only until the device has joined), and whether its
    # policy, or an earlier enrollment, requires a duress secret.
    setup_code: str | None = None
    setup_code_step_done: bool = False
    duress_required: bool = False
    # Typed or switched on a screen, not saved yet: kept here (quietly) so a re-render after a failed
    # action shows them again. Dropped with the rest by `forget_sensitive()`.
    notes: str = ""  # the officer's notes on the summary
    research_use: bool = False  # the consent screen's "statistics" switch
    # Private answering: the consent items heard so far (their manifest contexts), and the feedback
    # shown and spoken to the respondent (a clip context, e.g. "ui:private-choose-first").
    consent_heard: frozenset[str] = frozenset()
    private_notice: str = ""
    practice: PracticeRun | None = None  # practice mode: the case being run (nothing of it is saved)
    # Stopping: "delete" asks once more before deleting; "keep" shows the summary before completing.
    confirming_discard: bool = False
    stopped_early: bool = False  # the person chose to keep the answers so far: the summary completes it
    deletion_receipt: DeletionReceipt | None = None  # shown once, after the answers were deleted
    # Facts carried into the next screening (an adult protocol found a child: the child screen).
    carried_facts: Mapping[str, AnswerValue] = field(default_factory=dict)
    # The organisation's emergency and duty numbers by country (read when an interview opens; not secret).
    emergency_numbers: tuple[EmergencyNumbers, ...] = ()
    # A finished screening's kept summary, reopened from home, and when it was sent (for its purge date).
    finished: FinishedSummary | None = None
    finished_sent_at: datetime | None = None
    referral: ReferralOptions | None = None  # the referral screen's services and choices
    referral_then: Screen = Screen.RIGHTS  # where the referral screen's Continue leads
    _listeners: list[Listener] = field(default_factory=list, init=False, repr=False)

    def __setattr__(self, name: str, value: object) -> None:
        unchanged = name in self.__dict__ and self.__dict__[name] is value
        object.__setattr__(self, name, value)
        if unchanged or name.startswith("_"):
            return
        for listener in list(self.__dict__.get("_listeners", ())):
            listener(name)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(field name)` after every change; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def set_quietly(self, selection: Selection) -> None:
        """Keep what is typed in a field without re-rendering it under the typing fingers."""
        object.__setattr__(self, "selection", selection)

    def keep_notes(self, notes: str) -> None:
        """Keep the summary's notes as typed, without re-rendering the field under the fingers."""
        object.__setattr__(self, "notes", notes)

    def keep_research_use(self, research_use: bool) -> None:
        """Keep the consent screen's switch as set (the switch already shows it)."""
        object.__setattr__(self, "research_use", research_use)

    def shows(self, name: str) -> bool:
        """True when a change of field `name` can change what the current screen shows."""
        screens = SHOWN_ONLY_ON.get(name)
        return screens is None or self.screen in screens

    @property
    def respondent_language(self) -> str:
        return self.plan.respondent_language or self.ui_language

    @property
    def officer_language(self) -> str:
        return self.plan.officer_language or self.ui_language

    def forget_sensitive(self) -> None:
        """Drop every reference to decrypted content; ids needed to resume after unlock stay."""
        if self.screening is not None and self.practice is None:  # practice is never resumed
            self.resume_interview_id = self.screening.interview_id
        self.practice = None
        self.screening = None
        self.step = None
        self.outcome = None
        self.plan = InterviewPlan()
        self.selection = None
        self.audio_state = "idle"
        self.audio_clip = ""
        self.notes = ""
        self.research_use = False
        self.consent_heard = frozenset()
        self.private_notice = ""
        self.confirming_discard = False
        self.stopped_early = False
        self.deletion_receipt = None
        self.carried_facts = {}
        self.finished = None
        self.finished_sent_at = None
        self.referral = None

    @property
    def handed_over(self) -> bool:
        """The respondent holds the device: private answering, on a screen addressed to them."""
        return self.plan.private_mode and self.screen in RESPONDENT_SCREENS
