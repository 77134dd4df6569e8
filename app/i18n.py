"""The one translator of the app: gettext catalogs for words, Babel's CLDR data for dates and numbers.

Catalogs live in `waypoint/locales/<lang>/LC_MESSAGES/waypoint.mo` (compiled by
`python -m waypoint.core.catalog_compiler`).
Each browser session may show two languages at once (the respondent's and the officer's), so a
`Translator` is an object per language rather than a process-wide `_()`; screens bind
`_ = translator.gettext` so Babel extracts their messages. A language without a catalog falls back to
the English msgids, never to an error.
"""

from __future__ import annotations

import functools
import gettext
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit

from waypoint.core.i18n import SHIPPED_LANGUAGES
from waypoint.core.resources import LOCALES_DIR

__all__ = [
    "DOMAIN",
    "SHIPPED_LANGUAGES",
    "Translator",
    "device_time_zone",
    "is_rtl",
    "language_name",
    "translator",
]

DOMAIN = "waypoint"


def device_time_zone() -> tzinfo:
    """The time zone of the machine running the app: the phone's own zone on Android and iOS.

    In web mode this is the *server's* zone (the Python process runs there), which is the same as
    the browser's for `waypoint run` on one device, but not for a server elsewhere.
    """
    return datetime.now().astimezone().tzinfo or UTC


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def is_rtl(language: str) -> bool:
    """True for languages written right to left (CLDR character order), e.g. Arabic and Persian."""
    return _locale(language).character_order == "right-to-left"


def language_name(language: str, in_language: str | None = None) -> str:
    """The language's name, by default in itself ("العربية"), as a respondent would recognise it."""
    name = _locale(language).get_display_name(in_language or language) or language
    return name[:1].upper() + name[1:]


class Translator:
    """Messages, dates and numbers in one language."""

    def __init__(self, language: str, locales_dir: Path = LOCALES_DIR) -> None:
        self.language = language
        self.rtl = is_rtl(language)
        self._locale = _locale(language)
        self._catalog = gettext.translation(DOMAIN, str(locales_dir), languages=[language], fallback=True)

    def gettext(self, message: str) -> str:
        """The translation of `message` (an English msgid), or `message` itself."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The translation chosen by the language's plural rule for `count`."""
        return self._catalog.ngettext(singular, plural, count)

    def format_datetime(self, moment: datetime, zone: tzinfo | None = None) -> str:
        """A date and time in this language's short CLDR form, in `zone` (default: the device's zone)."""
        return format_datetime(moment, format="short", tzinfo=zone or device_time_zone(), locale=self._locale)

    def format_duration(self, seconds: int) -> str:
        """A countdown as minutes and seconds (`1:05`), in this language's digits."""
        minutes, rest = divmod(max(0, int(seconds)), 60)
        padded = format_decimal(rest, format="00", locale=self._locale)
        return f"{format_decimal(minutes, locale=self._locale)}:{padded}"

    def format_number(self, number: float) -> str:
        return format_decimal(number, locale=self._locale)

    def format_days(self, days: int) -> str:
        """A number of days in words, with the language's own plural ("30 days", "1 day")."""
        long = format_unit(days, "duration-day", length="long", locale=self._locale)
        # Some CLDR locales lack the long form (Babel then prints the unit's id): use the short one.
        return (
            long
            if "duration-" not in long
            else format_unit(days, "duration-day", length="short", locale=self._locale)
        )

    @property
    def has_catalog(self) -> bool:
        return type(self._catalog) is not gettext.NullTranslations


@functools.cache
def translator(language: str, locales_dir: Path = LOCALES_DIR) -> Translator:
    """The shared, read-only translator for `language` (catalogs are loaded once per process)."""
    return Translator(language, locales_dir)
