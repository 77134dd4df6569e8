"""Home's Send now, for referrals: fetch a newer directory, send the queued referrals, fetch statuses.

The same library calls as `waypoint sync` (`referral.directory.device.fetch_directory`,
`sync.referral_outbox.send_referrals` and `fetch_statuses`), on the session's unlocked vault (the
directory is kept under the officer's key). Blocking: the app runs it off the event loop.
"""

from __future__ import annotations

from app.vault import Vault
from waypoint.core.errors import WaypointError

__all__ = ["sync_referrals"]


def sync_referrals(vault: Vault) -> WaypointError | None:
    """Do one referral sync; the first problem met (the rest still ran), or None."""
    from referral.directory.device import fetch_directory
    from referral.directory.errors import OlderDirectoryError
    from sync.errors import SyncError
    from sync.referral_outbox import fetch_statuses, send_referrals

    if vault.device_store.load_enrollment() is None:
        return None
    problem: WaypointError | None = None
    try:
        fetch_directory(vault.device_store, vault.directory_store)
    except OlderDirectoryError:
        pass  # the one held is as new: nothing to replace
    except SyncError as error:
        problem = error
    report = send_referrals(vault.referral_store, vault.device_store)
    fetch_statuses(vault.referral_store, vault.device_store, report=report)
    if problem is None and report.errors:
        problem = report.errors[0]
    return problem
