"""Duress leaves nothing to find (issue 11, finding 3).

VD001: nothing is listed without a secret: a locked `Vault` refuses to list interviews.
VD002: a duress unlock destroys the real vault: the officer's secret opens nothing any more, the real
       interviews and their outbox envelopes are deleted (secure_delete, VACUUM, WAL truncated), and the
       duress secret then opens an ordinary vault (new interviews seal like on any enrolled device).
VD003: after duress the file is shaped like a fresh vault with the same light use: same tables, same
       row counts, same key-slot sizes, no real interview id or answer in any column or byte under the
       data folder, and a new process (another `Vault`) shows no trace either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from vault_support import (
    DURESS_SECRET,
    SECRET,
    Organisation,
    all_bytes_under,
    store_interview,
    submission_for,
)

from app.vault import Vault, VaultLockedError, VaultPolicy, WrongSecretError


def _file_view(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, read from the file as anyone holding it could."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        query = "SELECT * FROM {}"  # table names come from sqlite_master, never from input
        return {table: connection.execute(query.format(table)).fetchall() for table in tables}
    finally:
        connection.close()


def _shape(view: dict[str, list[tuple[object, ...]]]) -> dict[str, list[list[str]]]:
    """Per table, each row's column types and blob sizes: what a reader learns without keys."""
    return {
        table: [
            [f"{type(v).__name__}:{len(v)}" if isinstance(v, bytes) else type(v).__name__ for v in row]
            for row in rows
        ]
        for table, rows in view.items()
    }


def _real_vault(vault: Vault, organisation: Organisation) -> list[str]:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    draft = store_interview(vault, {"q1": "kestrel-real-answer"})
    sealed = store_interview(vault, {"q1": "yes"})
    vault.interviews.complete(sealed, submission_for(sealed, {"q1": "kestrel-real-sealed"}))
    vault.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    vault.lock()
    return [draft, sealed]


def test_vd001_nothing_is_listed_without_a_secret(vault: Vault, open_vault: Callable[..., Vault]) -> None:
    store_interview(vault, {"q1": "yes"})
    vault.lock()
    with pytest.raises(VaultLockedError):
        vault.list_interviews()
    with pytest.raises(VaultLockedError):
        open_vault().list_interviews()  # a new process sees nothing either


def test_vd002_duress_destroys_the_real_vault(
    vault: Vault, open_vault: Callable[..., Vault], organisation: Organisation
) -> None:
    real = _real_vault(vault, organisation)
    vault.unlock(DURESS_SECRET)
    assert vault.list_interviews() == [] and vault.outbox_store.counts().pending == 0
    vault.lock()

    restarted = open_vault()  # a new process: nothing hidden in memory, nothing there
    assert restarted.outbox_store.counts().pending == 0 and restarted.outbox_store.pending(10) == []
    with pytest.raises(WrongSecretError):
        restarted.unlock(SECRET)  # the real key is gone
    restarted.unlock(DURESS_SECRET)
    assert restarted.list_interviews() == []
    for interview_id in real:
        with pytest.raises(Exception, match="cannot be changed now"):
            restarted.interviews.load(interview_id)
    decoy = store_interview(restarted, {"q1": "decoy"})
    assert (
        restarted.interviews.complete(decoy, submission_for(decoy, {"q1": "decoy"})) is True
    )  # as any vault
    assert [s.state for s in restarted.list_interviews()] == ["sealed"]


def test_vd003_after_duress_the_file_looks_like_a_fresh_vault(
    vault: Vault, open_vault: Callable[..., Vault], organisation: Organisation, tmp_path: Path
) -> None:
    real = _real_vault(vault, organisation)
    vault.unlock(DURESS_SECRET)
    store_interview(vault, {"q1": "decoy"})
    vault.close()

    fresh = open_vault(tmp_path / "fresh")
    fresh.create(DURESS_SECRET)
    fresh.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    fresh.set_policy(VaultPolicy())  # provisioned by the same organisation, without a duress secret
    store_interview(fresh, {"q1": "decoy"})
    fresh.close()

    after, reference = _file_view(vault.database_path), _file_view(fresh.database_path)
    assert _shape(after) == _shape(reference)  # same tables, row counts and sizes
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in reference.items()}
    assert after["outbox"] == []
    everything = all_bytes_under(vault.database_path.parent)
    for needle in (*real, "kestrel-real-answer", "kestrel-real-sealed"):
        assert needle.encode() not in everything
