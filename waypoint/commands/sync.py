"""`waypoint` commands for sealed sync: organisation keys, the referral server, enrollment, sending,
revocation and the case desk's export.

Heavy imports (the server, the vault) happen inside the commands, so `waypoint --help` stays fast;
`app` is imported only here, inside the device-side commands (`sync` itself never imports it).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from waypoint.errors import N_, ConfigError
from waypoint.paths import default_data_dir, existing_data_dir

PASSPHRASE_VARIABLE = "WAYPOINT_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
PIN_VARIABLE = "WAYPOINT_PIN"
DURESS_PIN_VARIABLE = "WAYPOINT_DURESS_PIN"
DEFAULT_SYNC_DEADLINE_SECONDS = 30.0
# A code is refused on the device only when it expired longer ago than this by the device's clock, so
# a clock a few minutes fast does not block enrollment; the server's check is the one that counts.
CODE_EXPIRY_GRACE_SECONDS = 300

database_url_option = click.option(
    "--database-url",
    default=None,
    help="The referral server's database (default: SQLite in the data folder's server/referral.db).",
)


def _database_url(url: str | None) -> str:
    if url:
        return url
    return f"sqlite:///{default_data_dir() / 'server' / 'referral.db'}"


def _passphrase() -> str:
    passphrase = os.environ.get(PASSPHRASE_VARIABLE)
    if not passphrase:
        raise ConfigError(
            N_("The organisation key passphrase is not set."),
            N_("Set WAYPOINT_KEY_PASSPHRASE to the passphrase for the organisation's private key."),
        )
    return passphrase


def _open_vault(data_dir: Path | None, *, create: bool = True) -> Any:
    """The device's vault. With `create=False` a folder without one is refused and nothing is made.

    Raises:
        ConfigError: `create` is False and the folder holds no vault.
        VaultFileDamagedError: the vault file cannot be read.
    """
    from app.vault import Vault

    folder = data_dir or default_data_dir()
    return Vault.open(folder if create else existing_data_dir(folder))


@click.group("keys")
def keys_group() -> None:
    """The organisation's key pair (on the case desk, never on the server)."""


@keys_group.command("generate")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for organisation.public.pem and organisation.private.json.",
)
def keys_generate(out_dir: Path) -> None:
    """Make the organisation key pair; the private key is locked with WAYPOINT_KEY_PASSPHRASE."""
    from sync.desk import generate_organisation_keys

    files = generate_organisation_keys(out_dir, _passphrase())
    click.echo(f"key id: {files.key_id}")
    click.echo(f"public key (give to the server): {files.public_key}")
    click.echo(f"private key (keep on the case desk): {files.private_key}")


@click.command("server")
@database_url_option
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The organisation's public key to register (needed on first start).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=int, default=8551, show_default=True, help="Port to listen on (0: any free port)."
)
@click.option("--max-body-bytes", type=int, default=None, help="Largest request body accepted.")
@click.option(
    "--rate-limit-per-minute", type=int, default=None, help="Signed requests per device per minute."
)
def server_command(
    database_url: str | None,
    public_key: Path | None,
    host: str,
    port: int,
    max_body_bytes: int | None,
    rate_limit_per_minute: int | None,
) -> None:
    """Run the referral server (stores sealed interviews it cannot open)."""
    import uvicorn

    from sync.server import ServerSettings, create_app
    from sync.server.db import current_organisation_key, make_engine, prepare_database

    url = _database_url(database_url)
    settings = ServerSettings(database_url=url, public_key_file=public_key)
    if max_body_bytes is not None:
        settings = replace(settings, max_body_bytes=max_body_bytes)
    if rate_limit_per_minute is not None:
        settings = replace(settings, rate_limit_per_minute=rate_limit_per_minute)
    if public_key is None:
        engine = make_engine(url)
        prepare_database(engine)
        known = current_organisation_key(engine)
        engine.dispose()
        if known is None:
            raise ConfigError(
                N_("The referral server has no organisation public key yet."),
                N_("Start it once with --public-key FILE (made by `waypoint keys generate`)."),
            )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", server_header=False)


@click.group("enroll")
def enroll_group() -> None:
    """Enroll devices with the organisation's referral server."""


