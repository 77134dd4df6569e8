"""The directory on the device: fetched with `GET /v1/updates`, checked, kept in the vault, read offline.

The device asks for a directory newer than the one it holds; the server answers with the newest signed
version or nothing. The device checks it (`open_directory`: the organisation's signature with the key
from its enrollment, the version, the document's shape; the HSDS schema check is the desk's, before it
signs: thousands of services take a device too long) before the store keeps it. A tampered directory
is refused with `TamperedDirectoryError` and the one held stays. What the store keeps is read back with
its signature checked again (`held_directory`), so matching always runs on what the organisation signed.
"""

from __future__ import annotations

import base64
import binascii
from typing import Protocol

import httpx

from referral.directory.errors import TamperedDirectoryError
from referral.directory.model import Directory
from referral.directory.signed import SignedDirectory, open_directory
from sync.client import SyncClient
from sync.identity import DeviceIdentity
from sync.stores import DeviceStore
from sync.wire import DirectoryUpdate, b64u_decode

__all__ = ["DirectoryStore", "fetch_directory", "held_directory"]


class DirectoryStore(Protocol):
    """Where the device keeps its signed directory (the vault, encrypted; tests fake it in memory)."""

    def load_directory(self) -> SignedDirectory | None: ...

    def save_directory(self, signed: SignedDirectory) -> None: ...


def fetch_directory(
    device_store: DeviceStore,
    directory_store: DirectoryStore,
    *,
    transport: httpx.BaseTransport | None = None,
    insecure_http: bool = False,
) -> Directory | None:
    """Ask the organisation's server for a newer directory; check and keep it.

    Returns:
        The new directory, or None when the device is not enrolled or already holds the newest.

    Raises:
        TamperedDirectoryError: what the server sent is not signed by the organisation (nothing kept).
        OlderDirectoryError: it is not newer than the one held (nothing kept).
        SyncError: the server could not be reached or refused the device.
    """
    enrollment = device_store.load_enrollment()
    signing_key = device_store.device_signing_key()
    if enrollment is None or signing_key is None:
        return None
    held = directory_store.load_directory()
    held_version = held.version if held is not None else 0
    identity = DeviceIdentity.from_raw(enrollment.device_id, signing_key)
    with SyncClient(
        enrollment.server_url, identity=identity, transport=transport, insecure_http=insecure_http
    ) as client:
        update = client.updates(directory_version=held_version).directory
    if update is None:
        return None
    signed = _signed(update)
    directory = open_directory(
        signed,
        organisation_public_key=enrollment.organisation_public_key,
        held_version=held_version if held is not None else None,
        validate=False,  # the desk validated it against HSDS 3.0 before signing
    )
    directory_store.save_directory(signed)
    return directory


def held_directory(device_store: DeviceStore, directory_store: DirectoryStore) -> Directory | None:
    """The directory this device holds, its signature checked again; None before the first one.

    Raises:
        TamperedDirectoryError: what is kept is not signed by the organisation this device is enrolled with.
    """
    held = directory_store.load_directory()
    enrollment = device_store.load_enrollment()
    if held is None:
        return None
    if enrollment is None:
        raise TamperedDirectoryError()
    return open_directory(held, organisation_public_key=enrollment.organisation_public_key, validate=False)


def _signed(update: DirectoryUpdate) -> SignedDirectory:
    try:
        document = base64.b64decode(update.document, validate=True)
        signature = b64u_decode(update.signature)
    except (binascii.Error, ValueError) as error:
        raise TamperedDirectoryError() from error
    return SignedDirectory(update.version, document, signature)
