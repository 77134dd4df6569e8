"""`waypoint` commands for this area (filled in by its issue)."""

import click

commands: list[click.Command] = []
