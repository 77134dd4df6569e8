"""Bring every translation catalog up to date with its template and show what still needs a translator.

    .venv/bin/python -m scripts.update_catalogs             update the catalogs, then report
    .venv/bin/python -m scripts.update_catalogs --check     report only; exit 1 if anything is missing
    .venv/bin/python -m scripts.update_catalogs --list      also list every untranslated or fuzzy entry
    .venv/bin/python -m scripts.update_catalogs --export-missing todo.json   entries to translate, as JSON
    .venv/bin/python -m scripts.update_catalogs --import done.json          translations back, as drafts

Templates: `waypoint/locales/waypoint.pot` (the interface; `pybabel extract` with `babel.cfg`) and
`waypoint/locales/protocols.pot` (protocol text; see docs/protocols.md). The catalogs this tool writes are the
ones the languages side keeps (`LANGUAGE_CATALOGS`); the others are reported but left alone.

Per-string status follows the protocol convention (docs/protocols.md): a translator comment
`# status: machine-draft | reviewed | field-tested` on each entry, and a catalog default in the header
(`# default-status: machine-draft`). Imported translations are marked `machine-draft`: a qualified
translator reviews them and changes the comment. Fuzzy entries (a source text changed) are never
shown by the app until a translator checks them and removes the flag.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from app.i18n import SHIPPED_LANGUAGES
from waypoint.core.resources import LOCALES_DIR

UI_DOMAIN = "waypoint"
PROTOCOL_DOMAIN = "protocols"
DOMAINS = (UI_DOMAIN, PROTOCOL_DOMAIN)
STATUSES = ("machine-draft", "reviewed", "field-tested")
DRAFT = STATUSES[0]
STATUS_PREFIX = "status:"
DEFAULT_STATUS_PREFIX = "default-status:"

# Which catalogs this tool writes. English is the source language; the protocol catalogs in French,
# Spanish and Arabic are kept with the protocol engine (docs/protocols.md).
LANGUAGE_CATALOGS = {
    UI_DOMAIN: tuple(lang for lang in SHIPPED_LANGUAGES if lang != "en"),
    PROTOCOL_DOMAIN: ("pt", "ru", "fa", "th", "vi", "ne", "my", "am"),
}

HEADER = """\
# {title} ({language}).
# Copyright (C) 2026 Waypoint contributors. Apache-2.0, like Waypoint.
#
# default-status: machine-draft
# These translations are machine drafts written without a professional translator. Before
# respondents rely on them, a qualified translator should check every entry and change its
# "# status:" comment to "reviewed" (and "field-tested" after use with respondents).
# docs/languages.md says how.
#"""
# The same wrapping and matching as the tools that write the templates, so either tool can update a
# catalog without reflowing it (`waypoint protocol catalogs` uses width 100 and no fuzzy matching).
LINE_WIDTH = {UI_DOMAIN: 76, PROTOCOL_DOMAIN: 100}
FUZZY_MATCHING = {UI_DOMAIN: True, PROTOCOL_DOMAIN: False}
TITLES = {UI_DOMAIN: "Waypoint interface", PROTOCOL_DOMAIN: "Waypoint screening protocols"}


def catalog_path(lang: str, domain: str, locales_dir: Path = LOCALES_DIR) -> Path:
    """The `.po` file of `domain` in `lang`."""
    return locales_dir / lang / "LC_MESSAGES" / f"{domain}.po"


def template_path(domain: str, locales_dir: Path = LOCALES_DIR) -> Path:
    """The `.pot` template of `domain`."""
    return locales_dir / f"{domain}.pot"


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    """Read a `.po`/`.pot` file."""
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def write_catalog(path: Path, catalog: Catalog, domain: str) -> None:
    """Write `catalog` to `path`, keeping obsolete entries (`#~`).

    Previous msgids (`#| msgid`) are not written: Babel writes them but reads them back as translator
    comments, which would pile up. A fuzzy entry keeps its old translation for the translator instead.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for message in catalog:
        message.user_comments = [c for c in message.user_comments if not c.lstrip().startswith("|")]
    with path.open("wb") as handle:
        write_po(handle, catalog, width=LINE_WIDTH[domain])


def entry_status(message: Message, default: str = DRAFT) -> str:
    """The status of one entry: its `# status:` comment, else the catalog default."""
    for comment in message.user_comments:
        text = comment.strip()
        if text.startswith(STATUS_PREFIX):
            value = text[len(STATUS_PREFIX) :].strip()
            return value if value in STATUSES else DRAFT
    return default


def default_status(catalog: Catalog) -> str:
    """The catalog's `default-status:` header line, else machine-draft."""
    for line in catalog.header_comment.splitlines():
        text = line.lstrip("#").strip()
        if text.startswith(DEFAULT_STATUS_PREFIX):
            value = text[len(DEFAULT_STATUS_PREFIX) :].strip()
            return value if value in STATUSES else DRAFT
    return DRAFT


