"""The referral server: a FastAPI app over SQLite or PostgreSQL that stores sealed interviews.

create_app(ServerSettings(database_url=..., public_key_file=...)) -> FastAPI
create_enrollment_code(database_url, server_url) -> "WP1:..."      (admin, on the database)
revoke_device(database_url, device_id) / list_devices(database_url)
"""

from sync.server.admin import DeviceSummary, create_enrollment_code, list_devices, revoke_device
from sync.server.app import create_app
from sync.server.settings import SETTINGS, ServerSettings

__all__ = [
    "SETTINGS",
    "DeviceSummary",
    "ServerSettings",
    "create_app",
    "create_enrollment_code",
    "list_devices",
    "revoke_device",
]
