"""Opened interviews as HTCDS 2.0 rows (IOM's Human Trafficking Case Data Standard), for CTDC or a
national database: CSV, XLSX or JSON, with the standard's exact field names and picklist values.

The mapping from Waypoint's findings to HTCDS values is data (`interop/data/htcds-mapping.csv`), and
a test checks every field and value against the standard's own field list. A screening decides
nothing, so `vic_TraffickingStatus` is only ever "PossibleVictimOfTrafficking", and only when the
outcome found indicators. No names or other direct identifiers are written unless the organisation's
setting allows them: `prs_IdentityNumber` carries a pseudonym that only the organisation's key can
make again, so the desk can re-link a row; the mapping is never in the file. See docs/interop.md.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

if TYPE_CHECKING:
    from sync.desk.export import ExportFailure, OpenedInterview, SubmissionSource

COLUMNS = (
    "prs_IdentityNumber",
    "prs_PrimaryLanguage",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "cas_Status",
    "con_Consent",
)
IDENTIFYING_COLUMNS = ("prs_FirstName", "prs_SecondName")  # only when the setting allows identifiers
IDENTIFYING_FACTS = {"given_name": "prs_FirstName", "family_name": "prs_SecondName"}
MULTI_VALUE = ("vic_MethodsOfControl", "vic_TypeOfExploitation")
FORMATS = (".csv", ".xlsx", ".json")
IDENTIFIER_SETTINGS = ("pseudonymous", "allowed")
_PSEUDONYM_INFO = b"waypoint-htcds-pseudonym/1"


@dataclass(frozen=True)
class HtcdsSettings:
    """The organisation's choices for HTCDS exports (a small JSON file at the desk)."""

    identifiers: str = "pseudonymous"  # "allowed": names from `given_name`/`family_name` facts too
    decision_making_org: str | None = None  # vic_TraffickingStatusDecisionMakingOrg, e.g. "NGO"

    def __post_init__(self) -> None:
        if self.identifiers not in IDENTIFIER_SETTINGS:
            raise ConfigError(
                N_("The HTCDS setting identifiers must be one of {allowed}."),
                N_("Write pseudonymous (the default) or allowed in the settings file."),
                allowed=", ".join(IDENTIFIER_SETTINGS),
            )
        allowed = picklist("vic_TraffickingStatusDecisionMakingOrg")
        if self.decision_making_org is not None and self.decision_making_org not in allowed:
            raise ConfigError(
                N_("The HTCDS setting decision_making_org must be one of {allowed}."),
                N_("Use the standard's value for your organisation, or leave it out."),
                allowed=", ".join(allowed),
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """The fields written, in order."""
        return (*COLUMNS, *IDENTIFYING_COLUMNS) if self.identifiers == "allowed" else COLUMNS


def read_settings(path: Path | None) -> HtcdsSettings:
    """The settings in the JSON file at `path` ({} when None)."""
    if path is None:
        return HtcdsSettings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        data = None
    known = {"identifiers", "decision_making_org"}
    if not isinstance(data, dict) or set(data) - known:
        raise ConfigError(
            N_("The HTCDS settings file {file} is not a JSON object with only {known}."),
            N_('Write e.g. {{"identifiers": "pseudonymous", "decision_making_org": "NGO"}}.'),
            file=path.name,
            known=", ".join(sorted(known)),
        )
    return HtcdsSettings(**data)


def _data(name: str) -> list[dict[str, str]]:
    text = resources.files("interop").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def standard() -> dict[str, tuple[str, ...]]:
    """HTCDS field name -> its picklist Value Names (empty for text, dates, checkboxes and ISO lists),
    from the standard's own field list (`data/htcds-field-standards-2.0.csv`, CC BY 4.0, IOM)."""
    fields: dict[str, tuple[str, ...]] = {}
    for row in _data("htcds-field-standards-2.0.csv"):
        name = (row.get("Field Name including Prefix") or "").strip()
        if not name or name == "N/A":
            continue
        values = tuple(
            v.strip() for v in (row.get("Value Names (if picklist)") or "").splitlines() if v.strip()
        )
        enumerated = "Picklist" in (row.get("Field Type") or "") and not any(
            v.startswith("Use ") for v in values
        )
        fields[name] = values if enumerated else ()
    return fields


def picklist(field: str) -> tuple[str, ...]:
    """The standard's Value Names for `field`."""
    return standard()[field]


@cache
def mapping() -> dict[tuple[str, str], tuple[str, str]]:
    """(Waypoint source, value) -> (HTCDS field, HTCDS value), from `data/htcds-mapping.csv`; every
    field and picklist value is checked against the standard, so a typo fails loudly, never silently."""
    table = {}
    for row in _data("htcds-mapping.csv"):
        field, value = row["htcds_field"], row["htcds_value"]
        if field not in standard() or (picklist(field) and value not in picklist(field)):
            raise ConfigError(
                N_("The HTCDS mapping names {field} = {value}, which HTCDS 2.0 does not have."),
                N_("Correct interop/data/htcds-mapping.csv against the standard's field list."),
                field=field,
                value=value,
            )
        table[(row["waypoint_source"], row["waypoint_value"])] = (field, value)
    return table


def pseudonym(interview_id: str, key: X25519PrivateKey) -> str:
    """A stable id for the interview that only the holder of the organisation key can make again."""
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PSEUDONYM_INFO).derive(raw)
    return "WP-" + hmac.new(secret, interview_id.encode(), hashlib.sha256).hexdigest()[:20]