def set_status(message: Message, status: str) -> None:
    """Replace the entry's `# status:` comment."""
    kept = [c for c in message.user_comments if not c.strip().startswith(STATUS_PREFIX)]
    message.user_comments = [*kept, f"{STATUS_PREFIX} {status}"]


def is_translated(message: Message) -> bool:
    """Every form of the entry has a non-empty translation."""
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(strings) and all(strings)


def new_catalog(lang: str, domain: str, template: Catalog) -> Catalog:
    """An empty catalog for `lang` with the machine-draft header."""
    catalog = Catalog(
        locale=lang,
        domain=domain,
        header_comment=HEADER.format(title=TITLES[domain], language=lang),
        project="Waypoint",
        version=template.version,
        copyright_holder="Waypoint contributors",
        last_translator="Machine draft (no human translator yet)",
        language_team=f"{lang} <translators wanted>",
        fuzzy=False,
    )
    catalog.creation_date = template.creation_date
    catalog.revision_date = template.creation_date
    return catalog


def update_catalog(lang: str, domain: str, locales_dir: Path = LOCALES_DIR) -> Catalog:
    """Merge the template into the `lang` catalog (creating it when missing) and write it."""
    template = read_catalog(template_path(domain, locales_dir))
    path = catalog_path(lang, domain, locales_dir)
    catalog = read_catalog(path, lang) if path.exists() else new_catalog(lang, domain, template)
    if DEFAULT_STATUS_PREFIX not in catalog.header_comment:  # a catalog started elsewhere: adopt it
        catalog.header_comment = HEADER.format(title=TITLES[domain], language=lang)
    catalog.update(template, no_fuzzy_matching=not FUZZY_MATCHING[domain], update_creation_date=True)
    write_catalog(path, catalog, domain)
    return catalog


def _key(message: Message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}\x04{msgid}" if message.context else msgid


@dataclass
class CatalogReport:
    """How far one catalog is translated."""

    lang: str
    domain: str
    exists: bool
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    untranslated: list[Message] = field(default_factory=list)
    fuzzy: list[Message] = field(default_factory=list)
    not_in_template: int = 0

    @property
    def complete(self) -> bool:
        """Present, in step with the template, and every entry translated and not fuzzy."""
        return self.exists and not self.untranslated and not self.fuzzy and not self.not_in_template


def report_catalog(lang: str, domain: str, locales_dir: Path = LOCALES_DIR) -> CatalogReport:
    """Count the catalog's entries by status against the template."""
    template = read_catalog(template_path(domain, locales_dir))
    path = catalog_path(lang, domain, locales_dir)
    if not path.exists():
        return CatalogReport(lang, domain, exists=False, total=sum(1 for m in template if m.id))
    catalog = read_catalog(path, lang)
    report = CatalogReport(lang, domain, exists=True)
    default = default_status(catalog)
    wanted = {_key(m) for m in template if m.id}
    have = set()
    for message in catalog:
        if not message.id:
            continue
        have.add(_key(message))
        if _key(message) not in wanted:
            report.not_in_template += 1
            continue
        report.total += 1
        if message.fuzzy:
            report.fuzzy.append(message)
        elif not is_translated(message):
            report.untranslated.append(message)
        else:
            status = entry_status(message, default)
            report.by_status[status] = report.by_status.get(status, 0) + 1
    missing = [m for m in template if m.id and _key(m) not in have]
    report.untranslated.extend(missing)
    report.total += len(missing)
    return report


def export_missing(reports: Iterable[CatalogReport]) -> dict[str, dict[str, list[dict[str, str | None]]]]:
    """Untranslated and fuzzy entries as `{domain: {lang: [{context, id, string}]}}` for a translator."""
    exported: dict[str, dict[str, list[dict[str, str | None]]]] = {}
    for report in reports:
        entries = [
            {
                "context": m.context,
                "id": m.id if isinstance(m.id, str) else m.id[0],
                "string": m.string if m.fuzzy and isinstance(m.string, str) else "",
            }
            for m in [*report.untranslated, *report.fuzzy]
        ]
        if entries:
            exported.setdefault(report.domain, {})[report.lang] = entries
    return exported


