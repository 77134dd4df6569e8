"""The organisation's case desk over the referral server's API: `CoordinatorService` for the browser desk.

`CoordinatorDesk(server_url, organisation_key)` enrolls the coordinator principal (a key derived from the
organisation key, `sync.desk.coordinator_key`), fetches what is new, and opens it with the same checks
as the command-line export (`sync.desk.export.open_from`, `sync.desk.referrals.open_referrals`). Opened
plaintext stays in this object's memory: it is written only by `export_json`, on the coordinator's
request, to files readable by this user alone.

What needs a higher layer is passed in, because `sync` may import neither the protocol engine, nor
`referral`, nor `interop` (the import-linter layers in pyproject.toml): `explain` (the outcome in words,
grouped, re-evaluated by the engine), `packager` (the minimised referral package), `directory` (the
working copy of the directory of services) and `htcds` (the HTCDS export). `referral.coordinator_desk`
builds a desk with all of them; without them the desk still lists and opens cases, reading the outcome
as the device recorded it, and refuses to refer (`DeskNotAvailableError`).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.code_authority import vouched_keys
from sync.desk.aggregates.suppression import K_ANONYMITY, suppress
from sync.desk.aggregates.tables import build_tables, case_facts, referral_facts
from sync.desk.api_client import PAGE, CoordinatorClient
from sync.desk.codes import authorize_code
from sync.desk.coordinator_key import coordinator_signing_key, linked_interview, new_referral_id
from sync.desk.export import ExportFailure, OpenedInterview, open_from, write_private_file
from sync.desk.partners import vouched_partners_from
from sync.desk.referrals import REFERRALS_FOLDER, open_referrals
from sync.desk.service import (
    AuditEntry,
    CaseDetail,
    CaseFilter,
    CaseSummary,
    CoordinatorService,
    DashboardView,
    DeviceView,
    DirectoryEntryView,
    EnrollmentCodeView,
    IndicatorLine,
    PartnerView,
    Progress,
    ReferralView,
    StatusEntry,
)
from sync.enrollment_code import qr_png
from sync.errors import SyncError
from sync.identity import ed25519_public_bytes
from sync.referral_seal import StatusStatement, detail_digest, seal_detail, seal_referral, sign_status
from sync.sealed import SealedInterview
from sync.server.reading import StoredSubmission
from sync.wire import Receipt, ReferralBatch, ReferralEventRequest, ReferralItem, b64u_encode
from waypoint.core.i18n import N_

__all__ = [
    "CaseExplanation",
    "CoordinatorDesk",
    "DeskNotAvailableError",
    "DeskRefusedError",
    "DirectoryBook",
    "PackageOrder",
    "recorded_explanation",
]


NO_FILTER = CaseFilter()


class DeskRefusedError(SyncError):
    """The desk cannot do what was asked; the message says why (never content)."""

    code = "WP-SYNC-060"
    what = N_("The case desk cannot do this.")
    todo = N_("Check the case, the partner and the consent, then try again.")


class DeskNotAvailableError(SyncError):
    """A part of the desk that this installation does not provide (HTCDS export, directory editing)."""

    code = "WP-SYNC-061"
    what = N_("This part of the case desk is not available here: {part}.")
    todo = N_("Start the desk with `waypoint desk serve`, which provides it.")


@dataclass(frozen=True)
class CaseExplanation:
    """One case's outcome in words: what `CaseDetail` shows besides the summary."""

    level_label: str
    headline: str
    indicators: tuple[IndicatorLine, ...]
    referral_needs: tuple[str, ...]
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class PackageOrder:
    """What a referral package is built from (besides the opened interview)."""

    referral_id: str
    sender_id: str  # the coordinator principal
    partner_id: str
    organization_id: str
    service_id: str | None
    consent: str  # "given" | "mandatory"
    legal_basis: str


Explain = Callable[[SealedInterview], CaseExplanation]
Packager = Callable[[SealedInterview, PackageOrder], bytes]
HtcdsExport = Callable[[Sequence[OpenedInterview], Path], Path]


