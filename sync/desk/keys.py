"""The organisation's key pair: X25519, made on the case desk; the private half never leaves it.

Files written by `generate_organisation_keys(out_dir, passphrase)`:

* `organisation.public.pem`: the public key (PEM SubjectPublicKeyInfo). Shareable: the server hands it
  to devices in enrollment codes; envelopes are sealed to it.
* `organisation.private.json`: the private key encrypted under the passphrase with Argon2id
  (m=128 MiB, t=4, p=4) and AES-256-GCM; the KDF parameters, salt, key id and public key are the
  AES-GCM associated data, so none of them can be altered unnoticed. We chose this over encrypted
  PKCS#8 PEM because `cryptography`'s PKCS#8 encryption uses PBKDF2 with only 2,048 iterations.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from sync.envelope import key_id_for
from sync.wire import canonical_json
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "KeyFiles",
    "generate_organisation_keys",
    "load_private_key",
    "read_locked_file",
    "write_locked_file",
]

PUBLIC_KEY_FILE = "organisation.public.pem"
PRIVATE_KEY_FILE = "organisation.private.json"
KEY_FORMAT = "waypoint-organisation-key/1"
MIN_PASSPHRASE_LENGTH = 12
KDF_PARAMETERS = {"alg": "argon2id", "m_kib": 128 * 1024, "t": 4, "p": 4}


@dataclass(frozen=True)
class KeyFiles:
    """Where the key pair was written, and the key id envelopes will carry."""

    public_key: Path
    private_key: Path
    key_id: str


def generate_organisation_keys(out_dir: Path, passphrase: str, *, exist_ok: bool = False) -> KeyFiles:
    """Make the organisation's key pair in `out_dir` (created 0700 if needed).

    Args:
        out_dir: the folder for both files.
        passphrase: protects the private key; at least 12 characters.
        exist_ok: when both files exist already, keep them and return them (their passphrase is
            checked) instead of refusing.

    Returns:
        The two paths and the key id.

    Raises:
        ConfigError: the passphrase is too short, or key files exist (and `exist_ok` is False).
    """
    _check_passphrase(passphrase)
    out_dir = Path(out_dir)
    public_path, private_path = out_dir / PUBLIC_KEY_FILE, out_dir / PRIVATE_KEY_FILE
    if public_path.exists() or private_path.exists():
        if exist_ok and public_path.exists() and private_path.exists():
            key = load_private_key(private_path, passphrase)
            return KeyFiles(public_path, private_path, key_id_for(_raw_public(key)))
        raise ConfigError(
            N_("Organisation key files already exist in {folder}."),
            N_("Keep them, or choose another --out folder: replacing a key makes old interviews unreadable."),
            folder=str(out_dir),
        )
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = X25519PrivateKey.generate()
    public_raw = _raw_public(key)
    key_id = key_id_for(public_raw)
    _write_private(private_path, key, key_id, passphrase)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_path.write_bytes(public_pem)
    return KeyFiles(public_path, private_path, key_id)


def load_private_key(path: Path, passphrase: str) -> X25519PrivateKey:
    """Open the organisation's private key file.

    Raises:
        ConfigError: the file is missing or not a Waypoint key, or the passphrase is wrong.
    """
    try:
        raw, document = read_locked_file(path, KEY_FORMAT, passphrase)
    except ValueError as error:
        raise ConfigError(
            N_("{path} is not a Waypoint organisation private key file."),
            N_("Pass the organisation.private.json file made by `waypoint keys generate`."),
            path=str(path),
        ) from error
    except InvalidTag as error:
        raise ConfigError(
            N_("The passphrase does not open the organisation private key {path}."),
            N_("Set WAYPOINT_KEY_PASSPHRASE to the passphrase used when the key was made."),
            path=str(path),
        ) from error
    key = X25519PrivateKey.from_private_bytes(raw)
    if key_id_for(_raw_public(key)) != document.get("key_id"):
        raise ConfigError(N_("The organisation private key file {path} is damaged."), path=str(path))
    return key


def _write_private(path: Path, key: X25519PrivateKey, key_id: str, passphrase: str) -> None:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    header = {"key_id": key_id, "public_key": base64.b64encode(_raw_public(key)).decode()}
    write_locked_file(path, raw, KEY_FORMAT, header, passphrase)


def write_locked_file(
    path: Path, secret: bytes, file_format: str, header: dict[str, Any], passphrase: str
) -> None:
    """Write `secret` to a new file (0600) locked under `passphrase` (Argon2id, AES-256-GCM).

    `file_format` and `header` (public values) are stored in clear and bound as associated data.
    The organisation's key file and a partner's key file (`sync.partner`) are both written here.
    """
    salt, nonce = os.urandom(16), os.urandom(12)
    document: dict[str, Any] = {
        "format": file_format,
        **header,
        "kdf": {**KDF_PARAMETERS, "salt": base64.b64encode(salt).decode()},
        "aead": "aes-256-gcm",
        "nonce": base64.b64encode(nonce).decode(),
    }
    ciphertext = AESGCM(_derive(passphrase, salt, document["kdf"])).encrypt(
        nonce, secret, _associated_data(document)
    )
    document["ciphertext"] = base64.b64encode(ciphertext).decode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(document, handle, indent=1)
        handle.write("\n")


def read_locked_file(path: Path, file_format: str, passphrase: str) -> tuple[bytes, dict[str, Any]]:
    """The secret in a file `write_locked_file` made, and the file's clear fields.

    Raises:
        ValueError: not such a file (missing, another format, damaged).
        InvalidTag: the passphrase is wrong.
    """
    try:
        document = json.loads(Path(path).read_text())
        if not isinstance(document, dict) or document.get("format") != file_format:
            raise ValueError("format")
        kdf = document["kdf"]
        salt, nonce = _b64(kdf["salt"]), _b64(document["nonce"])
        ciphertext = _b64(document["ciphertext"])
    except (OSError, KeyError, TypeError) as error:
        raise ValueError("not a key file") from error
    kek = _derive(passphrase, salt, kdf)
    return AESGCM(kek).decrypt(nonce, ciphertext, _associated_data(document)), document


def _associated_data(document: dict[str, Any]) -> bytes:
    return canonical_json({name: value for name, value in document.items() if name != "ciphertext"})


def _derive(passphrase: str, salt: bytes, kdf: dict[str, Any]) -> bytes:
    if kdf.get("alg") != "argon2id":
        raise ConfigError(N_("This organisation key file uses an unknown key derivation."))
    return Argon2id(
        salt=salt, length=32, iterations=int(kdf["t"]), lanes=int(kdf["p"]), memory_cost=int(kdf["m_kib"])
    ).derive(passphrase.encode())


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ConfigError(
            N_("The organisation key passphrase is too short."),
            N_("Set WAYPOINT_KEY_PASSPHRASE to a passphrase of at least {length} characters."),
            length=MIN_PASSPHRASE_LENGTH,
        )


def _raw_public(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("not base64 text")
    return base64.b64decode(value, validate=True)
