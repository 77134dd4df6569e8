"""The key-slot file: the wrapped data keys, in a small file of fixed size overwritten in place.

The key slots are the only thing that makes the vault's ciphertext readable, so destroying them must
really destroy them. Inside SQLite they could survive in the `-wal` file, in free pages or in a
rollback copy while another reader holds an old snapshot (issue 11, finding 5). Here they live in
`vault.keys` beside the database: `RECORD_SIZE` bytes, stored twice, always the same size, never
truncated, renamed or replaced, so every write lands on the bytes the previous key occupied.

A write puts the new record into the second copy, syncs, then into the first copy, and syncs again:
afterwards both copies hold the new record and no old slot bytes are left in the file. A crash between
the two leaves one valid copy of either the new or the old record (each copy carries a generation
number and a SHA-256 checksum; the newest valid copy wins). Erasing (a wipe, or duress destroying the
real key) overwrites both copies with random bytes and syncs.

Residual risk (docs/vault.md): overwriting in place reaches the same disk blocks on ordinary file
systems (ext4, APFS without snapshots, F2FS in place-update mode); copy-on-write file systems, backups
and flash wear levelling may keep older copies, which only hardware-backed key storage rules out.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KEY_FILENAME", "RECORD_SIZE", "KeyFile", "KeyRecord"]

KEY_FILENAME = "vault.keys"
RECORD_SIZE = 1024
COPIES = 2
_MAGIC = b"WPKEYS01"
_HEADER = struct.Struct(">8sQI")  # magic, generation, payload length
_DIGEST = 32
_PAYLOAD_ROOM = RECORD_SIZE - _HEADER.size - _DIGEST


@dataclass(frozen=True)
class KeyRecord:
    """What the key file holds: the vault id, the KDF parameters (canonical JSON) and both slots."""

    vault_id: str
    kdf_params: str
    officer_slot: bytes
    duress_slot: bytes
    updated_at: str

    def to_payload(self) -> bytes:
        document = {
            "vault_id": self.vault_id,
            "kdf_params": self.kdf_params,
            "officer_slot": self.officer_slot.hex(),
            "duress_slot": self.duress_slot.hex(),
            "updated_at": self.updated_at,
        }
        payload = json.dumps(document, separators=(",", ":")).encode()
        if len(payload) > _PAYLOAD_ROOM:
            raise ValueError("key record too large")
        return payload

    @classmethod
    def from_payload(cls, payload: bytes) -> KeyRecord:
        document = json.loads(payload)
        return cls(
            vault_id=document["vault_id"],
            kdf_params=document["kdf_params"],
            officer_slot=bytes.fromhex(document["officer_slot"]),
            duress_slot=bytes.fromhex(document["duress_slot"]),
            updated_at=document["updated_at"],
        )


def _encode(record: KeyRecord, generation: int) -> bytes:
    payload = record.to_payload()
    body = _HEADER.pack(_MAGIC, generation, len(payload)) + payload.ljust(_PAYLOAD_ROOM, b"\x00")
    return body + hashlib.sha256(body).digest()


def _decode(raw: bytes) -> tuple[int, KeyRecord] | None:
    if len(raw) != RECORD_SIZE or hashlib.sha256(raw[:-_DIGEST]).digest() != raw[-_DIGEST:]:
        return None
    magic, generation, length = _HEADER.unpack_from(raw)
    if magic != _MAGIC or length > _PAYLOAD_ROOM:
        return None
    try:
        return generation, KeyRecord.from_payload(raw[_HEADER.size : _HEADER.size + length])
    except (ValueError, KeyError, TypeError):
        return None


class KeyFile:
    """`vault.keys` in the vault's private data folder (created 0600 with the database).

    Callers write it while holding the database's write lock, which serialises processes.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / KEY_FILENAME
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(descriptor).st_size < RECORD_SIZE * COPIES:
                os.pwrite(descriptor, os.urandom(RECORD_SIZE * COPIES), 0)
                os.fsync(descriptor)
        finally:
            os.close(descriptor)
        self.path.chmod(0o600)

    def _copies(self) -> list[tuple[int, KeyRecord]]:
        with self.path.open("rb") as handle:
            raw = handle.read(RECORD_SIZE * COPIES)
        found = [_decode(raw[i * RECORD_SIZE : (i + 1) * RECORD_SIZE]) for i in range(COPIES)]
        return [copy for copy in found if copy is not None]

    def read(self) -> KeyRecord | None:
        """The newest valid record, or None (no vault yet, or erased)."""
        copies = self._copies()
        if not copies:
            return None
        return max(copies, key=lambda copy: copy[0])[1]

    def write(self, record: KeyRecord) -> None:
        """Replace the record: second copy, sync, first copy, sync (both end up equal)."""
        generation = max((copy[0] for copy in self._copies()), default=0) + 1
        encoded = _encode(record, generation)
        self._overwrite([(RECORD_SIZE, encoded), (0, encoded)])

    def erase(self) -> None:
        """Overwrite both copies with random bytes, in place, and sync: the keys are gone."""
        self._overwrite([(RECORD_SIZE * i, os.urandom(RECORD_SIZE)) for i in range(COPIES)])

    def _overwrite(self, chunks: list[tuple[int, bytes]]) -> None:
        descriptor = os.open(self.path, os.O_RDWR)
        try:
            for offset, data in chunks:
                os.pwrite(descriptor, data, offset)
                os.fsync(descriptor)
        finally:
            os.close(descriptor)
