"""The `Vault`: one device's encrypted interviews, its keys, its locking, and its sync stores.

    vault = Vault.open(data_dir)            # migrates the schema forward; nothing needs a secret yet
    vault.create(secret) / vault.unlock(secret, device_secret=...)   # an unlocked session
    vault.interviews                        # the session's interviews (ScreeningService uses this)
    vault.lock()                            # quick exit, or after `policy.idle_lock_seconds` idle
    vault.device_store / vault.outbox_store # for `sync`, usable while locked

Nothing about interviews is listed without a secret (`list_interviews` needs an unlocked session).

Unlocking with the organisation's duress secret destroys the real vault and opens what is left as an
ordinary one (docs/vault.md, "Duress in detail"): first the key-slot file is overwritten in place, the
(so far empty) decoy key taking the officer's slot under the duress secret, so the real ciphertext can
never be opened again; then every interview and outbox envelope of the real space is deleted
(secure_delete, VACUUM, WAL truncated) and the unlock counters restart as in a vault created and
unlocked once, so the files look like a fresh vault whose owner knows that secret. Nothing shows
whether a duress secret exists: both key slots are always filled (random bytes when unused).

Several `Vault` objects may share one data folder (browser sessions, the CLI beside the app): each has
its own session; SQLite serialises their writes.

Why one module of this size: unlock, duress, wipe, secret change and the integrity MAC share one
lock, one session and one transaction discipline; split, each part would need the others' internals.
The key slots themselves live in `keyring.py` / `key_file.py`, the spaces and listing in `spaces.py`.
"""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlmodel import col

from app.vault.clock import Clock, format_time
from app.vault.database import Database
from app.vault.directory import VaultDirectoryStore, delete_other_directories
from app.vault.errors import (
    NoVaultError,
    VaultExistsError,
    VaultLockedError,
    VaultTamperedError,
    VaultWipedError,
    WeakSecretError,
    WrongSecretError,
)
from app.vault.fields import FieldCipher, FieldCodec, UnencryptedFields
from app.vault.finished import FinishedSummary
from app.vault.guard import UnlockGuard
from app.vault.integrity import attest, integrity_key, is_attested, verify
from app.vault.key_file import KeyFile
from app.vault.keyring import DURESS_SLOT, OFFICER_SLOT, KeySlots, check_device_secret
from app.vault.keys import KdfPolicy, derive_kek, new_data_key
from app.vault.migrations import migrate
from app.vault.policy import VaultPolicy, emergency_numbers_from_json
from app.vault.records import (
    InterviewRecords,
    InterviewSummary,
    Sealer,
    SessionKeys,
    summaries,
)
from app.vault.referrals import ReferralRecords, VaultReferralStore, delete_other_referrals
from app.vault.secret_rules import DIFFERENT_SECRET_TODO, check_duress_secret, check_new_secret
from app.vault.spaces import adopt_legacy_meta, delete_other_spaces
from app.vault.stores import VaultDeviceStore, VaultOutboxStore, purge_sent_envelopes
from app.vault.tables import PolicyRow
from waypoint.core.errors import WaypointError

__all__ = ["Vault"]


# How many times a duress unlock destroyed the real vault in each file (by path), in this process.
# A session started before the latest destruction is over: other tabs on the same file lock at once.
_destructions: dict[Path, int] = {}
_destructions_lock = threading.Lock()


def _destruction_count(path: Path) -> int:
    with _destructions_lock:
        return _destructions.get(path, 0)


class _Session:
    def __init__(self, keys: SessionKeys, data_key: bytes, started: float, generation: int) -> None:
        self.keys = keys
        self.data_key = data_key
        self.last_activity = started
        self.generation = generation


