"""The services the app is built on, made once per process and handed to each session.

Per process: the configuration, the protocol library, and the background sender (started lazily on
the first session, with its own locked `Vault`: the outbox needs no secret). Per session: a `Vault`
object of its own (`open_vault`), so unlocking in one browser tab never unlocks another, and the
`ScreeningService` over it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import flet as ft

from app.audio import AudioCatalog
from app.clock import EventLoopClock, SessionClock
from app.config import AppConfig
from app.device_secret import device_secret_for
from app.screening import ScreeningService
from app.spoken import missing_clips
from app.sync_worker import SyncWorker
from app.vault import Vault
from screening_protocols import Protocol, get_protocol, list_protocols
from sync.enroll import OrganisationEnrollment, join
from sync.outbox import Outbox
from sync.stores import DeviceStore

__all__ = ["AppServices"]


class AppServices:
    """Process-wide services; cheap to build, so tests build one per test."""

    def __init__(
        self,
        config: AppConfig,
        *,
        vault_options: dict[str, Any] | None = None,
        clock: SessionClock | None = None,
    ) -> None:
        """Args:
        config: the app's settings.
        vault_options: extra `Vault.open` arguments; tests pass a fast key-derivation policy here.
        clock: the sessions' clock (idle lock, unlock wait); tests pass a `ManualClock`.
        """
        self.config = config
        self._vault_options = dict(vault_options or {})
        self._clock = clock
        self._worker: SyncWorker | None = None
        self._stopping = threading.Event()  # set at close: a sender waiting to retry stops at once
        self._worker_vault: Vault | None = None
        self._audio: AudioCatalog | None = None
        self._protocols: tuple[Protocol, ...] | None = None

    def audio_catalog(self) -> AudioCatalog:
        """The audio prompts the manifest lists (read once)."""
        if self._audio is None:
            self._audio = AudioCatalog.load(self.config.assets_dir)
        return self._audio

    def open_vault(self) -> Vault:
        """A new `Vault` object over the device's vault file (blocking: call it off the event loop)."""
        return Vault.open(self.config.data_dir, **self._vault_options)

    def screening_service(self, vault: Vault) -> ScreeningService:
        return ScreeningService(vault)

    def protocols(self) -> Sequence[Protocol]:
        """The protocols an officer can choose from, in library order (read once per process); an
        imported draft (`status: imported`, no consent yet) is never offered."""
        if self._protocols is None:
            self._protocols = tuple(p for p in list_protocols() if p.status != "imported")
        return self._protocols

    def protocol(self, protocol_id: str) -> Protocol:
        return get_protocol(protocol_id)

    def audio_gaps(self, protocol_id: str, language: str) -> tuple[int, int]:
        """How many clips private answering needs in `protocol_id` and `language` have no audio,
        of how many."""
        return missing_clips(self.audio_catalog(), self.protocol(protocol_id), language)

    def session_clock(self) -> SessionClock:
        """The clock a new session counts its idle lock and unlock wait on."""
        return self._clock or EventLoopClock()

    def join(self, code: str, device_store: DeviceStore) -> OrganisationEnrollment:
        """Enroll the device with the organisation's server (blocking, needs the network)."""
        return join(code, device_store)

    async def pick_image(self, page: ft.Page) -> bytes | None:
        """A picture the officer chooses (a photo of an enrollment QR image): its bytes, or None.

        Flet's file picker: in a browser the file's bytes come over the session's connection; on a
        phone it opens the photo gallery (take the photo with the camera app first). Tests replace
        this method.
        """
        picker = ft.FilePicker()  # registers with the page; kept referenced until it answers
        files = await picker.pick_files(file_type=ft.FilePickerFileType.IMAGE, with_data=True)
        if not files:
            return None
        chosen = files[0]
        if chosen.bytes is not None:
            return chosen.bytes
        if chosen.path:
            return await asyncio.to_thread(Path(chosen.path).read_bytes)
        return None

    async def device_secret(self, page: ft.Page, *, create: bool) -> bytes | None:
        """The secret kept in the phone's secure storage, or None where there is none (web, desktop)."""
        return await device_secret_for(page, create=create)

    async def start_sync_worker(self) -> SyncWorker:
        """Start the process's background sender on first use (its vault is opened off the loop)."""
        if self._worker is None:
            vault = await asyncio.to_thread(self.open_vault)
            if self._worker is None:  # another session may have started it meanwhile
                self._worker_vault = vault
                outbox = Outbox(vault.outbox_store, vault.device_store, stopping=self._stopping)
                self._worker = SyncWorker(
                    counts=vault.outbox_store.counts,
                    enrolled=lambda: vault.device_store.load_enrollment() is not None,
                    send=outbox.send_pending,
                    interval_seconds=self.config.sync_interval_seconds,
                    backoff_max_seconds=self.config.sync_backoff_max_seconds,
                    deadline_seconds=self.config.sync_deadline_seconds,
                )
                self._worker.start()
        return self._worker

    def sync_worker(self) -> SyncWorker:
        """The running background sender (`start_sync_worker` ran when the first session started)."""
        if self._worker is None:
            raise RuntimeError("the sync worker has not been started")
        return self._worker

    async def close(self) -> None:
        """Stop the sender (tests, and the end of the process)."""
        self._stopping.set()
        if self._worker is not None:
            await self._worker.stop()
            self._worker = None
