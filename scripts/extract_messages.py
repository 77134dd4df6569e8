"""Extract the interface template (`waypoint/locales/waypoint.pot`) and write the English catalog from it.

    .venv/bin/python -m scripts.extract_messages

rewrites waypoint/locales/waypoint.pot and the English catalog.

English is the source language, so its catalog repeats each msgid; the other languages' catalogs are
kept by the languages side (scripts/update_catalogs.py). tests/ui/test_ui_catalog.py fails, naming
this command, when the template no longer matches the code.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "waypoint" / "locales" / "waypoint.pot"
ENGLISH = ROOT / "waypoint" / "locales" / "en" / "LC_MESSAGES" / "waypoint.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
WIDTH = 76


def extract_template() -> Catalog:
    """The template as the code says it should be (what `pybabel extract -F babel.cfg` writes)."""
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    template = Catalog(project="Waypoint", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def english_catalog(template: Catalog) -> Catalog:
    """English: every msgstr is its msgid."""
    english = Catalog(
        locale="en",
        domain="waypoint",
        project="Waypoint",
        fuzzy=False,
        header_comment="# Waypoint interface in English, the source language: each msgstr is its msgid.\n#",
    )
    for message in template:
        if message.id:
            english.add(
                message.id, message.id, message.locations, flags=message.flags - {"fuzzy"},
                auto_comments=message.auto_comments, context=message.context,
            )  # fmt: skip
    return english


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def main() -> int:
    template = extract_template()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as handle:
        write_po(handle, template, width=WIDTH, sort_by_file=True)
    ENGLISH.parent.mkdir(parents=True, exist_ok=True)
    with ENGLISH.open("wb") as handle:
        write_po(handle, english_catalog(template), width=WIDTH, sort_by_file=True)
    print(f"wrote {TEMPLATE.relative_to(ROOT)} and {ENGLISH.relative_to(ROOT)} ({len(template)} messages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