class Vault:
    """The encrypted vault in one private data folder. Build it with `Vault.open`."""

    def __init__(
        self,
        database: Database,
        *,
        key_file: KeyFile,
        kdf_policy: KdfPolicy,
        clock: Clock,
        sealer: Sealer,
        plaintext_fields: bool,
    ) -> None:
        self._database = database
        self._key_file = key_file
        self._kdf_policy = kdf_policy
        self._clock = clock
        self._sealer = sealer
        self._plaintext_fields = plaintext_fields
        self._lock = threading.RLock()
        self._session: _Session | None = None
        self._guard = UnlockGuard(database, clock, key_file)
        self._policy = self._read_policy()

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        kdf_policy: KdfPolicy | None = None,
        clock: Clock | None = None,
        sealer: Sealer | None = None,
        insecure_plaintext_fields_for_tests: bool = False,
    ) -> Vault:
        """Open (or start) the vault in `data_dir`, migrating its schema forward. Needs no secret.

        Args:
            data_dir: the private app-data folder (created 0700 when missing).
            kdf_policy: the key-derivation floor and calibration; production when None. Tests pass
                `KdfPolicy.insecure_fast_for_tests()` explicitly; a production vault refuses its output.
            clock: wall and monotonic time; the system clock when None.
            sealer: seals a submission to the organisation; `sync.envelope.seal_submission` when None.
            insecure_plaintext_fields_for_tests: TEST ONLY. Store fields unencrypted, so the canary
                test can prove its scan finds what it looks for. Never set it anywhere else.

        Returns:
            The vault, locked.
        """
        if sealer is None:
            from sync.envelope import seal_submission

            sealer = seal_submission
        database = Database(Path(data_dir))
        key_file = KeyFile(database.path.parent)
        with database.write() as connection:
            migrate(connection, key_file=key_file)
        database.checkpoint(wait=False)  # finishes a wipe's cleanup that another reader held up
        return cls(
            database,
            key_file=key_file,
            kdf_policy=kdf_policy or KdfPolicy(),
            clock=clock or Clock(),
            sealer=sealer,
            plaintext_fields=insecure_plaintext_fields_for_tests,
        )

    # -- what works locked -------------------------------------------------------------------------

    @property
    def database_path(self) -> Path:
        """The SQLite file (its `-wal`/`-shm` companions sit beside it)."""
        return self._database.path

    @property
    def has_secret(self) -> bool:
        """True once the vault has been created (and not wiped since)."""
        return self._key_file.read() is not None

    def prepare_to_create(self) -> None:
        """Calibrate the key derivation now (blocking: two short Argon2id runs), so that `create`, a
        moment later, runs Argon2id once. The app calls it while the set-up screen waits for input."""
        if self._kdf_policy.fixed_iterations is None:
            self._kdf_policy.calibrate()

    @property
    def was_wiped(self) -> bool:
        """True when the organisation's wrong-secret limit erased this vault (until it is created again)."""
        return self._guard.was_wiped() and not self.has_secret

    @property
    def requires_device_secret(self) -> bool:
        """True when unlocking also needs the key from the device's secure storage."""
        slots = self._read_slots()
        return slots is not None and slots.params.with_device_secret

    @property
    def policy(self) -> VaultPolicy:
        """The organisation's settings for this vault (read afresh: enrollment may have changed them)."""
        return self._refresh_policy()

    @property
    def policy_set_by_organisation(self) -> bool:
        """True once the organisation's settings were written (by enrollment or `set_policy`)."""
        with self._database.read() as connection:
            return connection.execute(select(col(PolicyRow.updated_at))).scalar_one() is not None

    @property
    def duress_secret_required(self) -> bool:
        """True while the organisation asks for a duress secret the officer has not chosen yet.

        Set by an enrollment whose policy requires one; cleared as soon as `set_policy(...,
        duress_secret=...)` stores it, so afterwards nothing on the device shows that one exists.
        """
        with self._database.read() as connection:
            return bool(connection.execute(select(col(PolicyRow.duress_required))).scalar_one())

    @property
    def device_store(self) -> VaultDeviceStore:
        """The enrollment store `sync` uses (works while locked)."""
        return VaultDeviceStore(
            self._database,
            integrity=self._integrity_key,
        )

    @property
    def outbox_store(self) -> VaultOutboxStore:
        """The outbox store `sync` uses (works while locked)."""
        return VaultOutboxStore(self._database, self._clock)

    @property
    def referral_store(self) -> VaultReferralStore:
        """The referral store `sync` sends referrals and records statuses through (works while locked)."""
        return VaultReferralStore(self._database, self._clock)

    @property
    def referrals(self) -> ReferralRecords:
        """The unlocked space's referrals.

        Raises:
            VaultLockedError: no unlocked session.
        """
        return ReferralRecords(self._database, self._require_session().keys, self._clock)

    def list_interviews(
        self, states: Collection[str] | None = None, *, newest_first: bool = False, limit: int | None = None
    ) -> list[InterviewSummary]:
        """Metadata only (id, protocol, state, times), oldest first.

        `states`, `newest_first` and `limit` keep the home screen fast on a device that has kept many
        content-free records (e.g. drafts, then the 20 newest finished interviews).

        Only the unlocked session's own interviews: nothing is listed without a secret.

        Raises:
            VaultLockedError: no unlocked session.
        """
        session = self._require_session()
        with self._database.read() as connection:
            return summaries(connection, session.keys, states, newest_first=newest_first, limit=limit)

    def throttle_seconds(self) -> int:
        """Seconds before the next unlock attempt is allowed (0: now), for the unlock screen."""
        return self._guard.wait_seconds()

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete sent envelopes older than the retention period, keeping content-free records.

        Args:
            now: the time to purge at (default: the clock's now).

        Returns:
            How many envelopes were purged.
        """
        moment = now.timestamp() if now else self._clock.now()
        cutoff = moment - self._read_policy().retention_days * 86_400
        return purge_sent_envelopes(self._database, sent_before=format_time(cutoff), now=format_time(moment))

    def integrity_check(self) -> str:
        """SQLite's integrity check of the vault file ("ok" when sound)."""
        return self._database.integrity_check()

    def close(self) -> None:
        """Lock and release the database connections."""
        self.lock()
        self._database.close()

    # -- secrets, sessions and locking -------------------------------------------------------------

    @property
    def is_unlocked(self) -> bool:
        """True while this object holds an unlocked session (locks first if it has been idle)."""
        with self._lock:
            return self._current_session() is not None

    def create(self, secret: str, device_secret: bytes | None = None) -> None:
        """Create the vault with the officer's secret and unlock it.

        Args:
            secret: a passphrase, or a PIN when `device_secret` is given (see docs/vault.md).
            device_secret: bytes from hardware-backed secure storage (phones), at least 16 bytes.

        Raises:
            VaultExistsError: the vault already has a secret.
            WeakSecretError: the secret is too easy to guess for this kind of device.
            DeviceSecretError: the device secret is too short.
        """
        if self.has_secret:
            raise VaultExistsError()
        check_new_secret(secret, with_device_secret=device_secret is not None)
        params = self._kdf_policy.choose(with_device_secret=device_secret is not None)
        check_device_secret(params, device_secret)
        kek = derive_kek(secret, params, device_secret)
        with self._lock:
            with self._database.write() as connection:
                created = KeySlots.create(self._key_file, kek, params, format_time(self._clock.now()))
                if created is not None:
                    self._guard.reset_after_create(connection)
                    # An enrollment made before the vault existed is trusted from here on.
                    attest(connection, integrity_key(created[0]))
            if created is None:
                raise VaultExistsError()
            # Without the free pages the schema's migrations left, a new vault's file looks like one a
            # duress unlock rebuilt (docs/security.md, finding 3).
            self._database.vacuum()
            self._start_session(created[0])

    def unlock(self, secret: str, device_secret: bytes | None = None) -> None:
        """Unlock with the officer's secret, or with the duress secret, which destroys the real vault.

        After a duress unlock the real interviews, their envelopes and the officer's key are gone, and
        the session is an ordinary one in what was the decoy space (docs/vault.md, "Duress in detail").
        Then, on an enrolled device, completed interviews are sealed.

        Raises:
            NoVaultError: the vault has not been created.
            ThrottledError: too many wrong secrets; `seconds` says how long to wait.
            WrongSecretError: neither secret matched (the attempt was counted).
            VaultWipedError: this attempt reached the organisation's limit and the vault was erased.
            DeviceSecretError: the vault needs a device secret and none was given, or the reverse.
            UnsafeKdfParametersError: the stored key settings are below the floor.
            VaultTamperedError: the enrollment, settings or counters were changed outside Waypoint
                (the vault stays locked; the attempt stays counted).
        """
        slots = self._slots()
        check_device_secret(slots.params, device_secret)
        with self._locks_on_wipe():
            self._guard.begin_attempt(self._refresh_policy().wipe_after_failures)
            kek = slots.derive(secret, device_secret)
            opened = slots.open(kek)
            if opened is None:
                self._guard.fail_attempt(self._policy.wipe_after_failures)
        data_key, duress = opened
        if duress:
            self._destroy_real_vault(slots, kek, data_key)
        else:
            self._forgive_officer(slots, kek, data_key)
        with self._lock:
            self._start_session(data_key)
        try:
            self.seal_completed()
        except WaypointError:
            pass  # they stay completed and encrypted; sealing is retried at the next unlock

    def verify_secret(self, secret: str, device_secret: bytes | None = None) -> bool:
        """Check the secret of whoever opened this session, without changing what is unlocked.

        For the hand-back: the officer proves they hold the device again. Throttled and counted like
        an unlock (a wrong secret counts towards the wait and the organisation's wipe limit), but the
        session never changes. Only the officer's secret verifies: the duress secret is as wrong as
        any other guess here (same count, same time: both key slots are always tried) and destroys
        nothing; it does so only at an unlock.

        Returns:
            True when the secret is right (the failure count is then cleared); False when it is wrong.

        Raises:
            NoVaultError: the vault has not been created.
            ThrottledError: too many wrong secrets; `seconds` says how long to wait.
            VaultWipedError: this attempt reached the organisation's limit and the vault was erased.
            DeviceSecretError: the vault needs a device secret and none was given, or the reverse.
        """
        slots = self._slots()
        check_device_secret(slots.params, device_secret)
        with self._lock:
            session = self._current_session()
        with self._locks_on_wipe():
            self._guard.begin_attempt(self._refresh_policy().wipe_after_failures)
            kek = slots.derive(secret, device_secret)
            officer, _ = slots.unwrap(kek, OFFICER_SLOT), slots.unwrap(kek, DURESS_SLOT)  # same time
            matched = officer is not None and (
                session is None or hmac.compare_digest(officer, session.data_key)
            )
            if not matched:
                try:
                    self._guard.fail_attempt(self._policy.wipe_after_failures)
                except WrongSecretError:
                    return False
        self._forgive(officer)
        return True

    def lock(self) -> None:
        """Forget the session's keys (quick exit, idle timeout, or the officer's choice)."""
        with self._lock:
            self._session = None

    def touch(self) -> None:
        """Record activity, postponing the idle lock (the UI calls this on every interaction)."""
        with self._lock:
            session = self._current_session()
            if session is not None:
                session.last_activity = self._clock.monotonic()

    def check_idle(self) -> bool:
        """Lock if the session has been idle too long; True when the vault is (now) locked."""
        return not self.is_unlocked

    def change_secret(self, old: str, new: str, device_secret: bytes | None = None) -> None:
        """Re-wrap this session's data key under a new secret; no interview is re-encrypted.

        Raises:
            VaultLockedError: no unlocked session.
            WrongSecretError / ThrottledError / VaultWipedError: `old` is wrong (counted as an attempt).
            WeakSecretError: `new` is too easy to guess, or equals another secret set on the device.
        """
        session = self._require_session()
        slots = self._slots()
        check_device_secret(slots.params, device_secret)
        check_new_secret(new, with_device_secret=slots.params.with_device_secret)
        with self._locks_on_wipe():
            self._guard.begin_attempt(self._refresh_policy().wipe_after_failures)
            if slots.unwrap(slots.derive(old, device_secret), OFFICER_SLOT) != session.data_key:
                self._guard.fail_attempt(self._policy.wipe_after_failures)
        self._forgive(session.data_key)
        new_kek = slots.derive(new, device_secret)
        if slots.unwrap(new_kek, DURESS_SLOT) is not None:
            raise WeakSecretError(todo=DIFFERENT_SECRET_TODO)
        with self._database.write():  # the write lock serialises key-file writers
            slots.store(
                self._key_file, new_kek, session.data_key, OFFICER_SLOT, format_time(self._clock.now())
            )

    def set_policy(
        self, policy: VaultPolicy, *, duress_secret: str | None = None, device_secret: bytes | None = None
    ) -> None:
        """The organisation's settings: idle lock, wipe limit, retention, and optionally a duress secret.

        Called while provisioning the device (from an unlocked session), never from the unlock screen:
        enrollment writes the organisation's policy, and the app or `waypoint enroll join` calls this
        with the duress secret the officer chose when the policy requires one. A new duress secret
        replaces any earlier one, with a fresh, empty decoy space, and clears
        `duress_secret_required`.

        Args:
            policy: the settings (validated).
            duress_secret: a secret that opens the decoy instead of the real vault; same strength rules.
            device_secret: the device secret, when the vault uses one (needed to wrap the decoy key).

        Raises:
            VaultLockedError: no unlocked session.
            PolicyError: a setting is out of range.
            WeakSecretError: the duress secret is too weak or equals the officer's secret.
        """
        policy.validate()
        session = self._require_session()
        slots = self._slots()
        duress_kek = None
        if duress_secret is not None:
            check_device_secret(slots.params, device_secret)
            check_new_secret(duress_secret, with_device_secret=slots.params.with_device_secret)
            duress_kek = slots.derive(duress_secret, device_secret)
            if slots.unwrap(duress_kek, OFFICER_SLOT) is not None:
                raise WeakSecretError(todo=DIFFERENT_SECRET_TODO)
        now = format_time(self._clock.now())
        key = integrity_key(session.data_key)
        with self._database.write() as connection:
            verify(connection, key)
            connection.execute(
                update(PolicyRow).values(
                    idle_lock_seconds=policy.idle_lock_seconds,
                    wipe_after_failures=policy.wipe_after_failures,
                    retention_days=policy.retention_days,
                    emergency_numbers=policy.emergency_numbers_json(),
                    private_idle_lock_seconds=policy.private_idle_lock_seconds,
                    updated_at=now,
                )
            )
            if duress_kek is not None:
                slots.store(self._key_file, duress_kek, new_data_key(), DURESS_SLOT, now)
                connection.execute(update(PolicyRow).values(duress_required=False))
            attest(connection, key)
        self._policy = policy

    def set_duress_secret(self, duress_secret: str, device_secret: bytes | None = None) -> None:
        """Keep the duress secret the organisation asks for, under the current policy (`set_policy`)."""
        self.set_policy(self.policy, duress_secret=duress_secret, device_secret=device_secret)

    # Provisioning (`sync.provisioning`) refuses weak secrets before it spends a one-time code.
    check_secret = staticmethod(check_new_secret)
    check_duress_secret = staticmethod(check_duress_secret)

    # -- interviews --------------------------------------------------------------------------------

    @property
    def interviews(self) -> InterviewRecords:
        """The unlocked session's interviews (create, autosave, load, complete, seal, discard).

        Raises:
            VaultLockedError: no unlocked session (or it just locked after being idle).
        """
        session = self._require_session()
        return InterviewRecords(self._database, session.keys, self._clock, self._sealer)

    @property
    def directory_store(self) -> VaultDirectoryStore:
        """The unlocked space's copy of the organisation's directory of services (encrypted).

        Raises:
            VaultLockedError: no unlocked session.
        """
        session = self._require_session()
        return VaultDirectoryStore(self._database, session.keys, self._clock)

    def finished_summaries(self) -> list[FinishedSummary]:
        """The outcome summaries of the session's finished interviews, newest first (see `finished.py`).

        A summary exists from completion until the retention purge (or a discard); the answers are
        not part of it and are gone once the interview is sealed.

        Raises:
            VaultLockedError: no unlocked session.
        """
        return self.interviews.finished_summaries()

    def finished_summary(self, interview_id: str) -> FinishedSummary:
        """The outcome summary of one finished interview of the session.

        Raises:
            VaultLockedError: no unlocked session.
            InterviewError: no such finished interview in this session, or its summary was purged.
        """
        return self.interviews.finished_summary(interview_id)

    def seal_completed(self) -> list[str]:
        """Seal every completed interview to the organisation, once the device is enrolled.

        The app calls this after enrollment; `unlock` calls it too. Without an enrollment (or in a
        duress session) nothing happens.

        Returns:
            The ids sealed now.
        """
        return self.interviews.seal_completed()

    # -- internals ---------------------------------------------------------------------------------

    def _read_slots(self) -> KeySlots | None:
        return KeySlots.read(self._key_file, self._kdf_policy)

    def _read_policy(self) -> VaultPolicy:
        with self._database.read() as connection:
            row = connection.execute(select(PolicyRow)).one()
        return VaultPolicy(
            row.idle_lock_seconds,
            row.wipe_after_failures,
            row.retention_days,
            emergency_numbers_from_json(row.emergency_numbers),
            row.private_idle_lock_seconds,
        )

    def _slots(self) -> KeySlots:
        slots = self._read_slots()
        if slots is None:
            if self.was_wiped:
                raise VaultWipedError()
            raise NoVaultError()
        return slots

    def _integrity_key(self) -> bytes | None:
        """The session's integrity key; None while locked."""
        with self._lock:
            session = self._current_session()
        if session is None:
            return None
        return integrity_key(session.data_key)

    def _forgive(self, data_key: bytes | None) -> None:
        """Clear the failure count; with the officer's data key, check and re-attest the protected state.

        Raises:
            VaultTamperedError: the protected state changed outside Waypoint (nothing is cleared).
        """
        with self._database.write() as connection:
            key = None if data_key is None or not is_attested(connection) else integrity_key(data_key)
            if key is not None:
                verify(connection, key)
            self._guard.forgive_in(connection)
            if key is not None:
                attest(connection, key)

    def _forgive_officer(self, slots: KeySlots, kek: bytes, data_key: bytes) -> None:
        """After the officer's secret opened the vault: verify (or, once after an upgrade, start) the MAC.

        A vault from before schema version 4 has no MAC and a version-1 key slot: its first unlock
        writes the MAC and re-wraps the slot. A version-2 slot without a MAC means the MAC was removed.

        Raises:
            VaultTamperedError: the protected state changed outside Waypoint (nothing is cleared).
        """
        key = integrity_key(data_key)
        keys = self._keys_for(data_key)
        with self._database.write() as connection:
            if is_attested(connection):
                verify(connection, key)
            elif slots.is_legacy(kek):
                slots.store(self._key_file, kek, data_key, OFFICER_SLOT, format_time(self._clock.now()))
            else:
                raise VaultTamperedError()
            self._guard.forgive_in(connection)
            attest(connection, key)
            adopted = adopt_legacy_meta(connection, keys)  # once, after the version-6 upgrade
            # Rows no session can claim are what an interrupted duress unlock left behind.
            leftovers = delete_other_spaces(connection, keys) + delete_other_referrals(connection, keys)
            delete_other_directories(connection, keys)
        if leftovers:
            self._database.vacuum()
        if adopted or leftovers:
            self._database.checkpoint_until_done()

    def _refresh_policy(self) -> VaultPolicy:
        self._policy = self._read_policy()
        return self._policy

    @contextmanager
    def _locks_on_wipe(self) -> Iterator[None]:
        try:
            yield
        except VaultWipedError:
            self.lock()
            raise

    def _destroy_real_vault(self, slots: KeySlots, duress_kek: bytes, decoy_key: bytes) -> None:
        """The duress path: the decoy becomes the only vault, and nothing of the real one remains.

        Under the write lock, first the key-slot file is overwritten in place: the decoy key goes into
        the officer's slot (under the duress secret) and the duress slot gets a wrap under a random key
        (as on a vault without a duress secret). From that moment the real ciphertext cannot be opened,
        even if the rest is interrupted (the next unlock deletes what is left). Then one transaction
        deletes every interview, outbox, referral, directory and legacy row the decoy did not make,
        restarts the counters as in a vault created and unlocked once, and authenticates the protected
        state under the only key.
        VACUUM then rebuilds the file without the deleted pages, and the WAL is truncated.
        """
        now = format_time(self._clock.now())
        decoy = self._keys_for(decoy_key)
        with self._database.write() as connection:
            rewritten = slots.with_slot(duress_kek, decoy_key, OFFICER_SLOT)
            rewritten.with_slot(os.urandom(len(duress_kek)), new_data_key(), DURESS_SLOT).write(
                self._key_file, now
            )
            delete_other_spaces(connection, decoy)
            delete_other_referrals(connection, decoy)
            delete_other_directories(connection, decoy)
            adopt_legacy_meta(connection, decoy)
            self._guard.restart_counts(connection)
            attest(connection, integrity_key(decoy_key))  # the protected state, now under the only key
        with _destructions_lock:
            _destructions[self._database.path] = _destructions.get(self._database.path, 0) + 1
        self._database.vacuum()
        self._database.checkpoint_until_done()

    def _keys_for(self, data_key: bytes) -> SessionKeys:
        codec: FieldCodec = UnencryptedFields() if self._plaintext_fields else FieldCipher(data_key)
        return SessionKeys(codec, data_key)

    def _start_session(self, data_key: bytes) -> None:
        keys = self._keys_for(data_key)
        generation = _destruction_count(self._database.path)
        self._session = _Session(keys, data_key, self._clock.monotonic(), generation)

    def _current_session(self) -> _Session | None:
        session = self._session
        if session is None:
            return None
        if session.generation != _destruction_count(self._database.path):
            self._session = None  # a duress unlock elsewhere in this process destroyed its space
            return None
        if self._clock.monotonic() - session.last_activity > self._policy.idle_lock_seconds:
            self._session = None
            return None
        return session

    def _require_session(self) -> _Session:
        with self._lock:
            session = self._current_session()
            if session is None:
                raise VaultLockedError()
            session.last_activity = self._clock.monotonic()
            return session
