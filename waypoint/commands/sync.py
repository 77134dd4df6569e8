"""`waypoint` commands for sealed sync: organisation keys, the referral server, enrollment, sending,
revocation and the case desk's export.

Heavy imports (the server, the vault) happen inside the commands, so `waypoint --help` stays fast;
`app` is imported only here, inside the device-side commands (`sync` itself never imports it).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from waypoint.errors import N_, ConfigError
from waypoint.paths import default_data_dir

PASSPHRASE_VARIABLE = "WAYPOINT_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
PIN_VARIABLE = "WAYPOINT_PIN"

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


def _open_vault(data_dir: Path | None) -> Any:
    from app.vault import Vault

    return Vault.open(data_dir or default_data_dir())


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
def enroll_create(
    database_url: str | None,
    server_url: str,
    qr_file: Path | None,
    ttl_minutes: float,
    public_key: Path | None,
) -> None:
    """Print a one-time enrollment code (one line). Show it only on the administrator's screen."""
    from sync.enrollment_code import save_qr_png
    from sync.server import create_enrollment_code

    code = create_enrollment_code(
        _database_url(database_url),
        server_url,
        public_key_file=public_key,
        ttl=timedelta(minutes=ttl_minutes),
    )
    if qr_file is not None:
        save_qr_png(code, qr_file)
    click.echo(code)


@enroll_group.command("join")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The device's private data folder (default: the platform's app-data folder).",
)
@click.option("--code", required=True, help="The enrollment code (WP1:...).")
def enroll_join(data_dir: Path | None, code: str) -> None:
    """Enroll this device. With a vault, WAYPOINT_PIN must be the officer's secret; without one,
    WAYPOINT_PIN (when set) creates it."""
    from sync import join

    vault = _open_vault(data_dir)
    pin = os.environ.get(PIN_VARIABLE)
    if vault.has_secret:
        if not pin:
            raise ConfigError(
                N_("This device has a vault: only its officer may enroll it again."),
                N_("Set WAYPOINT_PIN to the officer's secret and try again."),
            )
        vault.unlock(pin)
        vault.lock()
    elif pin:
        vault.create(pin)
        vault.lock()
    enrollment = join(code, vault.device_store)
    click.echo(f"enrolled: device {enrollment.device_id} with {enrollment.server_url}")


@click.command("sync")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The device's private data folder (default: the platform's app-data folder).",
)
@click.option("--deadline", type=float, default=300.0, show_default=True, help="Seconds to keep trying.")
def sync_command(data_dir: Path | None, deadline: float) -> None:
    """Send every sealed interview; exit 0 only when the outbox is empty. Needs no secret."""
    from sync import Outbox

    vault = _open_vault(data_dir)
    report = Outbox(vault.outbox_store, vault.device_store).send_pending(deadline=deadline)
    counts = vault.outbox_store.counts()
    click.echo(
        f"sent {report.sent}, parked {report.parked}, pending {counts.pending} ({report.requests} requests)"
    )
    if report.stopped == "not_enrolled":
        click.echo("this device is not enrolled: run `waypoint enroll join` first", err=True)
    elif report.error is not None and counts.pending:
        click.echo(report.error.message(), err=True)
    if counts.parked:
        click.echo(
            f"{counts.parked} interview(s) parked: the server refused them; tell your coordinator", err=True
        )
    if counts.pending or counts.parked:
        raise SystemExit(1)


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
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for <interview id>.json files.",
)
def desk_export(database_url: str | None, key_files: tuple[Path, ...], out_dir: Path) -> None:
    """Open every submission and write one JSON file per interview, exactly as recorded."""
    from sync.desk import export_submissions, load_private_key

    passphrase = _passphrase()
    keys = [load_private_key(path, passphrase) for path in key_files]
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
