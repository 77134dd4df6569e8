"""Field-level encryption and where ciphertexts may (not) go.

VF001: a field round-trips, and every encryption of the same value differs (random nonce).
VF002: a ciphertext moved to another row, another column or another table fails to open.
VF003: a flipped bit, a changed format byte or a plaintext (format 0) field fails to open.
VF004: in the database, swapping ciphertexts between two interviews' rows or columns is detected.
VF005: documents are padded, so the stored length does not reveal a short answer from a long one.
"""

from __future__ import annotations

import os
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vault_support import store_interview

from app.vault import Vault, VaultIntegrityError
from app.vault.fields import PAD_BLOCK, FieldCipher, UnencryptedFields, pad, unpad

KEY = bytes(range(32))


@given(plaintext=st.binary(max_size=4096), row=st.uuids())
def test_vf001_round_trip(plaintext: bytes, row: object) -> None:
    cipher = FieldCipher(KEY)
    stored = cipher.seal("interview", str(row), "engine_state", plaintext)
    assert cipher.open("interview", str(row), "engine_state", stored) == plaintext
    assert stored != cipher.seal("interview", str(row), "engine_state", plaintext)


@pytest.mark.parametrize(
    "place",
    [
        ("interview", "row-2", "engine_state"),
        ("interview", "row-1", "context"),
        ("outbox", "row-1", "engine_state"),
    ],
)
def test_vf002_ciphertext_is_bound_to_its_place(place: tuple[str, str, str]) -> None:
    cipher = FieldCipher(KEY)
    stored = cipher.seal("interview", "row-1", "engine_state", b"the answer")
    with pytest.raises(VaultIntegrityError):
        cipher.open(*place, stored)


def test_vf003_tampering_and_plaintext_are_refused() -> None:
    cipher = FieldCipher(KEY)
    stored = bytearray(cipher.seal("interview", "r", "c", b"the answer"))
    for position in (0, 5, len(stored) - 1):
        tampered = bytearray(stored)
        tampered[position] ^= 0x01
        with pytest.raises(VaultIntegrityError):
            cipher.open("interview", "r", "c", bytes(tampered))
    plaintext_field = UnencryptedFields().seal("interview", "r", "c", b"the answer")
    with pytest.raises(VaultIntegrityError):
        cipher.open("interview", "r", "c", plaintext_field)
    with pytest.raises(VaultIntegrityError):
        FieldCipher(os.urandom(32)).open("interview", "r", "c", bytes(stored))


def _swap(db_path: str, sql: str, params: tuple[object, ...]) -> None:
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute(sql, params)
    connection.close()


def test_vf004_swapping_rows_is_detected(vault: Vault) -> None:
    first = store_interview(vault, {"q1": "yes"})
    second = store_interview(vault, {"q1": "no"})
    connection = sqlite3.connect(vault.database_path)
    blobs = dict(connection.execute("SELECT id, engine_state FROM interview").fetchall())
    connection.close()
    _swap(
        str(vault.database_path), "UPDATE interview SET engine_state = ? WHERE id = ?", (blobs[second], first)
    )
    with pytest.raises(VaultIntegrityError):
        vault.interviews.load(first)
    assert vault.interviews.load(second).engine_state["answers"] == {"q1": "no"}


def test_vf004_swapping_columns_is_detected(vault: Vault) -> None:
    interview = store_interview(vault, {"q1": "yes"})
    _swap(
        str(vault.database_path),
        "UPDATE interview SET context = engine_state WHERE id = ?",
        (interview,),
    )
    with pytest.raises(VaultIntegrityError):
        vault.interviews.load(interview)


def test_vf005_padding_hides_small_length_differences(vault: Vault) -> None:
    short = store_interview(vault, {"q1": "no"})
    long = store_interview(vault, {"q1": "a much longer answer than the first one"})
    connection = sqlite3.connect(vault.database_path)
    lengths = dict(connection.execute("SELECT id, length(engine_state) FROM interview").fetchall())
    connection.close()
    assert lengths[short] == lengths[long]
    assert unpad(pad(b"x" * PAD_BLOCK)) == b"x" * PAD_BLOCK
    assert len(pad(b"")) == PAD_BLOCK
    with pytest.raises(VaultIntegrityError):
        unpad(b"no marker here")
