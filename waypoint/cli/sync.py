"""`waypoint sync`: send the device's sealed interviews to the organisation's server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from waypoint.cli.options import (
    data_dir_option,
    existing_vault,
    insecure_http_option,
    pin_from_environment,
    warn_insecure_http,
)
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

DEFAULT_SYNC_DEADLINE_SECONDS = 30.0


@click.command("sync")
@data_dir_option
@click.option(
    "--deadline",
    type=click.FloatRange(min=0.0, min_open=True),
    default=DEFAULT_SYNC_DEADLINE_SECONDS,
    show_default=True,
    help="Seconds to keep trying while the server cannot be reached.",
)
@insecure_http_option
@pin_from_environment(required=False)
def sync_command(data_dir: Path, deadline: float, insecure_http: bool, pin: str | None) -> None:
    """Send every sealed interview; exit 0 only when the outbox is empty. Needs no secret.

    With WAYPOINT_PIN it also fetches a newer directory of services (checked against the
    organisation's signature, kept encrypted in the vault).

    While the server cannot be reached it retries (with growing waits, said on stderr) until
    --deadline. A device that is not enrolled exits 1 when finished interviews wait for it (they
    are counted only with WAYPOINT_PIN: nothing about interviews is listed without a secret).
    """
    from sync import Outbox

    vault = existing_vault(data_dir)
    warn_insecure_http(insecure_http)
    try:
        report = Outbox(vault.outbox_store, vault.device_store, insecure_http=insecure_http).send_pending(
            deadline=deadline, on_progress=_show_retry
        )
        if report.stopped == "not_enrolled":
            _not_enrolled(vault, report.pending, pin)
            return
        counts = vault.outbox_store.counts()
        directory_line = _fetch_directory(vault, pin, insecure_http) if report.stopped != "refused" else None
        referral_line = _sync_referrals(vault, insecure_http) if report.stopped != "refused" else None
    finally:
        vault.close()
    click.echo(
        f"sent {report.sent}, parked {report.parked}, pending {counts.pending} ({report.requests} requests)"
    )
    if directory_line is not None:
        click.echo(directory_line)
    if referral_line is not None:
        click.echo(referral_line)
    if report.error is not None and counts.pending:
        click.echo(report.error.coded_message(), err=True)
        if report.stopped == "deadline":
            click.echo(
                f"stopped trying within --deadline {deadline:g} s: run `waypoint sync` again later", err=True
            )
    if counts.parked:
        click.echo(
            f"{counts.parked} interview(s) parked: the server refused them; tell your coordinator", err=True
        )
    if counts.pending or counts.parked:
        raise SystemExit(1)


def _fetch_directory(vault: Any, pin: str | None, insecure_http: bool) -> str | None:
    """With the officer's secret, fetch a newer directory of services (checked, kept encrypted).

    The directory is kept in the vault under the officer's key, so it is fetched only with
    WAYPOINT_PIN. A directory the organisation did not sign is refused (the one held stays).

    Raises:
        TamperedDirectoryError: what the server sent is not signed by the organisation.
    """
    if pin is None or not vault.has_secret:
        return None
    from referral.directory.device import fetch_directory
    from referral.directory.errors import OlderDirectoryError
    from sync.errors import SyncError

    vault.unlock(pin)
    store = vault.directory_store
    try:
        fetched = fetch_directory(vault.device_store, store, insecure_http=insecure_http)
    except (SyncError, OlderDirectoryError) as error:
        return f"directory: not updated: {error.coded_message()}"
    held_now = store.load_directory()
    vault.lock()
    if fetched is not None:
        return f"directory: version {fetched.version}, {len(fetched.services)} service(s)"
    held = held_now.version if held_now is not None else 0
    return f"directory: version {held}, up to date" if held else "directory: none published yet"


def _sync_referrals(vault: Any, insecure_http: bool) -> str | None:
    """Send the sealed referrals and fetch the statuses of those sent (no secret needed)."""
    from sync.referral_outbox import fetch_statuses, send_referrals

    report = send_referrals(vault.referral_store, vault.device_store, insecure_http=insecure_http)
    fetch_statuses(vault.referral_store, vault.device_store, insecure_http=insecure_http, report=report)
    if not (report.sent or report.parked or report.statuses or report.refused_statuses or report.errors):
        return None
    line = f"referrals: sent {report.sent}, parked {report.parked}, statuses {report.statuses}"
    if report.refused_statuses:
        line += f", {report.refused_statuses} status(es) refused: not signed by the partner"
    if report.errors:
        line += f"; {report.errors[0].coded_message()}"
    return line


def _show_retry(progress: Any) -> None:
    """One short stderr line before each wait, so a person sees the command is still trying."""
    if progress.waiting > 0:
        click.echo(
            f"try {progress.attempt} failed: trying again in {progress.waiting:.1f} s "
            f"({progress.done} of {progress.total} done)",
            err=True,
        )


def _not_enrolled(vault: Any, pending: int, pin: str | None) -> None:
    """Nothing can be sent before enrollment: exit 1 when something waits, else say so and exit 0.

    Raises:
        ConfigError: finished interviews (or sealed ones) wait; they stay on the device.
    """
    if pin is not None:
        vault.unlock(pin)
        pending += len(vault.list_interviews(states=("completed",)))
    waiting = pending
    if waiting:
        raise ConfigError(
            N_("This device is not enrolled, so its {count} finished interview(s) cannot be sent."),
            N_(
                "Run `waypoint enroll join` with the code from your coordinator (and WAYPOINT_PIN), "
                "then `waypoint sync` again. The interviews stay on this device until then."
            ),
            count=waiting,
        )
    click.echo("sent 0, parked 0, pending 0 (0 requests)")
    click.echo(
        "nothing to send; this device is not enrolled yet: run `waypoint enroll join` before "
        "interviews can be sent",
        err=True,
    )


commands: list[click.Command] = [sync_command]
