"""`waypoint directory`: the organisation's directory of services (HSDS 3.0), signed on the case desk."""

from __future__ import annotations

import json
from pathlib import Path

import click

from waypoint.cli.options import database_url_option, organisation_passphrase
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_


@click.group("directory")
def directory_group() -> None:
    """The directory of services devices match referrals against (docs/referral.md)."""


@directory_group.command("import")
@database_url_option
@click.option(
    "--hsds",
    "hsds_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help='HSDS 3.0 JSON: a list of services, or a page of the HSDS API ({"contents": [...]}).',
)
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="organisation.private.json (its passphrase from WAYPOINT_KEY_PASSPHRASE).",
)
def directory_import(database_url: str, hsds_file: Path, key_file: Path) -> None:
    """Validate the file, sign it as the next version and publish it for devices; on any problem,
    list each with its JSON path and import nothing."""
    from cryptography.hazmat.primitives import serialization

    from referral.directory.errors import DirectoryFileError, InvalidDirectoryError
    from referral.directory.signed import import_directory
    from referral.partners import enrolled_partner_keys
    from sync.desk import load_private_key
    from sync.server.db import current_organisation_key, make_engine, prepare_database
    from sync.server.directory import latest_directory, publish_directory

    try:
        data = json.loads(hsds_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise DirectoryFileError(path=str(hsds_file)) from error
    key = load_private_key(key_file, organisation_passphrase())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    engine = make_engine(database_url)
    try:
        prepare_database(engine)
        registered = current_organisation_key(engine)
    finally:
        engine.dispose()
    if registered is not None and registered.public_key != public:
        raise ConfigError(
            N_("This key is not the organisation key the server's devices trust."),
            N_("Sign with the organisation.private.json whose public key the server was started with."),
        )
    latest = latest_directory(database_url)
    version = (latest.version if latest else 0) + 1
    try:
        directory, signed = import_directory(
            data, version=version, organisation_key=key, partners=enrolled_partner_keys(database_url, [key])
        )
    except InvalidDirectoryError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise
    publish_directory(database_url, version=version, document=signed.document, signature=signed.signature)
    unmapped = sum(1 for service in directory.services if not service.needs_mapped)
    click.echo(
        f"directory version {version}: {len(directory.services)} service(s), {unmapped} not yet mapped"
    )


@directory_group.command("export")
@database_url_option
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HSDS 3.0 JSON file to write (a page of services).",
)
@click.option(
    "--verification-days",
    type=click.IntRange(1, 3650),
    default=180,
    show_default=True,
    help="Entries not verified for longer are listed as needing verification.",
)
def directory_export(database_url: str, out_file: Path, verification_days: int) -> None:
    """Write the newest directory as HSDS 3.0 JSON, exactly as signed."""
    from datetime import UTC, datetime

    from referral.directory.errors import NoDirectoryError
    from referral.directory.hsds import hsds_page
    from referral.directory.signed import document_services, read_directory
    from sync.server.directory import latest_directory

    latest = latest_directory(database_url)
    if latest is None:
        raise NoDirectoryError()
    page = hsds_page(document_services(latest.document))
    out_file.write_text(json.dumps(page, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    directory = read_directory(latest.document, validate=False)
    stale = directory.stale(datetime.now(UTC).date(), verification_days)
    click.echo(
        f"directory version {latest.version}: {len(directory.services)} service(s) written to {out_file}"
    )
    for service in stale:
        verified = service.last_verified.isoformat() if service.last_verified else "never"
        click.echo(f"needs verification: {service.id} {service.name} (last verified {verified})", err=True)


commands: list[click.Command] = [directory_group]
