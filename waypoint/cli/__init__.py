"""The `waypoint` command line: `waypoint.cli.main` assembles one module per command group."""

from waypoint.cli.main import main

__all__ = ["main"]
