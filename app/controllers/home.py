"""Home: the drafts and finished interviews it lists, and the outbox's sending status."""

from __future__ import annotations

from app.home_data import load_home
from app.referral_sync import sync_referrals
from app.runtime import SessionRuntime
from app.state import Screen
from app.sync_worker import SyncStatus

__all__ = ["HomeController"]


class HomeController:
    """Shows home (metadata only) and sends on request; the sender's status is kept in the state."""

    def __init__(self, runtime: SessionRuntime) -> None:
        self._runtime = runtime
        self.state = runtime.state

    async def go_home(self) -> None:
        self.state.forget_sensitive()
        self.state.resume_interview_id = None
        self.state.resume_screen = None
        self.state.home = await self._runtime.off_loop(load_home, self._runtime.vault)
        # The counters from the same moment as the rows (the sender's last count may be older).
        self.state.sync_status = await self._runtime.services.sync_worker().refresh()
        self.state.screen = Screen.HOME

    def on_sync_status(self, status: SyncStatus) -> None:
        """The background sender's news (counts only)."""
        self.state.sync_status = status

    async def open_finished(self, interview_id: str) -> None:
        """Reopen a finished screening's kept summary (never its answers), until the retention purge."""
        vault = self._runtime.vault
        self.state.finished = await self._runtime.off_loop(vault.finished_summary, interview_id)
        rows = self.state.home.finished if self.state.home else []
        self.state.finished_sent_at = next((row.sent_at for row in rows if row.id == interview_id), None)
        self.state.screen = Screen.FINISHED

    async def send_now(self) -> None:
        """Send the interviews (the background sender), then the referrals, and fetch their statuses
        and a newer directory of services."""
        status = await self._runtime.services.sync_worker().send_now()
        self.state.sync_status = status
        if status.last_error is not None:
            raise status.last_error
        problem = await self._runtime.off_loop(sync_referrals, self._runtime.vault)
        await self.go_home()
        if problem is not None:
            raise problem
