"""What the `waypoint` commands for XLSForm and HTCDS do, as generators of output lines.

Each yields `(line, to_stderr)` pairs for the command line to print, so the click wiring stays a few
lines; a located list of problems is yielded before the error that stops the command is raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

Line = tuple[str, bool]
_PROTOCOL_ID = re.compile(r"[a-z][a-z0-9-]*")


def import_form(
    form: Path,
    out: Path,
    *,
    skip_unsupported: bool = False,
    po_dir: Path | None = None,
    source_language: str | None = None,
) -> Iterator[Line]:
    """`waypoint protocol import FORM --out ID.yaml`."""
    from interop.protocol_files import write_import
    from interop.unsupported import LocatedProblemsError
    from interop.xlsform_import import import_xlsform

    protocol_id = out.name.removesuffix(".yaml")
    if not out.name.endswith(".yaml") or not _PROTOCOL_ID.fullmatch(protocol_id):
        raise ConfigError(
            N_("The --out file {file} is not named <protocol id>.yaml."),
            N_("Use lowercase letters, digits and - for the id, e.g. --out library/my-screen.yaml."),
            file=out.name,
        )
    if out.exists():
        raise ConfigError(
            N_("{file} already exists; the import never replaces a protocol."),
            N_("Choose another --out, or move the existing file away first."),
            file=out.name,
        )
    try:
        imported = import_xlsform(
            form, protocol_id=protocol_id, skip_unsupported=skip_unsupported, source_language=source_language
        )
        written = write_import(imported, out, po_dir)
    except LocatedProblemsError as error:
        for line in error.details().splitlines():
            yield line, True
        raise
    for skipped in imported.skipped:
        yield f"skipped: {skipped.line()}", True
    yield f"wrote {written.protocol_file}", False
    for catalog in written.catalogs:
        yield f"wrote {catalog} (translations: status imported, not reviewed)", False
    yield f"to do before officers use it ({len(written.warnings)} lint warning(s)):", True
    for warning in written.warnings:
        yield f"  {warning}", True


def export_form(protocol_id: str, out: Path) -> Iterator[Line]:
    """`waypoint protocol export-xlsform ID --out FILE.xlsx`."""
    from interop.xlsform_export import write_xlsform
    from screening_protocols import get_protocol

    if out.suffix.lower() != ".xlsx":
        raise ConfigError(
            N_("The XLSForm file {file} must end in .xlsx."),
            N_("Name the --out file e.g. {protocol}.xlsx."),
            file=out.name,
            protocol=protocol_id,
        )
    sheets = write_xlsform(get_protocol(protocol_id), out)
    yield f"wrote {out}: {len(sheets.survey)} survey rows, languages {', '.join(sheets.languages)}", False
    yield "checked: pyxform converts it to an XForm (ODK Collect, KoboToolbox)", True


def export_htcds_file(
    database_url: str, keys: list[X25519PrivateKey], out: Path, settings_file: Path | None
) -> Iterator[Line]:
    """`waypoint desk export --format htcds --out FILE.csv|.xlsx|.json`; exits 1 when any is not exported."""
    from interop.htcds import export_htcds, read_settings
    from sync.desk.export import REFUSAL_REASONS

    settings = read_settings(settings_file)
    report = export_htcds(database_url, keys, out, settings)
    yield f"exported {report.written} interview(s) as HTCDS 2.0 to {out} ({settings.identifiers} ids)", False
    for failure in report.failures:
        reason = f"{failure.reason} ({REFUSAL_REASONS.get(failure.reason, failure.reason)})"
        yield f"not exported: {failure.interview_id} from device {failure.device_id}: {reason}", True
    if report.failures:
        raise SystemExit(1)
