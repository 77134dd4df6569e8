"""The directory of services travels through `GET /v1/updates`, on SQLite and PostgreSQL.

DR010: the server delivers the newest signed directory only to a device holding an older version
       (none before the first import; nothing again once the device has it; the next version after),
       and never to a device that does not ask (devices from before the directory).
DR011: a directory altered in the server's database is refused by the device; the one held stays.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sync_servers import Server

from referral.directory import TamperedDirectoryError
from referral.directory.device import fetch_directory, held_directory
from referral.directory.signed import SignedDirectory, import_directory
from sync.client import SyncClient
from sync.identity import DeviceIdentity
from sync.server.directory import publish_directory


class MemoryDirectoryStore:
    def __init__(self) -> None:
        self.held: SignedDirectory | None = None
        self.saves = 0

    def load_directory(self) -> SignedDirectory | None:
        return self.held

    def save_directory(self, signed: SignedDirectory) -> None:
        self.held, self.saves = signed, self.saves + 1


def _services(name: str) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "name": name,
            "status": "active",
            "organization": {"id": str(uuid.uuid4()), "name": "Partner", "description": "A partner"},
        }
    ]


def _publish(server: Server, key: X25519PrivateKey, version: int, name: str) -> SignedDirectory:
    _directory, signed = import_directory(_services(name), version=version, organisation_key=key)
    publish_directory(
        server.settings.database_url, version=version, document=signed.document, signature=signed.signature
    )
    return signed


def test_dr010_updates_deliver_the_directory_incrementally(
    server: Server, organisation_key: X25519PrivateKey
) -> None:
    device_store, enrollment = server.enroll()
    store = MemoryDirectoryStore()
    assert fetch_directory(device_store, store, transport=server.transport) is None  # none published
    _publish(server, organisation_key, 1, "First shelter")
    fetched = fetch_directory(device_store, store, transport=server.transport)
    assert fetched is not None and fetched.version == 1 and store.saves == 1
    signing_key = device_store.device_signing_key()
    assert signing_key is not None
    identity = DeviceIdentity.from_raw(enrollment.device_id, signing_key)
    with SyncClient(server.url, identity=identity, transport=server.transport) as client:
        assert client.updates(directory_version=1).directory is None  # the device has it: nothing sent
        first = client.updates().directory
        assert first is not None and first.version == 1
        older_device = client._send("GET", "/v1/updates", b"", signed=True).json()  # no parameter
        assert "directory" not in older_device  # a device from before the directory still reads it
    assert fetch_directory(device_store, store, transport=server.transport) is None
    assert store.saves == 1
    _publish(server, organisation_key, 2, "Second shelter")
    fetched = fetch_directory(device_store, store, transport=server.transport)
    assert fetched is not None and [s.name for s in fetched.services] == ["Second shelter"]
    held = held_directory(device_store, store)
    assert held is not None and held.version == 2


@pytest.mark.parametrize("forgery", ["altered", "other_key"])
def test_dr011_a_tampered_directory_is_refused(
    server: Server, organisation_key: X25519PrivateKey, forgery: str
) -> None:
    device_store, _enrollment = server.enroll()
    store = MemoryDirectoryStore()
    _publish(server, organisation_key, 1, "Genuine shelter")
    assert fetch_directory(device_store, store, transport=server.transport) is not None
    if forgery == "altered":
        _d, genuine = import_directory(_services("Genuine"), version=2, organisation_key=organisation_key)
        document = genuine.document.replace(b"Genuine", b"Imposter")
        publish_directory(
            server.settings.database_url, version=2, document=document, signature=genuine.signature
        )
    else:
        _publish(server, X25519PrivateKey.generate(), 2, "Imposter shelter")
    with pytest.raises(TamperedDirectoryError):
        fetch_directory(device_store, store, transport=server.transport)
    assert store.held is not None and store.held.version == 1 and store.saves == 1
