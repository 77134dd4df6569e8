"""The translation marker every layer shares.

Messages are English msgids. `N_` marks one for Babel's extraction (`babel.cfg`, keyword `N_`) without
translating it: the text is translated where it is shown, in the language of the person reading it
(`WaypointError.message(gettext)`, the app's `Translator`), never where it is defined or raised.
"""

from __future__ import annotations

__all__ = ["N_", "SHIPPED_LANGUAGES"]

# The languages Waypoint ships a catalog, fonts and layout for (the app, the desks and the CLI's --language).
SHIPPED_LANGUAGES = ("en", "fr", "es", "pt", "ru", "ar", "fa", "th", "vi", "ne", "my", "am")


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (gettext's "no-op" marker)."""
    return message