def import_translations(
    data: dict[str, dict[str, list[dict[str, str]]]], locales_dir: Path = LOCALES_DIR
) -> int:
    """Write translations from `export_missing`'s format into the catalogs, each marked machine-draft.

    Only catalogs in `LANGUAGE_CATALOGS` are written; an entry whose msgid is not in the catalog is
    reported and skipped. Returns the number of entries written.
    """
    written = 0
    for domain, by_lang in data.items():
        for lang, entries in by_lang.items():
            if lang not in LANGUAGE_CATALOGS.get(domain, ()):
                print(f"skipped {domain}/{lang}: not a catalog this tool keeps", file=sys.stderr)
                continue
            path = catalog_path(lang, domain, locales_dir)
            catalog = read_catalog(path, lang)
            for entry in entries:
                message = catalog.get(entry["id"], context=entry.get("context"))
                if message is None:
                    print(
                        f"skipped {domain}/{lang} {entry.get('context')}|{entry['id']!r}: not in the catalog"
                    )
                    continue
                if not entry.get("string"):
                    continue
                message.string = entry["string"]
                message.flags.discard("fuzzy")
                set_status(message, DRAFT)
                written += 1
            write_catalog(path, catalog, domain)
    return written


def _describe(message: Message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"    {message.context + ' | ' if message.context else ''}{msgid}"


def print_reports(reports: list[CatalogReport], listing: bool) -> None:
    """A table of every catalog's state; with `listing`, the entries still to translate."""
    print(f"{'catalog':<22}{'total':>6}{'missing':>9}{'fuzzy':>7}  statuses")
    for report in reports:
        name = f"{report.lang}/{report.domain}.po"
        if not report.exists:
            print(f"{name:<22}{report.total:>6}  MISSING CATALOG")
            continue
        statuses = ", ".join(f"{status} {count}" for status, count in sorted(report.by_status.items()))
        owner = "" if report.lang in LANGUAGE_CATALOGS[report.domain] else "  (kept elsewhere)"
        extra = f"  {report.not_in_template} not in template" if report.not_in_template else ""
        print(
            f"{name:<22}{report.total:>6}{len(report.untranslated):>9}{len(report.fuzzy):>7}  "
            f"{statuses}{extra}{owner}"
        )
        if listing:
            for message in report.untranslated:
                print("  untranslated:" + _describe(message))
            for message in report.fuzzy:
                print("  fuzzy:       " + _describe(message))


def main(argv: list[str] | None = None) -> int:
    """Update the catalogs (unless --check), print the report; exit 1 when something is missing."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.update_catalogs", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if anything is missing")
    parser.add_argument("--list", action="store_true", help="list every untranslated or fuzzy entry")
    parser.add_argument(
        "--export-missing", type=Path, metavar="FILE", help="write entries to translate as JSON"
    )
    parser.add_argument(
        "--import", dest="import_file", type=Path, metavar="FILE", help="read translations (JSON)"
    )
    args = parser.parse_args(argv)

    domains = [domain for domain in DOMAINS if template_path(domain).exists()]
    for domain in DOMAINS:
        if domain not in domains:
            print(f"no template {template_path(domain)} yet: skipped", file=sys.stderr)
    if not args.check:
        for domain in domains:
            for lang in LANGUAGE_CATALOGS[domain]:
                update_catalog(lang, domain)
        if args.import_file:
            count = import_translations(json.loads(args.import_file.read_text(encoding="utf-8")))
            print(f"imported {count} translations as {DRAFT}")
    reports = [
        report_catalog(lang, domain) for domain in domains for lang in SHIPPED_LANGUAGES if lang != "en"
    ]
    print_reports(reports, args.list)
    if args.export_missing:
        owned = [r for r in reports if r.lang in LANGUAGE_CATALOGS[r.domain]]
        exported = export_missing(owned)
        args.export_missing.write_text(
            json.dumps(exported, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        count = sum(len(entries) for by_lang in exported.values() for entries in by_lang.values())
        print(f"wrote {count} entries to {args.export_missing}")
    return 0 if all(report.complete for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
