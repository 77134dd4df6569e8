"""Waypoint: offline-first screening and referral for frontline officers.

`waypoint.core` holds what every layer shares (the root error and its codes, the `N_` marker, bundled
resources, the data folder); `waypoint.cli` is the `waypoint` command line, on top of every layer.
`waypoint/assets/` and `waypoint/locales/` are package data (docs/architecture.md).
"""
