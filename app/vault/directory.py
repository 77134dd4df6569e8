"""The device's copy of the organisation's signed directory of services, encrypted in the vault.

One row per space (the officer's, and the decoy a duress secret opens), named by the space's owner tag,
so neither space sees or replaces the other's. The row holds the signed document and its signature as
one field ciphertext under the space's data key (the directory names shelters and phone numbers);
`referral.directory.device.held_directory` checks the signature again whenever it is read.
"""

from __future__ import annotations

import base64
import json

from sqlalchemy import Connection, text

from app.vault.clock import Clock, format_time
from app.vault.database import Database
from app.vault.fields import pad, unpad
from app.vault.records import SessionKeys
from referral.directory.signed import SignedDirectory

__all__ = ["VaultDirectoryStore", "delete_other_directories"]

_TABLE, _COLUMN = "directory", "signed"


def _space(keys: SessionKeys) -> str:
    return keys.owner_tag("directory").hex()


def delete_other_directories(connection: Connection, keys: SessionKeys) -> None:
    """Delete the directory rows of every space but `keys`' (the duress path)."""
    connection.execute(text("DELETE FROM directory WHERE space != :space"), {"space": _space(keys)})


class VaultDirectoryStore:
    """`referral.directory.device.DirectoryStore` over the vault, for one unlocked session."""

    def __init__(self, database: Database, keys: SessionKeys, clock: Clock) -> None:
        self._database, self._keys, self._clock = database, keys, clock
        self._space = _space(keys)

    def load_directory(self) -> SignedDirectory | None:
        """The signed directory this space holds, or None."""
        with self._database.read() as connection:
            row = connection.execute(
                text("SELECT sealed FROM directory WHERE space = :space"), {"space": self._space}
            ).first()
        if row is None:
            return None
        content = json.loads(unpad(self._keys.codec.open(_TABLE, self._space, _COLUMN, row[0])))
        return SignedDirectory(
            version=int(content["version"]),
            document=base64.b64decode(content["document"]),
            signature=base64.b64decode(content["signature"]),
        )

    def save_directory(self, signed: SignedDirectory) -> None:
        """Keep `signed` (already checked) in place of the one held."""
        content = {
            "version": signed.version,
            "document": base64.b64encode(signed.document).decode(),
            "signature": base64.b64encode(signed.signature).decode(),
        }
        sealed = self._keys.codec.seal(_TABLE, self._space, _COLUMN, pad(json.dumps(content).encode()))
        with self._database.write() as connection:
            connection.execute(
                text(
                    "INSERT INTO directory (space, sealed, received_at) VALUES (:space, :sealed, :at) "
                    "ON CONFLICT (space) DO UPDATE SET sealed = excluded.sealed, "
                    "received_at = excluded.received_at"
                ),
                {"space": self._space, "sealed": sealed, "at": format_time(self._clock.now())},
            )
