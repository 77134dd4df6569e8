"""Shared facts for the i18n tests: the shipped languages, their catalogs, and how to read them.

The language list is written out here on purpose rather than imported: it is the requirement (issue 5,
domain.md §5 req. 12-14), and the tests check the app and the catalogs against it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from waypoint.core.resources import ASSETS_DIR, LOCALES_DIR

REQUIRED_LANGUAGES = ("en", "fr", "es", "pt", "ru", "ar", "fa", "th", "vi", "ne", "my", "am")
RTL_LANGUAGES = frozenset({"ar", "fa"})
UI_DOMAIN = "waypoint"
PROTOCOL_DOMAIN = "protocols"
DOMAINS = (UI_DOMAIN, PROTOCOL_DOMAIN)
FONTS_DIR = ASSETS_DIR / "fonts"
AUDIO_DIR = ASSETS_DIR / "audio"
AUDIO_MANIFEST = AUDIO_DIR / "manifest.json"

# Unicode Default_Ignorable code points a translation may legitimately hold. Text shapers draw them with
# no glyph and no width, so they need no entry in a font's cmap: ZWNJ is part of Persian spelling
# (می‌خواهم), ZWJ of some Devanagari and Burmese conjunct forms, and the bidi marks and isolates keep
# numbers and Latin words in order inside Arabic and Persian sentences.
DEFAULT_IGNORABLE_ALLOWED = frozenset(
    {
        0x00AD,  # soft hyphen
        0x034F,  # combining grapheme joiner
        0x061C,  # arabic letter mark
        *range(0x200B, 0x2010),  # zero width space, ZWNJ, ZWJ, LRM, RLM
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2060, 0x2065),  # word joiner and invisible operators
        *range(0x2066, 0x206A),  # bidi isolates LRI, RLI, FSI, PDI
        *range(0xFE00, 0xFE10),  # variation selectors
    }
)
# Layout characters, not glyphs: a line break inside a message is fine.
LAYOUT_CONTROLS = frozenset({"\n", "\t"})


def catalog_path(language: str, domain: str) -> Path:
    """Where the `.po` catalog of `domain` in `language` lives."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def template_path(domain: str) -> Path:
    """Where the `.pot` template of `domain` lives."""
    return LOCALES_DIR / f"{domain}.pot"


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    """Read a `.po` or `.pot` file with Babel."""
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def messages(catalog: Catalog) -> Iterator[Message]:
    """Every real message of `catalog` (not the header)."""
    for message in catalog:
        if message.id:
            yield message


def texts(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    """A msgid or msgstr as a list of strings (plural forms give several)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [text for text in value if text is not None]


def message_key(message: Message) -> str:
    """A readable name for a message in failure output: `context|msgid`."""
    first = texts(message.id)[0]
    return f"{message.context}|{first}" if message.context else first


def unrenderable_characters(text: str, cmap: frozenset[int]) -> list[str]:
    """The characters of `text` no font in `cmap` draws, as `U+XXXX NAME` (empty when all render).

    Ignorable format characters and line breaks need no glyph; every other character, spaces included,
    must be in the cmap. Control, private-use and unassigned characters are always reported: they are
    never right in a translation.
    """
    problems = []
    for char in dict.fromkeys(text):  # unique, in order
        point = ord(char)
        category = unicodedata.category(char)
        if char in LAYOUT_CONTROLS or point in DEFAULT_IGNORABLE_ALLOWED:
            continue
        if category in {"Cc", "Cf", "Co", "Cs", "Cn"} or point not in cmap:
            problems.append(f"U+{point:04X} {unicodedata.name(char, category)}")
    return problems
