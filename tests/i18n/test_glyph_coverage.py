"""Every character Waypoint shows in a shipped language renders with the bundled fonts, offline.

With no CDN, Flutter web draws an empty box for any character its registered fonts lack (flet.md §4).

GL001: every character of every string in the UI and protocol catalogs of every shipped language (the
       translations; English, the source, through the templates' msgids) is in the cmap of a font the
       theme registers; ZWNJ, ZWJ and bidi marks need no glyph, control and private-use characters are errors.
       The practice cases' titles, stories and teaching notes in every language they carry render too.
GL002: the CLDR text the app formats through Babel renders too: every language's own name (the language
       picker), month and day names, dates, and numbers in the language's default digits.
GL003: every font the theme registers is bundled under waypoint/assets/fonts with its licence, and each
       Bold face covers every character its Regular face does.
GL004: the checker itself reports a missing character, a stray control character, and passes ZWNJ.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent
from fontTools.ttLib import TTFont
from i18n_support import (
    DOMAINS,
    FONTS_DIR,
    REQUIRED_LANGUAGES,
    catalog_path,
    message_key,
    messages,
    read_catalog,
    template_path,
    texts,
    unrenderable_characters,
)

from screening_protocols.practice import PracticeCase, list_cases
from waypoint.core.resources import ASSETS_DIR

SAMPLE_MOMENTS = (datetime(2026, 1, 5, 9, 7), datetime(2026, 12, 28, 23, 59))
SAMPLE_NUMBERS = (0, 7, 1234567.89, 0.5)


def _cmap(path: Path) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@pytest.fixture(scope="session")
def registered_font_files() -> dict[str, Path]:
    """The font files the app's theme registers with Flet, by family name."""
    from app.theme import apply_theme

    page = SimpleNamespace(fonts=None, theme=None, theme_mode=None)
    apply_theme(page)  # type: ignore[arg-type]
    return {family: ASSETS_DIR / relative for family, relative in page.fonts.items()}


@pytest.fixture(scope="session")
def rendered_cmap(registered_font_files: dict[str, Path]) -> frozenset[int]:
    """Every code point some registered font draws."""
    return frozenset().union(*(_cmap(path) for path in registered_font_files.values()))


def _problems_in_catalog(path: Path, cmap: frozenset[int], language: str | None) -> list[str]:
    problems = []
    for message in messages(read_catalog(path, language)):
        for text in texts(message.id) + texts(message.string):
            if missing := unrenderable_characters(text, cmap):
                problems.append(f"{path.name} {message_key(message)!r}: {', '.join(missing)}")
    return problems


@pytest.mark.parametrize("case", list_cases(), ids=lambda case: case.id)
def test_gl001_every_practice_case_text_renders(case: PracticeCase, rendered_cmap: frozenset[int]) -> None:
    problems = [
        f"{case.id} {lang} {field}: {', '.join(missing)}"
        for lang in case.languages()
        for field in ("title", "story", "teaching_notes")
        for text in texts(case.text(field, lang))
        if (missing := unrenderable_characters(text, rendered_cmap))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", [lang for lang in REQUIRED_LANGUAGES if lang != "en"])
def test_gl001_every_catalog_string_renders(
    language: str, domain: str, rendered_cmap: frozenset[int]
) -> None:
    path = catalog_path(language, domain)
    assert path.exists(), f"{path} is missing: every shipped language needs both catalogs"
    problems = _problems_in_catalog(path, rendered_cmap, language)
    assert not problems, "characters no bundled font draws:\n" + "\n".join(problems)


@pytest.mark.parametrize("domain", DOMAINS)
def test_gl001_every_template_string_renders(domain: str, rendered_cmap: frozenset[int]) -> None:
    path = template_path(domain)
    assert path.exists(), f"{path} is missing"
    problems = _problems_in_catalog(path, rendered_cmap, None)
    assert not problems, "characters no bundled font draws:\n" + "\n".join(problems)


def _cldr_texts(language: str) -> list[str]:
    from app.i18n import language_name

    locale = Locale.parse(language)
    found = [language_name(language), language_name(language, "en")]
    for width in ("wide", "abbreviated"):
        found += locale.months["format"][width].values()
        found += locale.days["format"][width].values()
        found += locale.periods.values()
    for moment in SAMPLE_MOMENTS:
        for length in ("short", "medium", "long"):
            found.append(format_datetime(moment, format=length, locale=locale))
    for numbering in ("latn", "default"):
        for number in SAMPLE_NUMBERS:
            found.append(format_decimal(number, locale=locale, numbering_system=numbering))
            found.append(format_percent(number, locale=locale, numbering_system=numbering))
    return found


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_gl002_cldr_dates_numbers_and_names_render(language: str, rendered_cmap: frozenset[int]) -> None:
    problems = [
        f"{text!r}: {', '.join(missing)}"
        for text in _cldr_texts(language)
        if (missing := unrenderable_characters(text, rendered_cmap))
    ]
    assert not problems, f"CLDR text in {language} that no bundled font draws:\n" + "\n".join(problems)


def test_gl003_registered_fonts_are_bundled_with_licence(registered_font_files: dict[str, Path]) -> None:
    assert registered_font_files, "the theme registers no fonts"
    for family, path in registered_font_files.items():
        assert path.is_file(), f"the theme registers {family} but {path} is not bundled"
        assert path.parent == FONTS_DIR, f"{family} should live in {FONTS_DIR}"
    assert (FONTS_DIR / "OFL.txt").is_file(), "the Noto fonts' SIL Open Font License must ship with them"


@pytest.mark.parametrize("regular", sorted(FONTS_DIR.glob("*-Regular.ttf")), ids=lambda path: path.stem)
def test_gl003_bold_covers_what_regular_covers(regular: Path) -> None:
    bold = regular.with_name(regular.name.replace("-Regular", "-Bold"))
    assert bold.is_file(), f"{bold.name} is missing"
    lacking = sorted(_cmap(regular) - _cmap(bold))
    assert not lacking, f"{bold.name} lacks {[f'U+{point:04X}' for point in lacking]}"


def test_gl004_checker_reports_missing_and_stray_characters() -> None:
    cmap = frozenset(map(ord, "abc "))
    assert unrenderable_characters("a b\u200cc\n", cmap) == []
    assert unrenderable_characters("ab\u0e01", cmap) == ["U+0E01 THAI CHARACTER KO KAI"]
    assert unrenderable_characters("a\x07", cmap | {0x07}) == ["U+0007 Cc"]
    assert unrenderable_characters("a\ue000", cmap | {0xE000}) == ["U+E000 Co"]