class DirectoryBook(Protocol):
    """The directory's working copy, kept in memory (`referral.coordinator_desk.WorkingDirectory`)."""

    def entries(self, partners: Mapping[str, str]) -> list[DirectoryEntryView]: ...

    def import_hsds(self, content: bytes) -> int: ...

    def update(self, service_id: str, changes: Mapping[str, object]) -> DirectoryEntryView: ...

    def mark_verified(self, service_id: str, on: date) -> DirectoryEntryView: ...

    def load(self, document: bytes) -> None: ...

    def signed(self, version: int, key: X25519PrivateKey, partners: Mapping[str, Any]) -> tuple[bytes, bytes]:
        """(document, signature) of this working copy as `version`, with the vouched partners' keys."""
        ...


def recorded_explanation(document: SealedInterview) -> CaseExplanation:
    """The outcome as the device recorded it, by ids (no protocol text): the fallback explanation."""
    outcome: Mapping[str, Any] = document.outcome or {}
    level = str(outcome.get("outcome", "insufficient_information"))
    lines = []
    for item in outcome.get("indicators") or ():
        if not isinstance(item, Mapping):
            continue
        because = item.get("because") or ()
        lines.append(
            IndicatorLine(
                indicator_id=str(item.get("id", "")),
                label=str(item.get("id", "")),
                element=str(item.get("element", "")),
                ilo_dimension=None if item.get("dimension") is None else str(item["dimension"]),
                strength=str(item.get("strength", "")),
                because=", ".join(str(qid) for qid in because if isinstance(qid, str)),
            )
        )
    return CaseExplanation(
        level_label=level,
        headline=level,
        indicators=tuple(lines),
        referral_needs=tuple(str(need) for need in outcome.get("referral_needs") or ()),
        unknown=tuple(str(qid) for qid in outcome.get("unknown") or ()),
    )


@dataclass
class _Case:
    opened: OpenedInterview
    received_at: int
    summary_cache: CaseSummary | None = None
    explained: CaseExplanation | None = None


@dataclass
class _State:
    cases: dict[str, _Case] = field(default_factory=dict)
    cursor: int = 0  # the last submission row opened
    failures: list[ExportFailure] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    referral_states: dict[str, str] = field(default_factory=dict)
    refused_referrals: int = 0