@enroll_group.command("create")
@database_url_option
@click.option("--server-url", required=True, help="The address devices reach the server at.")
@click.option(
    "--qr",
    "qr_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the code as a QR image (PNG) at this path.",
)
@click.option(
    "--ttl-minutes", type=float, default=15.0, show_default=True, help="How long the code stays usable."
)
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Register this organisation public key first.",
)
@click.option(
    "--wipe-after",
    type=int,
    default=None,
    help="Organisation policy: erase the device's vault after this many wrong secrets in a row (5-100).",
)
@click.option(
    "--require-duress",
    is_flag=True,
    default=False,
    help="Organisation policy: the officer must choose a duress secret, which opens an empty decoy vault.",
)
@click.option(
    "--idle-lock-seconds",
    type=int,
    default=None,
    help="Organisation policy: lock the app after this many seconds without a tap (15-3600).",
)
@click.option(
    "--retention-days",
    type=int,
    default=None,
    help="Organisation policy: keep sent interviews' envelopes this many days, then purge them (0-3650).",
)
def enroll_create(
    database_url: str | None,
    server_url: str,
    qr_file: Path | None,
    ttl_minutes: float,
    public_key: Path | None,
    wipe_after: int | None,
    require_duress: bool,
    idle_lock_seconds: int | None,
    retention_days: int | None,
) -> None:
    """Print a one-time enrollment code (one line). Show it only on the administrator's screen.

    The policy options travel inside the code (it then starts with WP2:); the device applies them when
    it joins, and the officer cannot weaken them.
    """
    from sync.enrollment_code import OrganisationPolicy, save_qr_png
    from sync.server import create_enrollment_code

    policy = None
    if require_duress or any(v is not None for v in (wipe_after, idle_lock_seconds, retention_days)):
        policy = OrganisationPolicy(
            idle_lock_seconds=idle_lock_seconds,
            wipe_after_failures=wipe_after,
            retention_days=retention_days,
            require_duress=require_duress,
        )
    url = _database_url(database_url)
    _require_server_database(url)
    code = create_enrollment_code(
        url,
        server_url,
        public_key_file=public_key,
        ttl=timedelta(minutes=ttl_minutes),
        policy=policy,
    )
    if qr_file is not None:
        save_qr_png(code, qr_file)
    click.echo(code)


def _require_server_database(database_url: str) -> None:
    """Refuse a database `waypoint server` has never set up; create nothing (not even its folder).

    An unusable URL is left to `create_enrollment_code`, which explains it.

    Raises:
        ConfigError: the SQLite file's folder does not exist, or the database has no server tables.
    """
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DatabaseError

    from sync.server.models import Submission

    try:
        url = make_url(database_url)
    except ArgumentError:
        return
    if url.get_backend_name() == "sqlite":
        file = Path(url.database) if url.database not in (None, "", ":memory:") else None
        if file is not None and not file.parent.is_dir():
            raise ConfigError(
                N_("The folder of the --database-url file, {folder}, does not exist."),
                N_("Check the --database-url: give the database `waypoint server` uses."),
                folder=str(file.parent),
            )
        if file is None or not file.is_file():
            raise _database_not_set_up()
    elif url.get_backend_name() != "postgresql":
        return
    engine = create_engine(url)
    try:
        set_up = inspect(engine).has_table(Submission.__tablename__)
    except DatabaseError as error:  # unreachable, refused, or a file that is not a database
        raise ConfigError(
            N_("The referral server database could not be opened."),
            N_("Check the --database-url, that the database server runs and that you may read it."),
        ) from error
    finally:
        engine.dispose()
    if not set_up:
        raise _database_not_set_up()


def _database_not_set_up() -> ConfigError:
    return ConfigError(
        N_("The database at --database-url has not been set up by the referral server."),
        N_(
            "Check the --database-url, or start `waypoint server --database-url URL --public-key FILE` "
            "with this database once first, then make the code."
        ),
    )


