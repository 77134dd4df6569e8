"""The organisation vouches for each device key, in a way the server cannot imitate.

A device signs what it seals (`sync.sender_signature`), but the desk learns the device's public key from
the server's database, which the server's operator can change. So the key must also carry a proof only
the organisation and the device can make:

* The case desk derives an *authority key* from the organisation's X25519 private key (HKDF, its own
  label). Nobody without that private key, the server's operator included, can compute it.
* `waypoint desk authorize-code` adds an authority to a plain enrollment code: a random code id and
  `secret = HMAC(authority key, code id)`. The coordinator hands the authorised code to the officer.
* At enrollment the device sends the code id and `key proof = HMAC(secret, its public key)`; the server
  stores both next to the key (`DeviceKeyHistory`). The secret itself never leaves the device.
* At export the desk recomputes the secret from the code id and checks the proof: a key without a valid
  proof (put in the database by the operator, or enrolled with a code the organisation never
  authorised) is not trusted, and what it signed is refused (`unvouched_device_key`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sync.wire import b64u_encode

__all__ = [
    "CodeAuthority",
    "VouchedKey",
    "authority_key",
    "key_proof",
    "new_code_authority",
    "partner_key_material",
    "vouched_keys",
]

AUTHORITY_LABEL = b"waypoint-code-authority/1"
SECRET_LABEL = b"waypoint-code-secret/1|"
KEY_PROOF_LABEL = b"waypoint-device-key/1|"
PARTNER_MATERIAL_LABEL = b"waypoint-partner-keys/1|"
CODE_ID_BYTES = 16


@dataclass(frozen=True)
class CodeAuthority:
    """What an authorised enrollment code adds: its id, and the secret the device proves its key with."""

    code_id: str
    secret: bytes


@dataclass(frozen=True)
class VouchedKey:
    """A device public key as the server keeps it, with the organisation's proof if there is one."""

    public_key: bytes
    code_id: str | None = None
    key_proof: bytes | None = None


def authority_key(organisation_key: X25519PrivateKey) -> bytes:
    """The organisation's code-authority key; only the holder of its private key can derive it."""
    raw = organisation_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=AUTHORITY_LABEL).derive(raw)


def new_code_authority(organisation_key: X25519PrivateKey) -> CodeAuthority:
    """A fresh code id and its secret, for one enrollment code."""
    code_id = b64u_encode(secrets.token_bytes(CODE_ID_BYTES))
    return CodeAuthority(code_id, _code_secret(authority_key(organisation_key), code_id))


def key_proof(secret: bytes, device_public_key: bytes) -> bytes:
    """What a device sends at enrollment: the code's secret, vouching for its raw Ed25519 public key."""
    return hmac.new(secret, KEY_PROOF_LABEL + device_public_key, hashlib.sha256).digest()


def partner_key_material(organization_id: str, signing_key: bytes, sealing_key: bytes) -> bytes:
    """What a partner's key proof vouches for: its HSDS organization id and both raw public keys.

    Used in place of a device's public key with `key_proof` and `vouched_keys`, so the organisation's
    vouching binds a partner's keys to the organisation they serve: the server's operator can neither
    swap a key nor move a partner to another organization id. Longer than 32 bytes and labelled, so
    it never equals a device key.
    """
    org = organization_id.encode()
    return PARTNER_MATERIAL_LABEL + len(org).to_bytes(2, "big") + org + signing_key + sealing_key


def vouched_keys(keys: Sequence[VouchedKey], organisation_keys: Sequence[X25519PrivateKey]) -> list[bytes]:
    """The public keys among `keys` whose proof the organisation (any of its keys) vouches for."""
    authorities = [authority_key(key) for key in organisation_keys]
    vouched = []
    for key in keys:
        if key.code_id is None or key.key_proof is None:
            continue
        for authority in authorities:
            expected = key_proof(_code_secret(authority, key.code_id), key.public_key)
            if hmac.compare_digest(expected, key.key_proof):
                vouched.append(key.public_key)
                break
    return vouched


def _code_secret(authority: bytes, code_id: str) -> bytes:
    return hmac.new(authority, SECRET_LABEL + code_id.encode(), hashlib.sha256).digest()
