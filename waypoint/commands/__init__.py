"""Command groups of the `waypoint` command line, one module per area (see `waypoint.cli`)."""