def _check_code_offline(code: str) -> Any:
    """Read the code (`decode` checks its shape) and its expiry without the network, before anything
    is created.

    Raises:
        EnrollmentError: the code is unreadable, or it expired (by this device's clock).
    """
    from sync import EnrollmentCode
    from sync.errors import EnrollmentError

    parsed = EnrollmentCode.decode(code)
    if parsed.expires_at + CODE_EXPIRY_GRACE_SECONDS < time.time():
        expired = datetime.fromtimestamp(parsed.expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise EnrollmentError(
            N_("This enrollment code expired at {expired} (by this device's clock)."),
            N_(
                "Ask your coordinator for a new enrollment code. If it was made just now, check this "
                "device's date and time."
            ),
            expired=expired,
        )
    return parsed


def _join_or_explain(code: str, server_url: str, device_store: Any) -> Any:
    """`sync.join`, with a message that fits enrollment when the server cannot be reached.

    Raises:
        EnrollmentError: the server could not be reached or is busy (nothing was enrolled), or it
            refused the code.
    """
    from sync import join
    from sync.client import RateLimited
    from sync.errors import EnrollmentError, SyncTransportError

    try:
        return join(code, device_store)
    except RateLimited as error:
        raise EnrollmentError(
            N_("The organisation's server is busy and asked this device to wait {seconds} seconds."),
            N_("Wait that long, then try again with the same code."),
            seconds=round(error.retry_after),
        ) from error
    except SyncTransportError as error:
        if error.what != SyncTransportError.what:
            raise  # it says what went wrong already (e.g. a network that is not the internet)
        raise EnrollmentError(
            N_("The organisation's server at {server} could not be reached."),
            N_(
                "Check this device's network connection and try again with the same code. If it keeps "
                "failing, ask your coordinator whether the server is running."
            ),
            server=server_url,
        ) from error


@enroll_group.command("join")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The device's private data folder (default: the platform's app-data folder).",
)
@click.option("--code", required=True, help="The enrollment code (WP1:... or WP2:...).")
def enroll_join(data_dir: Path | None, code: str) -> None:
    """Enroll this device. With a vault, WAYPOINT_PIN must be the officer's secret; without one,
    WAYPOINT_PIN (when set) creates it. When the organisation's code requires a duress secret,
    WAYPOINT_DURESS_PIN gives it (with WAYPOINT_PIN; without either, the app asks at set-up).
    Interviews finished before enrollment are then sealed for sending."""
    from app.vault import check_duress_secret

    # What can be checked without the vault is checked first: a bad code, an expired one or a stray
    # duress secret then leaves nothing behind, not even the data folder.
    parsed = _check_code_offline(code)
    requires_duress = parsed.policy is not None and parsed.policy.require_duress
    pin = os.environ.get(PIN_VARIABLE)
    duress = os.environ.get(DURESS_PIN_VARIABLE) or None
    if duress and not requires_duress:
        raise ConfigError(
            N_("WAYPOINT_DURESS_PIN is set, but this enrollment code does not ask for a duress secret."),
            N_("Unset WAYPOINT_DURESS_PIN: only the organisation decides whether a duress secret is used."),
        )
    vault = _open_vault(data_dir)
    if vault.has_secret and not pin:
        raise ConfigError(
            N_("This device has a vault: only its officer may enroll it again."),
            N_("Set WAYPOINT_PIN to the officer's secret and try again."),
        )
    if (pin or vault.has_secret) and requires_duress and not duress:
        raise ConfigError(
            N_("The organisation requires a duress secret on this device, and none was given."),
            N_(
                "Set WAYPOINT_DURESS_PIN to a second secret, different from WAYPOINT_PIN: typed instead "
                "of the real one, it opens an empty vault."
            ),
        )
    if duress and pin:
        check_duress_secret(duress, pin, with_device_secret=False)
    if vault.has_secret:
        vault.unlock(pin)
    elif pin:
        vault.create(pin)
    try:
        enrollment = _join_or_explain(code, parsed.server_url, vault.device_store)
        sealed: list[str] = []
        if vault.is_unlocked:
            if duress:
                vault.set_policy(vault.policy, duress_secret=duress)
            sealed = vault.seal_completed()
    finally:
        vault.lock()
    click.echo(f"enrolled: device {enrollment.device_id} with {enrollment.server_url}")
    if sealed:
        click.echo(f"sealed for sending: {len(sealed)} finished interview(s)")
    if vault.duress_secret_required:
        click.echo("a duress secret is required: the officer chooses it when setting up the app")


