"""Field-level encryption: each sensitive value is its own AES-256-GCM ciphertext, bound to its place.

A stored field is `version (1 B) | nonce (12 B) | ciphertext + tag (16 B)`. The associated data names
the table, the row id, the column and the format version, so a ciphertext copied into another row or
column, or relabelled with another version, fails to open (`VaultIntegrityError`).

Lengths are metadata too: an answer "yes" is shorter than "no answer given", so the JSON documents the
vault stores are padded to a multiple of `PAD_BLOCK` before they are sealed (`pad`/`unpad`).

`UnencryptedFields` writes the same rows with version 0 and no encryption. It exists only for the
canary test's negative control and the benchmark's baseline; `FieldCipher` refuses version-0 fields, so
a production vault never reads plaintext.
"""

from __future__ import annotations

import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.vault.errors import VaultIntegrityError

__all__ = [
    "FIELD_FORMAT",
    "PAD_BLOCK",
    "FieldCipher",
    "FieldCodec",
    "UnencryptedFields",
    "field_aad",
    "pad",
    "unpad",
]

FIELD_FORMAT = 1
UNENCRYPTED_FORMAT = 0
NONCE_LENGTH = 12
PAD_BLOCK = 512
_PAD_MARK = b"\x80"


class FieldCodec(Protocol):
    """Turns a field's bytes into what is stored, and back, for one place in the database."""

    def seal(self, table: str, row_id: str, column: str, plaintext: bytes) -> bytes: ...

    def open(self, table: str, row_id: str, column: str, stored: bytes) -> bytes: ...


def field_aad(table: str, row_id: str, column: str, version: int) -> bytes:
    """The associated data that binds a field ciphertext to its table, row, column and format."""
    parts = (table, row_id, column)
    if any("|" in part for part in parts):
        raise ValueError("table, row id and column names must not contain '|'")
    return f"waypoint-vault-field|{table}|{row_id}|{column}|v{version}".encode()


class FieldCipher:
    """AES-256-GCM with a random 96-bit nonce per field, under the vault's data key."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._aead = AESGCM(data_key)

    def seal(self, table: str, row_id: str, column: str, plaintext: bytes) -> bytes:
        """Encrypt `plaintext` for exactly this table, row and column.

        Returns:
            The stored form: version byte, nonce, ciphertext and tag.
        """
        nonce = os.urandom(NONCE_LENGTH)
        aad = field_aad(table, row_id, column, FIELD_FORMAT)
        return bytes([FIELD_FORMAT]) + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, table: str, row_id: str, column: str, stored: bytes) -> bytes:
        """Decrypt a stored field, checking that it belongs to this table, row and column.

        Raises:
            VaultIntegrityError: unknown format, altered bytes, or a ciphertext from another place.
        """
        if len(stored) < 1 + NONCE_LENGTH + 16 or stored[0] != FIELD_FORMAT:
            raise VaultIntegrityError(place=f"{table}.{column}")
        nonce, body = stored[1 : 1 + NONCE_LENGTH], stored[1 + NONCE_LENGTH :]
        try:
            return self._aead.decrypt(nonce, body, field_aad(table, row_id, column, FIELD_FORMAT))
        except InvalidTag:
            raise VaultIntegrityError(place=f"{table}.{column}") from None


class UnencryptedFields:
    """TEST ONLY: stores fields in clear (format 0) so tests can prove their scans would see a leak."""

    def seal(self, table: str, row_id: str, column: str, plaintext: bytes) -> bytes:
        """Return the plaintext behind a format-0 marker."""
        return bytes([UNENCRYPTED_FORMAT]) + plaintext

    def open(self, table: str, row_id: str, column: str, stored: bytes) -> bytes:
        """Return the plaintext of a format-0 field.

        Raises:
            VaultIntegrityError: the field is not a format-0 field.
        """
        if not stored or stored[0] != UNENCRYPTED_FORMAT:
            raise VaultIntegrityError(place=f"{table}.{column}")
        return stored[1:]


def pad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    """Pad to a multiple of `block` (ISO/IEC 7816-4: a 0x80 byte, then zeros) to hide exact lengths."""
    padded = data + _PAD_MARK
    return padded + b"\x00" * (-len(padded) % block)


def unpad(data: bytes) -> bytes:
    """Remove `pad`'s padding.

    Raises:
        VaultIntegrityError: the padding is malformed.
    """
    end = data.rstrip(b"\x00")
    if not end.endswith(_PAD_MARK):
        raise VaultIntegrityError(place="padding")
    return end[:-1]
