"""The coordinator desk's actions: each asks the service off the event loop and puts the answer in the
state. Screens call these and nothing else; a refusal becomes the state's translated `error`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import ParamSpec, TypeVar

from app.errors import error_text
from app.i18n import Translator
from desk_app.coordinator.errors import (
    ChoiceNeededError,
    DateNotValidError,
    DirectoryFileError,
    LegalBasisMissingError,
    OrganisationMissingError,
    PathMissingError,
    ReasonMissingError,
)
from desk_app.coordinator.state import DeskState, Screen
from sync.desk.service import CaseFilter, CoordinatorService

__all__ = ["CONSENTS", "DeskController"]

T = TypeVar("T")
P = ParamSpec("P")
CONSENTS = ("given", "mandatory")
EDITABLE_FIELDS = ("name", "email", "url")  # of an HSDS service, at the desk


class Failed(Exception):
    """The action failed; its message is already in the state."""


class DeskController:
    """One tab's actions over one `CoordinatorService`."""

    def __init__(self, service: CoordinatorService, state: DeskState, translator: Translator) -> None:
        self.service = service
        self.state = state
        self.t = translator
        self._lock = asyncio.Lock()  # one service call at a time per tab

    async def _ask(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking service call in a thread, showing the busy bar; a failure fills `error`."""
        async with self._lock:
            self.state.update(busy=True, error=None, notice=None)
            try:
                return await asyncio.to_thread(function, *args, **kwargs)
            except Exception as error:
                self.state.update(error=error_text(error, self.t))
                raise Failed from None
            finally:
                self.state.update(busy=False, progress=None)

    def _refuse(self, error: Exception) -> None:
        self.state.update(error=error_text(error, self.t), notice=None)

    # -- navigation --------------------------------------------------------------------------------

    async def open(self, screen: Screen) -> None:
        """Show `screen` with fresh data from the service."""
        self.state.update(screen=screen, error=None, notice=None)
        try:
            await self._load(screen)
        except Failed:
            pass

    async def _load(self, screen: Screen) -> None:
        service, state = self.service, self.state
        if screen is Screen.CASES:
            everything = await self._ask(service.cases, CaseFilter())
            shown = (
                everything if state.filters == CaseFilter() else await self._ask(service.cases, state.filters)
            )
            state.update(all_cases=everything, cases=shown)
        elif screen is Screen.REFERRALS:
            state.update(referrals=await self._ask(service.referrals))
        elif screen is Screen.DIRECTORY:
            state.update(directory=await self._ask(service.directory))
        elif screen is Screen.DEVICES:
            devices = await self._ask(service.devices)
            state.update(devices=devices, partners=await self._ask(service.partners))
        elif screen is Screen.AUDIT:
            state.update(audit=await self._ask(service.audit))
        elif screen is Screen.DASHBOARD:
            state.update(dashboard=await self._ask(service.dashboard, shareable=state.shareable))

    async def open_case(self, interview_id: str) -> None:
        try:
            detail = await self._ask(self.service.case, interview_id)
            partners = await self._ask(self.service.partners)
            directory = await self._ask(self.service.directory)
        except Failed:
            return
        drafts = {k: v for k, v in self.state.drafts.items() if not k.startswith("referral-")}
        self.state.update(
            screen=Screen.CASE, case=detail, partners=partners, directory=directory, drafts=drafts
        )

    # -- cases -------------------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Fetch and open what is new, with progress (done, total) while the envelopes open."""
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:  # called in the worker thread
            loop.call_soon_threadsafe(lambda: self.state.update(progress=(done, total)))

        self.state.update(progress=(0, 0))
        try:
            added = await self._ask(self.service.refresh, progress)
            await self._load(Screen.CASES)
        except Failed:
            return
        message = self.t.ngettext("{count} new case opened.", "{count} new cases opened.", added)
        self.state.update(notice=message.format(count=self.t.format_number(added)))

    async def filter(self, name: str, value: str | None) -> None:
        """Change one filter (protocol_id, level, device_id, referral_state, since, until) and reload."""
        chosen = value or None
        if name in ("since", "until"):
            try:
                parsed: object = date.fromisoformat(chosen) if chosen else None
            except ValueError:
                self._refuse(DateNotValidError())
                return
        else:
            parsed = chosen
        self.state.update(filters=dataclasses.replace(self.state.filters, **{name: parsed}))  # type: ignore[arg-type]
        try:
            self.state.update(cases=await self._ask(self.service.cases, self.state.filters))
        except Failed:
            pass

    # -- referrals ---------------------------------------------------------------------------------

    async def send_referral(self) -> None:
        """Send the open case to the partner and service in the drafts, with the consent recorded."""
        state = self.state
        if state.case is None:
            return
        partner = self.chosen_partner()
        consent = state.draft("referral-consent", "given")
        legal_basis = state.draft("referral-legal-basis").strip()
        if not partner:
            self._refuse(ChoiceNeededError())
            return
        if consent == "mandatory" and not legal_basis:
            self._refuse(LegalBasisMissingError())
            return
        interview_id = state.case.summary.interview_id
        try:
            await self._ask(
                self.service.send_referral,
                interview_id,
                partner,
                state.draft("referral-service") or None,
                consent=consent,
                legal_basis=legal_basis if consent == "mandatory" else "",
            )
            detail = await self._ask(self.service.case, interview_id)
        except Failed:
            return
        _ = self.t.gettext
        state.update(case=detail, notice=_("The referral was sent."))

    def chosen_partner(self) -> str:
        """The partner chosen in the form; the only active partner when there is just one."""
        active = [p.partner_id for p in self.state.partners if not p.revoked]
        return self.state.draft("referral-partner") or (active[0] if len(active) == 1 else "")

    async def revoke_referral(self, referral_id: str) -> None:
        reason = self.state.draft(f"revoke-{referral_id}").strip()
        if not reason:
            self._refuse(ReasonMissingError())
            return
        try:
            await self._ask(self.service.revoke_referral, referral_id, reason)
            referrals = await self._ask(self.service.referrals)
        except Failed:
            return
        _ = self.t.gettext
        self.state.update(referrals=referrals, notice=_("The referral was revoked."))

    # -- directory ---------------------------------------------------------------------------------

    async def import_directory(self) -> None:
        raw = self.state.draft("directory-path").strip()
        if not raw:
            self._refuse(PathMissingError())
            return
        try:
            content = await asyncio.to_thread(Path(raw).expanduser().read_bytes)
        except OSError as error:
            self._refuse(DirectoryFileError(reason=error.strerror or type(error).__name__))
            return
        try:
            count = await self._ask(self.service.import_directory, content)
            directory = await self._ask(self.service.directory)
        except Failed:
            return
        message = self.t.ngettext("{count} service imported.", "{count} services imported.", count)
        self.state.update(directory=directory, notice=message.format(count=self.t.format_number(count)))

    async def save_entry(self, service_id: str) -> None:
        """Save the typed name, e-mail and web address of a service (an empty field keeps the value)."""
        typed = {name: self.state.draft(f"entry-{service_id}-{name}").strip() for name in EDITABLE_FIELDS}
        changes = {name: value for name, value in typed.items() if value}
        await self._entry(self.service.update_entry, service_id, changes)

    async def mark_verified(self, service_id: str) -> None:
        await self._entry(self.service.mark_verified, service_id)

    async def _entry(self, function: Callable[..., object], *args: object) -> None:
        try:
            await self._ask(function, *args)
            directory = await self._ask(self.service.directory)
        except Failed:
            return
        _ = self.t.gettext
        self.state.update(directory=directory, notice=_("The directory entry was saved."))

    async def publish_directory(self) -> None:
        try:
            version = await self._ask(self.service.publish_directory)
        except Failed:
            return
        _ = self.t.gettext
        notice = _("The directory was signed and published (version {version}).")
        self.state.update(notice=notice.format(version=version))

    # -- devices and partners ----------------------------------------------------------------------

    async def device_code(self) -> None:
        try:
            code = await self._ask(self.service.device_code)
        except Failed:
            return
        self.state.update(code=code, code_for="device")

    async def partner_code(self) -> None:
        organization = self.state.draft("partner-organization").strip()
        if not organization:
            self._refuse(OrganisationMissingError())
            return
        try:
            code = await self._ask(self.service.partner_code, organization)
        except Failed:
            return
        self.state.update(code=code, code_for=organization)

    async def revoke_device(self, device_id: str) -> None:
        await self._revoke(self.service.revoke_device, device_id)

    async def revoke_partner(self, partner_id: str) -> None:
        await self._revoke(self.service.revoke_partner, partner_id)

    async def _revoke(self, function: Callable[[str], None], principal: str) -> None:
        try:
            await self._ask(function, principal)
        except Failed:
            return
        await self._load(Screen.DEVICES)
        _ = self.t.gettext
        self.state.update(notice=_("Revoked: it can no longer reach the server."))

    # -- exports and dashboard ---------------------------------------------------------------------

    async def export(self, kind: str) -> None:
        raw = self.state.draft("export-folder").strip()
        if not raw:
            self._refuse(PathMissingError())
            return
        folder = Path(raw).expanduser()
        try:
            if kind == "htcds":
                written: object = [await self._ask(self.service.export_htcds, folder)]
            else:
                written = await self._ask(self.service.export_json, folder)
        except Failed:
            return
        count = len(written)  # type: ignore[arg-type]
        message = self.t.ngettext(
            "{count} file written to {folder}.", "{count} files written to {folder}.", count
        )
        self.state.update(notice=message.format(count=self.t.format_number(count), folder=folder))

    async def set_shareable(self, shareable: bool) -> None:
        self.state.update(shareable=shareable)
        try:
            self.state.update(dashboard=await self._ask(self.service.dashboard, shareable=shareable))
        except Failed:
            pass