@click.command("sync")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The device's private data folder (default: the platform's app-data folder).",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0.0, min_open=True),
    default=DEFAULT_SYNC_DEADLINE_SECONDS,
    show_default=True,
    help="Seconds to keep trying while the server cannot be reached.",
)
def sync_command(data_dir: Path | None, deadline: float) -> None:
    """Send every sealed interview; exit 0 only when the outbox is empty. Needs no secret.

    While the server cannot be reached it retries (with growing waits, said on stderr) until
    --deadline. A device that is not enrolled exits 1 when finished interviews wait for it.
    """
    from sync import Outbox

    vault = _open_vault(data_dir, create=False)
    try:
        report = Outbox(vault.outbox_store, vault.device_store).send_pending(
            deadline=deadline, on_progress=_show_retry
        )
        if report.stopped == "not_enrolled":
            _not_enrolled(vault, report.pending)
            return
        counts = vault.outbox_store.counts()
    finally:
        vault.close()
    click.echo(
        f"sent {report.sent}, parked {report.parked}, pending {counts.pending} ({report.requests} requests)"
    )
    if report.error is not None and counts.pending:
        click.echo(report.error.message(), err=True)
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


def _show_retry(progress: Any) -> None:
    """One short stderr line before each wait, so a person sees the command is still trying."""
    if progress.waiting > 0:
        click.echo(
            f"try {progress.attempt} failed: trying again in {progress.waiting:.1f} s "
            f"({progress.done} of {progress.total} done)",
            err=True,
        )


def _not_enrolled(vault: Any, pending: int) -> None:
    """Nothing can be sent before enrollment: exit 1 when something waits, else say so and exit 0.

    Raises:
        ConfigError: finished interviews (or sealed ones) wait; they stay on the device.
    """
    waiting = pending + len(vault.list_interviews(states=("completed",)))
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


@click.group("device")
def device_group() -> None:
    """Devices enrolled with the referral server (administrator, on the server's database)."""


@device_group.command("revoke")
@database_url_option
@click.argument("device_id")
def device_revoke(database_url: str | None, device_id: str) -> None:
    """Revoke a device: the server refuses it from now on (403)."""
    from sync.server import revoke_device

    if not revoke_device(_database_url(database_url), device_id):
        raise ConfigError(
            N_("There is no device {device_id}."),
            N_("List devices with `waypoint device list`."),
            device_id=device_id,
        )
    click.echo(f"revoked: {device_id}")


@device_group.command("list")
@database_url_option
def device_list(database_url: str | None) -> None:
    """List enrolled devices and their status."""
    from sync.server import list_devices

    for device in list_devices(_database_url(database_url)):
        click.echo(f"{device.device_id}  {device.status}")


@click.group("desk")
def desk_group() -> None:
    """The case desk: open and export what arrived (the private key lives here only)."""


@desk_group.command("export")
@database_url_option
@click.option(
    "--key",
    "key_files",
    required=True,
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="organisation.private.json (repeat for rotated keys).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for <interview id>.json files; with --format htcds, FILE.csv, .xlsx or .json.",
)
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["interviews", "htcds"]),
    default="interviews",
    show_default=True,
    help="interviews: one JSON file each, as recorded; htcds: one HTCDS 2.0 row each.",
)
@click.option(
    "--htcds-settings",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help='JSON: {"identifiers": "pseudonymous"|"allowed", "decision_making_org": "NGO"}.',
)
def desk_export(
    database_url: str | None,
    key_files: tuple[Path, ...],
    out_dir: Path,
    export_format: str,
    htcds_settings: Path | None,
) -> None:
    """Open every submission and write one JSON file per interview, exactly as recorded (or HTCDS)."""
    from sync.desk import export_submissions, load_private_key

    passphrase = _passphrase()
    keys = [load_private_key(path, passphrase) for path in key_files]
    if export_format == "htcds":
        from interop.commands import export_htcds_file

        for line, err in export_htcds_file(_database_url(database_url), keys, out_dir, htcds_settings):
            click.echo(line, err=err)
        return
    if out_dir.is_file():
        raise click.BadParameter("give a folder for the interview files", param_hint="--out")
    report = export_submissions(_database_url(database_url), keys, out_dir)
    click.echo(f"exported {len(report.written)} of {report.total} interview(s) to {out_dir}")
    for failure in report.failures:
        click.echo(
            f"not exported: {failure.interview_id} from device {failure.device_id}: {failure.reason}",
            err=True,
        )
    if report.failures:
        raise SystemExit(1)


commands: list[click.Command] = [
    keys_group,
    server_command,
    enroll_group,
    sync_command,
    device_group,
    desk_group,
]
