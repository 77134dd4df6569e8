"""`waypoint keys`: the organisation's key pair, made on the case desk."""

from __future__ import annotations

from pathlib import Path

import click

from waypoint.cli.options import organisation_passphrase


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

    files = generate_organisation_keys(out_dir, organisation_passphrase())
    click.echo(f"key id: {files.key_id}")
    click.echo(f"public key (give to the server): {files.public_key}")
    click.echo(f"private key (keep on the case desk): {files.private_key}")


commands: list[click.Command] = [keys_group]
