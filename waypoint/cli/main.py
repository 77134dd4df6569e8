"""The `waypoint` command line.

Each command group has its own module under `waypoint.cli` (options several share are in
`waypoint.cli.options`); this module only assembles them and turns a `WaypointError` into its message
and code, with exit code 1 (exit 2: bad usage).
Command modules import heavy libraries (Flet, the server) inside the commands, so `waypoint --help`
and the protocol tools start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from waypoint.core.errors import WaypointError

COMMAND_MODULES = (
    "waypoint.cli.run",
    "waypoint.cli.protocol",
    "waypoint.cli.interview",
    "waypoint.cli.keys",
    "waypoint.cli.server",
    "waypoint.cli.enroll",
    "waypoint.cli.sync",
    "waypoint.cli.device",
    "waypoint.cli.desk",
    "waypoint.cli.directory",
    "waypoint.cli.training",
    "waypoint.cli.partner",
    "waypoint.cli.referral",
)


class _WaypointGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WaypointError as error:
            raise click.ClickException(error.coded_message()) from None


@click.group(cls=_WaypointGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="waypoint")
def main() -> None:
    """Waypoint: offline-first screening and referral for frontline officers."""


for _name in COMMAND_MODULES:
    for _command in importlib.import_module(_name).commands:
        main.add_command(_command)
