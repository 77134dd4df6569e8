"""XLSForm language column names (`label::English (en)`) to and from ISO 639-1 codes."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

_CODE_IN_NAME = re.compile(r"\(([a-z]{2,3})\)\s*$")
_CODE = re.compile(r"[a-z]{2,3}")


@cache
def _codes_by_name() -> dict[str, str]:
    return {name.casefold(): code for code, name in Locale("en").languages.items() if _CODE.fullmatch(code)}


def language_code(name: str) -> str | None:
    """The ISO code an XLSForm language name stands for ("English (en)", "english", "fr"), or None."""
    stripped = name.strip()
    if match := _CODE_IN_NAME.search(stripped):
        return match.group(1)
    if _CODE.fullmatch(stripped) and stripped in Locale("en").languages:
        return stripped
    return _codes_by_name().get(stripped.casefold())


def language_column(code: str) -> str:
    """The XLSForm language name for `code`, in the form pyxform and ODK recommend: "French (fr)"."""
    name = Locale("en").languages.get(code, code)
    return f"{name} ({code})"
