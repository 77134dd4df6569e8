"""Waypoint: offline-first screening and referral for frontline officers.

This package holds what every layer shares: the root error type (`waypoint.errors`), resource
locations (`waypoint.paths`) and the `waypoint` command line (`waypoint.cli`).
"""
