"""`waypoint device`: the devices enrolled with the referral server (administrator side)."""

from __future__ import annotations

import click

from waypoint.cli.options import database_url_option
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_


@click.group("device")
def device_group() -> None:
    """Devices enrolled with the referral server (administrator, on the server's database)."""


@device_group.command("revoke")
@database_url_option
@click.argument("device_id")
def device_revoke(database_url: str, device_id: str) -> None:
    """Revoke a device: the server refuses it from now on (403)."""
    from sync.server import revoke_device

    if not revoke_device(database_url, device_id):
        raise ConfigError(
            N_("There is no device {device_id}."),
            N_("List devices with `waypoint device list`."),
            device_id=device_id,
        )
    click.echo(f"revoked: {device_id}")


@device_group.command("list")
@database_url_option
def device_list(database_url: str) -> None:
    """List enrolled devices and their status."""
    from sync.server import list_devices

    for device in list_devices(database_url):
        click.echo(f"{device.device_id}  {device.status}")


commands: list[click.Command] = [device_group]
