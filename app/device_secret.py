"""The device secret: a random key kept in the phone's secure storage and mixed into the vault's key.

On Android and iOS the officer's short secret alone could be guessed offline from a copied vault file;
the device secret (Keychain / Keystore-backed `flet-secure-storage`) makes the copy useless without the
phone. On web and desktop there is none: the secret must be a passphrase (the vault enforces this), and
nothing is put in browser storage, whose "secure" storage is only WebCrypto + localStorage.
"""

from __future__ import annotations

import base64
import secrets

import flet as ft

__all__ = ["DEVICE_SECRET_BYTES", "device_secret_for", "has_hardware_storage"]

DEVICE_SECRET_BYTES = 32
STORAGE_KEY = "waypoint.device-secret.v1"
HARDWARE_PLATFORMS = frozenset({ft.PagePlatform.ANDROID, ft.PagePlatform.IOS})


def has_hardware_storage(page: ft.Page) -> bool:
    """True only for a native phone app; never on web, where storage is not hardware-backed."""
    return not page.web and page.platform in HARDWARE_PLATFORMS


async def device_secret_for(page: ft.Page, *, create: bool) -> bytes | None:
    """This device's secret from secure storage (made and stored on first use when `create`).

    Returns None on web and desktop. The secure-storage service is only constructed on phones.
    """
    if not has_hardware_storage(page):
        return None
    from flet_secure_storage import SecureStorage  # constructed on phones only (flet.md §5)

    storage = SecureStorage()
    stored = await storage.get(STORAGE_KEY)
    if stored:
        return base64.b64decode(stored)
    if not create:
        return None
    secret = secrets.token_bytes(DEVICE_SECRET_BYTES)
    await storage.set(STORAGE_KEY, base64.b64encode(secret).decode("ascii"))
    return secret
