"""A device's identity: its id on the organisation's server and the Ed25519 key it signs requests with."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.signing import sign_request

__all__ = ["DeviceIdentity", "ed25519_public_bytes", "ed25519_raw_private"]


def ed25519_public_bytes(key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public half of an Ed25519 key."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ed25519_raw_private(key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte private key, as `DeviceStore.save_enrollment` keeps it."""
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class DeviceIdentity:
    """Who this device is to the server, and how it signs."""

    device_id: str
    signing_key: Ed25519PrivateKey

    @classmethod
    def from_raw(cls, device_id: str, raw_private_key: bytes) -> DeviceIdentity:
        """Rebuild from what the device store keeps (the id and the raw 32-byte key)."""
        return cls(device_id, Ed25519PrivateKey.from_private_bytes(raw_private_key))

    def sign(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        created: int | None = None,
        body_sha256: bytes | None = None,
    ) -> dict[str, str]:
        """Signature headers for one request; every call uses a fresh nonce."""
        return sign_request(
            method=method,
            path=path,
            body=body,
            device_id=self.device_id,
            signing_key=self.signing_key,
            created=created,
            body_sha256=body_sha256,
        )
