"""Keep the `protocols` translation catalogs in step with the library, in one command.

    waypoint protocol catalogs [--add LANG ...] [--lang LANG ...]

1. extract `waypoint/locales/protocols.pot` with Babel (babel-protocols.cfg: the protocol extractor and the
   engine's labels in catalogue.py);
2. update every `waypoint/locales/<lang>/LC_MESSAGES/protocols.po` from it, and create those named by `--add`.
New catalogs get the header line `default-status: machine-draft`; per-string status lives in a
translator comment `# status: reviewed|field-tested` above an entry, which updates keep.
Then `python -m waypoint.core.catalog_compiler` compiles the `.mo` files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from screening_protocols.translations import DOMAIN

HEADER_COMMENT = """\
# Waypoint screening protocols: translations (gettext domain "protocols").
# default-status: machine-draft
# Per-string status: a translator comment "# status: reviewed" or "# status: field-tested"
# directly above an entry overrides the default. Statuses: machine-draft, reviewed, field-tested.
# Context (msgctxt) = <protocol id>:<question id>[:guidance|:option.<value>|:constraint]."""

POT_HEADER = """\
# Waypoint screening protocols: source strings (gettext domain "protocols").
# Regenerate with `waypoint protocol catalogs`; never edit by hand."""


def extract(project_root: Path, pot_path: Path) -> None:
    """Extract the template with the project's mapping file, as `pybabel extract -F babel-protocols.cfg
    --no-default-keywords -k NC_:1c,2` would, with paths relative to `project_root` and sorted output."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import write_po

    with (project_root / "babel-protocols.cfg").open(encoding="utf-8") as mapping_file:
        method_map, options_map = parse_mapping_cfg(mapping_file)  # type: ignore[no-untyped-call]  # Babel is untyped
    template = Catalog(project="Waypoint", version="1", header_comment=POT_HEADER, fuzzy=False)
    keywords = {"NC_": ((1, "c"), 2)}
    for filename, line, message, comments, context in extract_from_dir(
        project_root, method_map, options_map, keywords=keywords
    ):
        template.add(message, None, [(filename, line)], auto_comments=comments, context=context)
    with pot_path.open("wb") as pot_file:
        write_po(pot_file, template, width=100, sort_by_file=True, omit_header=False)


def update(
    pot_path: Path, locales_dir: Path, add: Iterable[str] = (), only: Iterable[str] = ()
) -> list[Path]:
    """Update protocols.po files from the template (every language, or only those in `only`), creating
    the languages in `add`; return the files written."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    with pot_path.open("rb") as pot_file:
        template = read_po(pot_file)
    existing = {p.parent.parent.name for p in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    chosen = set(only)
    languages = (existing & chosen if chosen else existing) | set(add)
    written = []
    for lang in sorted(languages):
        po_path = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po_path.exists():
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=lang, domain=DOMAIN)
        else:
            po_path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(
                locale=lang,
                domain=DOMAIN,
                project="Waypoint",
                version="1",
                header_comment=HEADER_COMMENT,
                fuzzy=False,
            )
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as po_file:
            write_po(po_file, catalog, width=100)  # obsolete entries stay (#~): no translation is ever lost
        written.append(po_path)
    return written


def refresh(project_root: Path, add: Iterable[str] = (), only: Iterable[str] = ()) -> list[Path]:
    """Extract, then update (and create) the catalogs under `project_root/locales`."""
    locales_dir = project_root / "waypoint" / "locales"
    pot_path = locales_dir / f"{DOMAIN}.pot"
    extract(project_root, pot_path)
    return update(pot_path, locales_dir, add, only)
