"""What the home screen lists: drafts to resume and finished interviews with their sending state.

Loaded in one thread hop before the home screen shows (the screen itself does no I/O). Metadata only:
ids, protocol, state and times; never an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["HomeData", "load_home"]

DRAFT_STATES = frozenset({"in_progress"})
FINISHED_STATES = ("completed", "sealed", "sent")
RECENT_FINISHED = 20


@dataclass(frozen=True)
class HomeData:
    drafts: list[Any] = field(default_factory=list)  # app.vault.InterviewSummary, newest first
    finished: list[Any] = field(default_factory=list)
    enrolled: bool = False
    server: str | None = None


def load_home(vault: Any) -> HomeData:
    """Read the lists for the home screen (blocking: run it off the event loop)."""
    summaries = vault.list_interviews()
    enrollment = vault.device_store.load_enrollment()
    drafts = [s for s in summaries if s.state in DRAFT_STATES]
    finished = [s for s in summaries if s.state in FINISHED_STATES]
    newest_first = sorted(finished, key=lambda s: s.updated_at, reverse=True)[:RECENT_FINISHED]
    return HomeData(
        drafts=sorted(drafts, key=lambda s: s.updated_at, reverse=True),
        finished=newest_first,
        enrolled=enrollment is not None,
        server=enrollment.server_url if enrollment else None,
    )
