"""Waypoint: offline-first screening and referral for frontline officers.

This package holds what every layer shares: the root error type (`waypoint.core.errors`), resource
locations (`waypoint.core.data_folder`) and the `waypoint` command line (`waypoint.cli`).
"""