class CoordinatorDesk:
    """The organisation's desk as a coordinator principal (implements `sync.desk.service.CoordinatorService`).

    Args:
        server_url: the referral server.
        organisation_key: the organisation's X25519 private key (kept in memory only).
        transport: an httpx transport (tests: the server in-process).
        code_server_url: the address devices reach the server at, put into enrollment codes
            (default: `server_url`).
        explain, packager, directory, htcds: the higher layers' parts (see the module docstring).
        label_level: (protocol id, level id) -> the level in words, for the case list (cheap: the
            list shows thousands; `explain` runs once per case opened).
        insecure_http: a test lab's plain http:// server on another machine.
    """

    def __init__(
        self,
        server_url: str,
        organisation_key: X25519PrivateKey,
        *,
        transport: httpx.BaseTransport | None = None,
        code_server_url: str | None = None,
        explain: Explain = recorded_explanation,
        label_level: Callable[[str, str], str] = lambda _protocol_id, level: level,
        packager: Packager | None = None,
        directory: DirectoryBook | None = None,
        htcds: HtcdsExport | None = None,
        regions: Mapping[str, str] | None = None,
        insecure_http: bool = False,
    ) -> None:
        self._key = organisation_key
        self._public = organisation_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._client = CoordinatorClient(
            server_url, organisation_key, transport=transport, insecure_http=insecure_http
        )
        self._code_server_url = code_server_url or server_url
        self._insecure_http = insecure_http
        self._explain = explain
        self._label_level = label_level
        self._packager = packager
        self._directory = directory
        self._directory_loaded = False
        self._htcds = htcds
        self._regions = dict(regions or {})
        self._own_key = ed25519_public_bytes(coordinator_signing_key(organisation_key))
        self._state = _State()
        self._lock = threading.RLock()  # the browser desk calls from several handler threads

    def close(self) -> None:
        self._client.close()

    @property
    def coordinator_id(self) -> str:
        return self._client.coordinator_id or self._client.enroll()

    @property
    def failures(self) -> list[ExportFailure]:
        """Envelopes that did not open or verify (by id and reason), never shown as cases."""
        return list(self._state.failures)

    # -- cases ------------------------------------------------------------------------------

    def refresh(self, progress: Progress | None = None) -> int:
        """Fetch and open the envelopes that arrived since the last refresh, then the referrals."""
        with self._lock:
            received: dict[str, int] = {}
            client = self._client
            cursor = self._state.cursor

            class _Source:
                def submissions(self, *, batch_size: int = 500) -> Any:
                    nonlocal cursor
                    for item in client.submission_pages(
                        after=cursor, page_size=batch_size, progress=progress
                    ):
                        received[item.interview_id] = item.received_at
                        cursor = max(cursor, item.row_id)
                        yield StoredSubmission(
                            item.interview_id,
                            item.device_id,
                            item.protocol_id,
                            item.protocol_version,
                            _b64(item.envelope),
                        )

                def lineage(self, device_id: str) -> Sequence[str]:
                    return client.lineage(device_id)

                def device_keys(self, device_id: str) -> Any:
                    return client.device_keys(device_id)

            client.devices(fresh=True)
            added = 0
            try:  # what was opened before a failure (the server went away) is kept, and not fetched again
                for item in open_from(_Source(), [self._key], batch_size=PAGE):
                    if isinstance(item, ExportFailure):
                        self._state.failures.append(item)
                    elif item.interview_id not in self._state.cases:
                        self._state.cases[item.interview_id] = _Case(item, received.get(item.interview_id, 0))
                        added += 1
            finally:
                self._state.cursor = cursor
            if progress is not None and not received:
                progress(0, 0)
            self._refresh_referrals()
            return added

    def _refresh_referrals(self) -> None:
        opened, refused = [], 0
        for item in open_referrals(
            self._client, [self._key], trusted_senders={self.coordinator_id: self._own_key}
        ):
            if isinstance(item, tuple):
                refused += 1
            else:
                opened.append(item)
        self._state.referrals, self._state.refused_referrals = opened, refused
        states: dict[str, str] = {}  # interview id -> newest status of its newest referral
        for referral in opened:  # oldest first
            interview_id = linked_interview(self._key, str(referral["referral_id"]))
            if interview_id is not None:
                states[interview_id] = str(referral["status"])
        self._state.referral_states = states
        for case in self._state.cases.values():
            case.summary_cache = None

    def cases(self, filters: CaseFilter = NO_FILTER) -> list[CaseSummary]:
        with self._lock:
            found = [self._summary(case) for case in self._state.cases.values()]
        return sorted(
            (case for case in found if _matches(case, filters)), key=lambda c: c.recorded_at, reverse=True
        )

    def case(self, interview_id: str) -> CaseDetail:
        with self._lock:
            found = self._state.cases.get(interview_id)
            if found is None:
                raise DeskRefusedError(
                    N_("There is no case {interview_id} at this desk."), interview_id=interview_id
                )
            summary = self._summary(found)
            referrals = tuple(r for r in self.referrals() if r.interview_id == interview_id)
            if found.explained is None:
                found.explained = self._explain(found.opened.document)
            explained = found.explained
        return CaseDetail(
            summary=summary,
            headline=explained.headline,
            indicators=explained.indicators,
            referral_needs=explained.referral_needs,
            unknown=explained.unknown,
            notes=found.opened.document.notes or "",
            referrals=referrals,
        )

    def _summary(self, case: _Case) -> CaseSummary:
        if case.summary_cache is not None:
            return case.summary_cache
        document = case.opened.document
        outcome: Mapping[str, Any] = document.outcome or {}
        level = str(outcome.get("outcome", "insufficient_information"))
        state = self._state.referral_states.get(document.interview_id)
        summary = CaseSummary(
            interview_id=document.interview_id,
            protocol_id=document.protocol_id,
            protocol_version=document.protocol_version,
            level=level,
            level_label=self._label_level(document.protocol_id, level),
            recorded_at=_recorded_at(document, case.received_at),
            device_id=case.opened.device_id,
            referral_state=state,
            child=bool(outcome.get("child_rule", False)),
        )
        case.summary_cache = summary
        return summary

    # -- referrals ------------------------------------------------------------------------

    def _partner_labels(self) -> dict[str, str]:
        """Partner id -> the organisation's name from the directory (else its HSDS organization id)."""
        names = {p.partner_id: p.organization_id for p in self._client.partners()}
        if self._directory is not None:
            for entry in self._book().entries(self._partner_names()):
                if entry.partner_id is not None and entry.organization:
                    names[entry.partner_id] = entry.organization
        return names

    def referrals(self) -> list[ReferralView]:
        with self._lock:
            names = self._partner_labels()
            return [self._referral_view(item, names) for item in self._state.referrals]

    def _referral_view(self, item: Mapping[str, Any], names: Mapping[str, str]) -> ReferralView:
        package = item.get("package") or {}
        referral_id = str(item["referral_id"])
        history = tuple(
            StatusEntry(
                status=str(event["status"]),
                at=_parse_time(str(event["at"])),
                by=str(event["by"]),
                detail=event.get("detail"),
                verified=bool(event["signature_verified"]),
            )
            for event in item.get("history", ())
        )
        service = package.get("service_id") if isinstance(package, Mapping) else None
        return ReferralView(
            referral_id=referral_id,
            interview_id=linked_interview(self._key, referral_id),
            partner_id=str(item["partner_id"]),
            partner_name=names.get(str(item["partner_id"]), str(item["partner_id"])),
            service_id=None if service is None else str(service),
            status=str(item["status"]),
            sent_at=_parse_time(str(item["received_at"])),
            history=history,
        )

    def send_referral(
        self,
        interview_id: str,
        partner_id: str,
        service_id: str | None,
        *,
        consent: str,
        legal_basis: str = "",
    ) -> ReferralView:
        """Seal a minimised package to the partner and to the organisation, signed by the coordinator."""
        packager = self._packager
        if packager is None:
            raise DeskNotAvailableError(part="referral packages")
        if consent not in ("given", "mandatory") or (consent == "mandatory" and not legal_basis.strip()):
            raise DeskRefusedError(
                N_("A referral needs the person's consent, or a mandatory referral's legal basis."),
            )
        with self._lock:
            case = self._state.cases.get(interview_id)
            if case is None:
                raise DeskRefusedError(
                    N_("There is no case {interview_id} at this desk."), interview_id=interview_id
                )
            vouched = {
                p.partner_id: p for p in vouched_partners_from(self._client.partners(), [self._key]).values()
            }
            partner = vouched.get(partner_id)
            if partner is None:
                raise DeskRefusedError(
                    N_("Partner {partner_id} is not an active partner the organisation vouched for."),
                    partner_id=partner_id,
                )
            sender = self.coordinator_id
            order = PackageOrder(
                referral_id=new_referral_id(self._key, interview_id),
                sender_id=sender,
                partner_id=partner_id,
                organization_id=partner.organization_id,
                service_id=service_id,
                consent=consent,
                legal_basis=legal_basis.strip(),
            )
            package = packager(case.opened.document, order)
            copies = seal_referral(
                package,
                referral_id=order.referral_id,
                device_id=sender,
                partner_id=partner_id,
                partner_sealing_key=partner.sealing_public_key,
                organisation_public_key=self._public,
                device_signing_key=self._client.signing_key_raw,
            )
            item = ReferralItem(
                referral_id=order.referral_id,
                partner_id=partner_id,
                for_partner=_b64e(copies.for_partner),
                for_organisation=_b64e(copies.for_organisation),
            )
            result = self._client.send_referrals(ReferralBatch(items=[item]))
            if order.referral_id not in _accepted_ids(result.receipt):
                raise DeskRefusedError(N_("The server did not accept the referral."))
            self._refresh_referrals()
            return self._one(order.referral_id)

    def revoke_referral(self, referral_id: str, reason: str) -> ReferralView:
        """Revoke a referral the coordinator sent; `reason` is sealed to the organisation (the server
        and the partner cannot read it) and shown in the referral's history."""
        with self._lock:
            detail = None
            if reason.strip():
                detail = seal_detail(
                    reason.strip(),
                    referral_id=referral_id,
                    status="revoked",
                    organisation_public_key=self._public,
                )
            statement = StatusStatement(
                referral_id, "revoked", int(time.time() * 1000), self.coordinator_id, detail_digest(detail)
            )
            request = ReferralEventRequest(
                status="revoked",
                at=statement.at,
                detail=None if detail is None else _b64e(detail),
                signature=b64u_encode(sign_status(statement, coordinator_signing_key(self._key))),
            )
            self._client.revoke_referral(referral_id, request)
            self._refresh_referrals()
            return self._one(referral_id)

    def _one(self, referral_id: str) -> ReferralView:
        found = [view for view in self.referrals() if view.referral_id == referral_id]
        if not found:
            raise DeskRefusedError(
                N_("Referral {referral_id} could not be opened at this desk."), referral_id=referral_id
            )
        return found[0]

    # -- directory ------------------------------------------------------------------------

    def _book(self) -> DirectoryBook:
        if self._directory is None:
            raise DeskNotAvailableError(part="directory")
        if not self._directory_loaded:
            latest = self._client.latest_directory()
            if latest.document is not None:
                self._directory.load(_b64(latest.document))
            self._directory_loaded = True
        return self._directory

    def _partner_names(self) -> dict[str, str]:
        return {
            organization: partner.partner_id
            for organization, partner in vouched_partners_from(self._client.partners(), [self._key]).items()
        }

    def directory(self) -> list[DirectoryEntryView]:
        with self._lock:
            return self._book().entries(self._partner_names())

    def import_directory(self, content: bytes) -> int:
        with self._lock:
            return self._book().import_hsds(content)

    def update_entry(self, service_id: str, changes: Mapping[str, object]) -> DirectoryEntryView:
        with self._lock:
            self._book().update(service_id, changes)
            return self._entry(service_id)

    def mark_verified(self, service_id: str) -> DirectoryEntryView:
        with self._lock:
            self._book().mark_verified(service_id, datetime.now(UTC).date())
            return self._entry(service_id)

    def _entry(self, service_id: str) -> DirectoryEntryView:
        """The entry as `directory()` lists it (with the partner that receives its referrals)."""
        return next(entry for entry in self.directory() if entry.service_id == service_id)

    def publish_directory(self) -> int:
        with self._lock:
            book = self._book()
            version = self._client.latest_directory().version + 1
            partners = vouched_partners_from(self._client.partners(), [self._key])
            document, signature = book.signed(version, self._key, partners)
            return self._client.publish_directory(version, document, signature).version

    # -- devices, partners, codes, audit ----------------------------------------------------

    def devices(self) -> list[DeviceView]:
        with self._lock:
            listed = self._client.devices(fresh=True).values()
            return [
                DeviceView(
                    device_id=device.device_id,
                    enrolled_at=_from_ms(device.enrolled_at),
                    revoked=device.status != "active",
                    vouched=bool(vouched_keys(self._client.device_keys(device.device_id), [self._key])),
                    last_seen=None if device.last_seen is None else _from_ms(device.last_seen),
                )
                for device in listed
            ]

    def partners(self) -> list[PartnerView]:
        with self._lock:
            stored = self._client.partners()
            vouched = {p.partner_id for p in vouched_partners_from(stored, [self._key]).values()}
            names = self._partner_labels()
            return [
                PartnerView(
                    partner_id=p.partner_id,
                    organization_id=p.organization_id,
                    name=names.get(p.partner_id, p.organization_id),
                    enrolled_at=_from_ms(p.enrolled_at),
                    revoked=p.status != "active",
                    vouched=p.partner_id in vouched,
                )
                for p in stored
            ]

    def device_code(self) -> EnrollmentCodeView:
        return self._code(None)

    def partner_code(self, organization_id: str) -> EnrollmentCodeView:
        return self._code(organization_id)

    def _code(self, organization_id: str | None) -> EnrollmentCodeView:
        made = self._client.create_code(
            self._code_server_url, organization_id=organization_id, insecure_http=self._insecure_http
        )
        code = authorize_code(made.code, self._key)
        return EnrollmentCodeView(code=code, expires_at=_from_ms(made.expires_at), qr_png=qr_png(code))

    def revoke_device(self, device_id: str) -> None:
        self._client.revoke_device(device_id)

    def revoke_partner(self, partner_id: str) -> None:
        self._client.revoke_partner(partner_id)

    def audit(self, limit: int = 200) -> list[AuditEntry]:
        page = self._client.audit(limit=max(1, min(limit, 1000)))
        return [
            AuditEntry(
                at=_from_ms(row.at),
                event=row.kind,
                principal=row.device_id,
                detail=" ".join(part for part in (row.interview_id, row.code) if part),
            )
            for row in page.events
        ]

    # -- dashboard and exports --------------------------------------------------------------

    def dashboard(self, *, shareable: bool) -> DashboardView:
        with self._lock:
            cases = [case_facts(case.opened.document, self._regions) for case in self._state.cases.values()]
            referrals = [referral_facts(item) for item in self._state.referrals]
            not_counted = len(self._state.failures) + self._state.refused_referrals
        k = K_ANONYMITY if shareable else 1
        tables = {}
        for table in build_tables(cases, referrals):
            shown = suppress(table, k)
            tables[table.name] = (shown.rows, shown.columns, shown.values)
        return DashboardView(tables=tables, shareable=shareable, k=k, not_counted=not_counted)

    def export_json(self, folder: Path) -> Sequence[Path]:
        """Write every opened case, and every opened referral under `referrals/`, for this user only."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        written = []
        with self._lock:
            for case in self._state.cases.values():
                written.append(
                    write_private_file(folder / f"{case.opened.interview_id}.json", case.opened.plaintext)
                )
            if self._state.referrals:
                (folder / REFERRALS_FOLDER).mkdir(exist_ok=True, mode=0o700)
            for item in self._state.referrals:
                content = json.dumps(item, ensure_ascii=False, indent=1).encode()
                written.append(
                    write_private_file(folder / REFERRALS_FOLDER / f"{item['referral_id']}.json", content)
                )
        return written

    def export_htcds(self, folder: Path) -> Path:
        if self._htcds is None:
            raise DeskNotAvailableError(part="HTCDS")
        with self._lock:
            opened = [case.opened for case in self._state.cases.values()]
        return self._htcds(opened, Path(folder))


def _accepted_ids(receipt: Receipt) -> set[str]:
    return {*receipt.accepted, *receipt.duplicates}


def _matches(case: CaseSummary, filters: CaseFilter) -> bool:
    day = case.recorded_at.date()
    checks = (
        filters.protocol_id is None or case.protocol_id == filters.protocol_id,
        filters.level is None or case.level == filters.level,
        filters.since is None or day >= filters.since,
        filters.until is None or day <= filters.until,
        filters.device_id is None or case.device_id == filters.device_id,
        filters.referral_state is None or (case.referral_state or "none") == filters.referral_state,
    )
    return all(checks)


def _recorded_at(document: SealedInterview, received_at: int) -> datetime:
    for moment in (document.completed_at, document.started_at):
        if moment:
            try:
                return _parse_time(moment)
            except ValueError:
                continue
    return _from_ms(received_at)


def _parse_time(moment: str) -> datetime:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _from_ms(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _b64e(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _implements(desk: CoordinatorDesk) -> CoordinatorService:
    """Never called: mypy checks here that the desk implements the service the browser desk uses."""
    return desk
