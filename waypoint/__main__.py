"""`python -m waypoint` runs the `waypoint` command line."""

from waypoint.cli import main

main()