def htcds_row(
    recorded: Mapping[str, Any], pseudonymous_id: str, settings: HtcdsSettings, facts: Mapping[str, str]
) -> dict[str, str | list[str]]:
    """One interview as HTCDS fields. `facts` maps question ids to the facts they establish."""
    table = mapping()
    outcome = _mapping(recorded.get("outcome"))
    row: dict[str, str | list[str]] = dict.fromkeys(settings.columns, "")
    row["prs_IdentityNumber"] = pseudonymous_id
    language = recorded.get("respondent_language")
    row["prs_PrimaryLanguage"] = language if isinstance(language, str) else ""
    status = table.get(("level", str(outcome.get("outcome", ""))))
    row["vic_TraffickingStatus"] = status[1] if status else ""
    if status and settings.decision_making_org:
        row["vic_TraffickingStatusDecisionMakingOrg"] = settings.decision_making_org
    controls: list[str] = []
    exploitation: list[str] = []
    protocol_id = str(recorded.get("protocol_id", ""))
    for finding in outcome.get("indicators", ()) if isinstance(outcome.get("indicators"), list) else ():
        if not isinstance(finding, Mapping):
            continue
        for ilo in finding.get("ilo", ()):
            _add(controls, table.get(("ilo", str(ilo))), "vic_MethodsOfControl")
        ident = str(finding.get("id", ""))
        found = table.get(("indicator", f"{protocol_id}:{ident}")) or table.get(("indicator", ident))
        _add(exploitation, found, "vic_TypeOfExploitation")
    row["vic_MethodsOfControl"] = controls
    row["vic_TypeOfExploitation"] = exploitation
    row["cas_Status"] = table[("case", "screened")][1]
    consent = _mapping(recorded.get("consent"))
    agreed = "agreed" if consent.get("agreed") is True else "not_agreed"
    row["con_Consent"] = table[("consent", agreed)][1]
    if settings.identifiers == "allowed":
        answers = _mapping(recorded.get("answers"))
        for qid, fact in facts.items():
            column = IDENTIFYING_FACTS.get(fact)
            if column and isinstance(answers.get(qid), str):
                row[column] = answers[qid]
    return row


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _add(values: list[str], found: tuple[str, str] | None, field: str) -> None:
    if found and found[0] == field and found[1] not in values:
        values.append(found[1])


def protocol_facts(protocol_id: str) -> dict[str, str]:
    """Question id -> fact for a library protocol ({} when the protocol is not in this library)."""
    from screening_protocols import get_protocol
    from screening_protocols.errors import ProtocolError

    try:
        protocol = get_protocol(protocol_id)
    except ProtocolError:
        return {}
    return {q.id: q.fact for q in protocol.questions if q.fact}


def write_htcds(rows: Iterable[Mapping[str, str | list[str]]], columns: tuple[str, ...], out: Path) -> int:
    """Write `rows` to `out` (.csv, .xlsx or .json by suffix), readable by this user only; the count."""
    suffix = _checked_suffix(out)
    listed = list(rows)
    if suffix == ".json":
        content = json.dumps(
            {"standard": "HTCDS 2.0", "records": listed}, ensure_ascii=False, indent=2
        ).encode()
    elif suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_flat(row.get(c, "")) for c in columns] for row in listed)
        content = buffer.getvalue().encode("utf-8")
    else:
        content = _xlsx(listed, columns)
    from sync.desk.export import write_private_file

    out.parent.mkdir(parents=True, exist_ok=True)
    write_private_file(out, content)
    return len(listed)


def _checked_suffix(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(
            N_("The HTCDS export file must end in {formats}."),
            N_("Name the --out file e.g. cases.csv, cases.xlsx or cases.json."),
            formats=", ".join(FORMATS),
        )
    return suffix


@dataclass
class HtcdsReport:
    """How many interviews were written, and which could not be opened (ids and reasons only)."""

    written: int
    failures: list[ExportFailure]


def export_htcds(
    database_url: str, private_keys: Iterable[X25519PrivateKey], out: Path, settings: HtcdsSettings
) -> HtcdsReport:
    """Open every submission on the server database and write it as one HTCDS row to `out`.

    Raises:
        ConfigError: `out` has no supported suffix, or `database_url` is not a referral server's database.
    """
    from sync.server.reading import SubmissionReader

    _checked_suffix(out)
    with SubmissionReader.open(database_url) as reader:
        return export_htcds_from(reader, private_keys, out, settings)


def export_htcds_from(
    source: SubmissionSource, private_keys: Iterable[X25519PrivateKey], out: Path, settings: HtcdsSettings
) -> HtcdsReport:
    """Write what `source` holds as HTCDS rows to `out`; see `export_htcds`."""
    from sync.desk.export import ExportFailure, open_from

    _checked_suffix(out)
    failures: list[ExportFailure] = []
    opened = []
    for item in open_from(source, list(private_keys)):
        if isinstance(item, ExportFailure):
            failures.append(item)
        else:
            opened.append(item)
    return HtcdsReport(write_opened(opened, out, settings), failures)


def write_opened(opened: Iterable[OpenedInterview], out: Path, settings: HtcdsSettings) -> int:
    """Write interviews already opened and checked (the browser desk holds them) as HTCDS rows to `out`."""
    _checked_suffix(out)
    rows = []
    facts: dict[str, dict[str, str]] = {}
    for item in opened:
        protocol_id = item.document.protocol_id
        if protocol_id not in facts:
            facts[protocol_id] = protocol_facts(protocol_id)
        recorded = item.document.to_dict()
        rows.append(htcds_row(recorded, pseudonym(item.interview_id, item.key), settings, facts[protocol_id]))
    return write_htcds(rows, settings.columns, out)


def _flat(value: str | list[str]) -> str:
    return ";".join(value) if isinstance(value, list) else value  # HTCDS multiselect: values joined by ;


def _xlsx(rows: list[Mapping[str, str | list[str]]], columns: tuple[str, ...]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "HTCDS"
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_flat(row.get(c, "")) or None for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
