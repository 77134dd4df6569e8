"""The coordinator's desk: cases, referrals, directory, devices and partners, audit, exports, dashboard."""

from desk_app.coordinator.main import create_desk_main

__all__ = ["create_desk_main"]
