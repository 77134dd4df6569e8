"""Write an imported protocol: the YAML file, checked by Waypoint's loader, and one .po per language.

The catalogs hold the form's own translations as `# status: imported` entries (read by Waypoint like
a machine draft: shown, but counted as not reviewed). Merge them into `locales/<lang>/LC_MESSAGES/
protocols.po` with `msgcat --use-first` once reviewed (docs/interop.md).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from interop.unsupported import ImportedProtocolError
from interop.xlsform_import import ImportedForm
from screening_protocols.errors import Severity
from screening_protocols.loader import check


@dataclass(frozen=True)
class WrittenImport:
    """What the import wrote, and the lint warnings that say what the author must add."""

    protocol_file: Path
    catalogs: tuple[Path, ...]
    warnings: tuple[str, ...]


def protocol_yaml(imported: ImportedForm) -> str:
    """The protocol file's text: a header comment, then the data in the format's key order."""
    header = (
        f"# Imported from the XLSForm {imported.source_file} by `waypoint protocol import`.\n"
        "# A draft: run `waypoint protocol lint` on this file for what to add before officers use it.\n"
    )
    body = yaml.safe_dump(imported.protocol, sort_keys=False, allow_unicode=True, width=110)
    return header + body


def write_import(imported: ImportedForm, out: Path, po_dir: Path | None = None) -> WrittenImport:
    """Write the protocol to `out` and a catalog per other language to `po_dir` (default: beside it).

    Raises:
        ImportedProtocolError: the protocol does not pass the loader's checks; nothing is written.
    """
    text = protocol_yaml(imported)
    result = check(text.encode("utf-8"), name=str(out))
    errors = [p.message() for p in result.problems if p.severity is Severity.ERROR]
    if errors:
        raise ImportedProtocolError(imported.source_file, errors)
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(out, text.encode("utf-8"))
    catalogs = []
    folder = po_dir or out.parent
    for lang, entries in sorted(imported.translations.items()):
        path = folder / f"{imported.protocol['id']}.{lang}.po"
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, catalog_bytes(lang, entries, imported.source_file))
        catalogs.append(path)
    warnings = tuple(p.message() for p in result.problems if p.severity is Severity.WARNING)
    return WrittenImport(out, tuple(catalogs), warnings)


def catalog_bytes(lang: str, entries: dict[tuple[str, str], str], source_file: str) -> bytes:
    """A gettext catalog of `entries` ((msgctxt, msgid) -> msgstr), each marked `status: imported`."""
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale=lang, domain="protocols", project="Waypoint protocols")
    catalog.header_comment = (
        f"# Translations imported from the XLSForm {source_file}: not reviewed.\n"
        "# default-status: machine-draft"
    )
    for (context, source), translation in entries.items():
        catalog.add(source, translation, context=context, user_comments=["status: imported"])
    buffer = BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False)
    return buffer.getvalue()


def _write_atomically(path: Path, content: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
