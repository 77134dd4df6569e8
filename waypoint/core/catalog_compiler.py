"""Compile every gettext catalog under `locales/` (`<lang>/LC_MESSAGES/<domain>.po` -> `.mo`).

Run as `python -m waypoint.core.catalog_compiler`; `dev.py` does it during set-up. Only stale catalogs
are rebuilt.
Fuzzy entries are left out, so an unreviewed guess never reaches a respondent.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from waypoint.core.resources import LOCALES_DIR


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compile stale `.po` files under `locales_dir`; return the `.mo` files written."""
    written = []
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        # Written beside and renamed into place: another process reading the catalog (a second test
        # worker, a running app) sees the old file or the new one, never half of one.
        with tempfile.NamedTemporaryFile("wb", dir=mo_path.parent, suffix=".mo.tmp", delete=False) as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        os.replace(mo_file.name, mo_path)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    compile_catalogs()
