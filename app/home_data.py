"""What the home screen lists: drafts to resume, finished interviews with their sending state, and
the referrals made with their status.

Loaded in one thread hop before the home screen shows (the screen itself does no I/O). Metadata only:
ids, protocol, state and times; never an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.vault import InterviewError, InterviewSummary, Vault
from app.vault.referrals import ReferralSummary

__all__ = ["HomeData", "load_home"]

DRAFT_STATES = ("in_progress",)
FINISHED_STATES = ("completed", "sealed", "sent")
RECENT_FINISHED = 20
RECENT_REFERRALS = 20
RECENT_DRAFTS = 50  # more than an officer keeps open; the oldest beyond it stay resumable from the CLI


@dataclass(frozen=True)
class HomeData:
    drafts: list[InterviewSummary] = field(default_factory=list)  # newest first
    finished: list[InterviewSummary] = field(default_factory=list)
    enrolled: bool = False
    server: str | None = None
    retention_days: int = 30  # the organisation's: how long a sent interview stays on the device
    referrals: list[ReferralSummary] = field(default_factory=list)  # newest first, with their status
    referable: frozenset[str] = frozenset()  # finished interviews whose outcome summary the vault keeps


def load_home(vault: Vault) -> HomeData:
    """Read the lists for the home screen (blocking: run it off the event loop).

    Two bounded, indexed queries (newest first), never a listing of every record: a device that has
    kept 100,000 content-free records shows its home screen as fast as a new one. Then the device's
    referrals (a few per interview) and, for the finished interviews listed, whether their outcome
    summary is still kept (so a referral can be made later).

    Raises:
        VaultLockedError: the vault is locked (nothing is listed without a secret).
    """
    drafts = vault.list_interviews(states=DRAFT_STATES, newest_first=True, limit=RECENT_DRAFTS)
    finished = vault.list_interviews(states=FINISHED_STATES, newest_first=True, limit=RECENT_FINISHED)
    enrollment = vault.device_store.load_enrollment()
    return HomeData(
        drafts=drafts,
        finished=finished,
        enrolled=enrollment is not None,
        server=enrollment.server_url if enrollment else None,
        retention_days=vault.policy.retention_days,
        referrals=vault.referrals.list()[:RECENT_REFERRALS],
        referable=frozenset(summary.id for summary in finished if _kept(vault, summary.id)),
    )


def _kept(vault: Vault, interview_id: str) -> bool:
    """The vault still keeps this finished interview's outcome summary (not purged)."""
    try:
        vault.finished_summary(interview_id)
    except InterviewError:
        return False
    return True
