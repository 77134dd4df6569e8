"""`waypoint enroll`: make a one-time enrollment code (administrator), and enroll a device with it.

Heavy imports (the server, the vault) happen inside the commands, so `waypoint --help` stays fast.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import click

from waypoint.cli.options import (
    DURESS_PIN_VARIABLE,
    data_dir_option,
    database_url_option,
    insecure_http_option,
    pin_from_environment,
    warn_insecure_http,
)
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_


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
    "--private-idle-lock-seconds",
    type=int,
    default=None,
    help="Organisation policy: while the person answers privately on the device, lock after this many "
    "seconds without a tap (60-3600; never shorter than the idle lock).",
)
@click.option(
    "--retention-days",
    type=int,
    default=None,
    help="Organisation policy: keep sent interviews' envelopes this many days, then purge them (0-3650).",
)
@click.option(
    "--emergency-numbers",
    "emergency_numbers",
    multiple=True,
    metavar="CC=EMERGENCY,DUTY",
    help="Organisation policy: the emergency and duty numbers in a country, shown on the app's emergency "
    "screen (repeat for each country), e.g. GR=112,+30 210 000 0000.",
)
@insecure_http_option
def enroll_create(
    database_url: str,
    server_url: str,
    qr_file: Path | None,
    ttl_minutes: float,
    public_key: Path | None,
    wipe_after: int | None,
    require_duress: bool,
    idle_lock_seconds: int | None,
    private_idle_lock_seconds: int | None,
    retention_days: int | None,
    emergency_numbers: tuple[str, ...],
    insecure_http: bool,
) -> None:
    """Print a one-time enrollment code (one line). Show it only on the administrator's screen.

    The policy options travel inside the code (it then starts with WP2:); the device applies them when
    it joins, and the officer cannot weaken them.
    """
    from sync.enrollment_code import EmergencyNumbers, OrganisationPolicy, save_qr_png
    from sync.server import create_enrollment_code

    numbers = tuple(EmergencyNumbers.parse(text) for text in emergency_numbers)
    policy = None
    settings = (wipe_after, idle_lock_seconds, retention_days, private_idle_lock_seconds)
    if require_duress or numbers or any(v is not None for v in settings):
        policy = OrganisationPolicy(
            idle_lock_seconds=idle_lock_seconds,
            wipe_after_failures=wipe_after,
            retention_days=retention_days,
            require_duress=require_duress,
            emergency_numbers=numbers,
            private_idle_lock_seconds=private_idle_lock_seconds,
        )
    _require_server_database(database_url)
    code = create_enrollment_code(
        database_url,
        server_url,
        public_key_file=public_key,
        ttl=timedelta(minutes=ttl_minutes),
        policy=policy,
        insecure_http=insecure_http,
    )
    warn_insecure_http(insecure_http)
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


@enroll_group.command("join")
@data_dir_option
@click.option("--code", required=True, help="The enrollment code (WP1:... or WP2:...).")
@insecure_http_option
@pin_from_environment(required=False)
def enroll_join(data_dir: Path, code: str, insecure_http: bool, pin: str | None) -> None:
    """Enroll this device. With a vault, WAYPOINT_PIN must be the officer's secret; without one,
    WAYPOINT_PIN (when set) creates it. When the organisation's code requires a duress secret,
    WAYPOINT_DURESS_PIN gives it (with WAYPOINT_PIN; without either, the app asks at set-up).
    Interviews finished before enrollment are then sealed for sending."""
    from app.vault import Vault
    from sync.provisioning import Provisioning

    provisioning = Provisioning(insecure_http=insecure_http)
    # What can be checked without the vault is checked first: a bad code, an expired one or a stray
    # duress secret then leaves nothing behind, not even the data folder.
    requires_duress = provisioning.code_requires_duress(provisioning.read_code(code))
    warn_insecure_http(insecure_http)
    duress = os.environ.get(DURESS_PIN_VARIABLE) or None
    if duress and not requires_duress:
        raise ConfigError(
            N_("WAYPOINT_DURESS_PIN is set, but this enrollment code does not ask for a duress secret."),
            N_("Unset WAYPOINT_DURESS_PIN: only the organisation decides whether a duress secret is used."),
        )
    vault = Vault.open(data_dir)
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
    try:
        done = provisioning.provision(vault, code, secret=pin or None, duress=duress)
    finally:
        vault.lock()
    if done.enrollment is not None:  # always, since a code was given
        click.echo(f"enrolled: device {done.enrollment.device_id} with {done.enrollment.server_url}")
    if done.sealed:
        click.echo(f"sealed for sending: {len(done.sealed)} finished interview(s)")
    if vault.duress_secret_required:
        click.echo("a duress secret is required: the officer chooses it when setting up the app")


commands: list[click.Command] = [enroll_group]
