"""The device keeps the organisation's signed directory encrypted in the vault (schema version 8).

DR012: the directory is kept under the officer's data key: no phone number, name or document byte of it
       is in the vault's files (negative control: with fields stored in clear, the document is found);
       it reads back with its signature checked, and needs the unlocked vault.
DR013: a duress unlock removes the real space's directory with the rest of the real vault.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from vault_support import DURESS_SECRET, SECRET, Organisation, all_bytes_under

from app.vault import Vault
from app.vault.errors import VaultLockedError
from app.vault.migrations import schema_version
from referral.directory.device import held_directory
from referral.directory.signed import SignedDirectory, import_directory

CANARY_PHONE = "+66 9 8765 4321 kestrel"


def _signed(organisation: Organisation) -> SignedDirectory:
    service = {
        "id": str(uuid.uuid4()),
        "name": "Quiet Harbour House",
        "status": "active",
        "organization": {"id": str(uuid.uuid4()), "name": "Harbour Network", "description": "A partner"},
        "phones": [{"id": str(uuid.uuid4()), "number": CANARY_PHONE}],
    }
    return import_directory([service], version=3, organisation_key=organisation.private_key)[1]


def _keep(vault: Vault, organisation: Organisation) -> SignedDirectory:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    signed = _signed(organisation)
    vault.directory_store.save_directory(signed)
    return signed


def _files(data_dir: Path) -> bytes:
    return all_bytes_under(data_dir)


@pytest.mark.parametrize("plaintext", [False, True])
def test_dr012_directory_is_kept_encrypted(
    open_vault: Callable[..., Vault], organisation: Organisation, tmp_path: Path, plaintext: bool
) -> None:
    data_dir = tmp_path / ("clear" if plaintext else "data")
    vault = open_vault(data_dir, insecure_plaintext_fields_for_tests=plaintext)
    vault.create(SECRET)
    signed = _keep(vault, organisation)
    vault.close()
    stored = _files(data_dir)
    document_b64 = base64.b64encode(signed.document)[:64]
    if plaintext:  # the scan would see a leak
        assert document_b64 in stored
        return
    assert CANARY_PHONE.encode() not in stored and b"Quiet Harbour" not in stored
    assert document_b64 not in stored and signed.signature not in stored
    reopened = open_vault(data_dir)
    with reopened._database.read() as connection:
        assert schema_version(connection) >= 8
    with pytest.raises(VaultLockedError):
        reopened.directory_store.load_directory()
    reopened.unlock(SECRET)
    directory = held_directory(reopened.device_store, reopened.directory_store)
    assert directory is not None and directory.version == 3
    assert directory.services[0].phones == (CANARY_PHONE,)


def test_dr013_duress_unlock_removes_the_directory(
    vault: Vault, organisation: Organisation, open_vault: Callable[..., Vault]
) -> None:
    _keep(vault, organisation)
    vault.set_duress_secret(DURESS_SECRET)
    vault.lock()
    vault.unlock(DURESS_SECRET)
    assert vault.directory_store.load_directory() is None
    with vault._database.read() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM directory").scalar_one() == 0
