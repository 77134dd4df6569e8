"""The unlock guard: wrong-secret throttling that survives restarts, and the organisation's wipe.

The first `FREE_ATTEMPTS` wrong secrets cost nothing; after that each one doubles the wait, from
`FIRST_DELAY_SECONDS` up to `MAX_DELAY_SECONDS`. The count and the next allowed time are stored in the
vault, so restarting the app does not reset them.

The counts only move forward (`attempts_total`, `forgiven_total`; `failures` is their difference), so
a failure count lowered in the file while locked is refused before any secret is tried, and a rollback
below what the last unlock attested is refused at the next unlock (`integrity.py`).

An attempt is counted as wrong *before* the key derivation runs and forgiven only when it succeeds:
killing the app during the (deliberately slow) derivation gains nothing. For the same reason, an attempt
that starts with the count already at the wipe limit (the previous one never finished) wipes at once.

Wiping first overwrites the key-slot file in place (`key_file.py`), which makes the encrypted data
unrecoverable even with the secret, then deletes every interview row (with `secure_delete`, then a WAL
checkpoint, retried at the next open while another reader holds the WAL). The outbox is kept: its envelopes
were never readable on this device, and sending them still gets the survivors' interviews to the
organisation.
"""

from __future__ import annotations

import math
from typing import NoReturn

from sqlalchemy import Connection, delete, select, update

from app.vault.clock import Clock, format_time
from app.vault.database import Database
from app.vault.errors import ThrottledError, VaultWipedError, WrongSecretError
from app.vault.integrity import check_counters, clear_attestation
from app.vault.key_file import KeyFile
from app.vault.tables import InterviewChangeRow, InterviewRow, LegacyInterviewMetaRow, UnlockGuardRow

__all__ = ["FIRST_DELAY_SECONDS", "FREE_ATTEMPTS", "MAX_DELAY_SECONDS", "UnlockGuard", "delay_after"]

FREE_ATTEMPTS = 3
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600


def delay_after(failures: int) -> int:
    """Seconds to wait before the next attempt, after `failures` wrong secrets in a row."""
    if failures < FREE_ATTEMPTS:
        return 0
    delay: int = FIRST_DELAY_SECONDS << min(failures - FREE_ATTEMPTS, 16)
    return min(delay, MAX_DELAY_SECONDS)


class UnlockGuard:
    """Counts unlock attempts in the vault database and enforces delays and the wipe limit."""

    def __init__(self, database: Database, clock: Clock, key_file: KeyFile) -> None:
        self._database = database
        self._clock = clock
        self._key_file = key_file

    def _read(self, connection: Connection) -> UnlockGuardRow:
        """The counters, refused when they cannot have come from Waypoint.

        Raises:
            VaultTamperedError: the failure count was lowered outside Waypoint.
        """
        guard = UnlockGuardRow.model_validate(connection.execute(select(UnlockGuardRow)).one()._mapping)
        check_counters(guard)
        return guard

    def _wait(self, guard: UnlockGuardRow) -> int:
        remaining = guard.next_attempt_at - self._clock.now()
        # A clock set back must not lock the officer out for longer than the delay itself.
        return int(max(0, math.ceil(min(remaining, float(delay_after(guard.failures))))))

    def wait_seconds(self) -> int:
        """Seconds before the next attempt is allowed (0: now)."""
        with self._database.read() as connection:
            return self._wait(self._read(connection))

    def was_wiped(self) -> bool:
        """True once a wipe happened (until the vault is created again)."""
        with self._database.read() as connection:
            return self._read(connection).wiped_at is not None

    def begin_attempt(self, wipe_after: int | None) -> None:
        """Count an attempt as wrong, before the secret is checked.

        Raises:
            ThrottledError: the previous wrong secrets impose a wait (this attempt is not counted).
            VaultWipedError: an unfinished attempt had already reached the limit: the vault was wiped.
        """
        with self._database.write() as connection:
            guard = self._read(connection)
            over_limit = wipe_after is not None and guard.failures >= wipe_after
            wait = self._wait(guard)
            if over_limit:
                self._wipe(connection)
            elif wait == 0:
                failures = guard.failures + 1
                next_attempt = self._clock.now() + delay_after(failures)
                connection.execute(
                    update(UnlockGuardRow).values(
                        failures=failures,
                        next_attempt_at=next_attempt,
                        attempts_total=guard.attempts_total + 1,
                    )
                )
        if over_limit:
            self._after_wipe()
        if wait > 0:
            raise ThrottledError(wait)

    def fail_attempt(self, wipe_after: int | None) -> NoReturn:
        """The secret was wrong: it stays counted; wipe when this attempt reached the limit.

        Raises:
            WrongSecretError: always, unless the vault was wiped.
            VaultWipedError: this attempt reached the organisation's limit.
        """
        if wipe_after is not None:
            with self._database.write() as connection:
                reached = self._read(connection).failures >= wipe_after
                if reached:
                    self._wipe(connection)
            if reached:
                self._after_wipe()
        raise WrongSecretError()

    def forgive_in(self, connection: Connection) -> None:
        """The secret was right: clear the count and the delay (inside the caller's transaction)."""
        guard = self._read(connection)
        connection.execute(
            update(UnlockGuardRow).values(failures=0, next_attempt_at=0, forgiven_total=guard.attempts_total)
        )

    def restart_counts(self, connection: Connection) -> None:
        """Counters as in a vault created and unlocked once (duress: nothing shows the earlier use)."""
        connection.execute(
            update(UnlockGuardRow).values(
                failures=0, next_attempt_at=0, attempts_total=1, forgiven_total=1, wiped_at=None
            )
        )

    def reset_after_create(self, connection: Connection) -> None:
        """A new vault starts with a clean guard (inside the creating transaction)."""
        self.forgive_in(connection)
        connection.execute(update(UnlockGuardRow).values(wiped_at=None))

    def _wipe(self, connection: Connection) -> None:
        self._key_file.erase()  # first: whatever happens next, the ciphertext can no longer be opened
        connection.execute(delete(InterviewRow))
        connection.execute(delete(InterviewChangeRow))
        connection.execute(delete(LegacyInterviewMetaRow))
        clear_attestation(connection)
        self.forgive_in(connection)
        connection.execute(update(UnlockGuardRow).values(wiped_at=format_time(self._clock.now())))

    def _after_wipe(self) -> NoReturn:
        self._database.checkpoint_until_done()
        raise VaultWipedError()
