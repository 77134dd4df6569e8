"""Every shipped language has complete, well-formed catalogs whose status a translator can see (req. 12).

CH001: the app ships exactly the required languages, and lays out Arabic and Persian right to left.
CH002: every shipped language other than English (the source) has an interface and a protocol catalog.
CH003: GNU `msgfmt -c` accepts every catalog (it checks python-format and python-brace-format
       placeholders, which Babel does not), and every entry with placeholders carries the format flag
       in the file itself, so msgfmt and translation tools check it.
CH004: every translation uses exactly the `{name}` placeholders of its source text.
CH005: every interface string in the template is translated, and not fuzzy, in every shipped language.
CH006: every string `border-rapid` shows (its own and the engine's labels) is translated, and not fuzzy.
CH007: every catalog states its default status, and every per-string status is a known one.
"""

from __future__ import annotations

import re
import shutil
import string
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from i18n_support import (
    PROTOCOL_DOMAIN,
    REQUIRED_LANGUAGES,
    RTL_LANGUAGES,
    UI_DOMAIN,
    catalog_path,
    message_key,
    messages,
    read_catalog,
    template_path,
    texts,
)

from screening_protocols.translations import STATUSES
from tests.tooling import require_tool

TRANSLATED_LANGUAGES = tuple(lang for lang in REQUIRED_LANGUAGES if lang != "en")
CATALOGS = [(lang, domain) for lang in TRANSLATED_LANGUAGES for domain in (UI_DOMAIN, PROTOCOL_DOMAIN)]
PROTOCOL_ID = "border-rapid"


def _ids(params: list[tuple[str, str]]) -> list[str]:
    return [f"{lang}-{domain}" for lang, domain in params]


def test_ch001_the_app_ships_the_required_languages() -> None:
    from app.i18n import SHIPPED_LANGUAGES, is_rtl

    assert set(SHIPPED_LANGUAGES) == set(REQUIRED_LANGUAGES)
    assert {lang for lang in REQUIRED_LANGUAGES if is_rtl(lang)} == RTL_LANGUAGES


@pytest.mark.parametrize(("language", "domain"), CATALOGS, ids=_ids(CATALOGS))
def test_ch002_every_language_has_both_catalogs(language: str, domain: str) -> None:
    assert catalog_path(language, domain).is_file(), f"{catalog_path(language, domain)} is missing"


@pytest.mark.parametrize(("language", "domain"), CATALOGS, ids=_ids(CATALOGS))
def test_ch003_msgfmt_accepts_the_catalog(language: str, domain: str, tmp_path: Path) -> None:
    msgfmt = require_tool(shutil.which("msgfmt") or "msgfmt", "Debian's gettext package, for msgfmt -c")
    path = catalog_path(language, domain)
    result = subprocess.run(
        [msgfmt, "--check", "--output-file", str(tmp_path / "out.mo"), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _raw_entries(path: Path) -> list[tuple[set[str], str]]:
    """(flags, msgid) of each entry, read from the file text itself (Babel re-derives format flags)."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = block.splitlines()
        flags = {flag.strip() for line in lines if line.startswith("#,") for flag in line[2:].split(",")}
        msgid, in_msgid = [], False
        for line in lines:
            if line.startswith("msgid "):
                in_msgid = True
                line = line[len("msgid ") :]
            elif not line.startswith('"'):
                in_msgid = False
            if in_msgid:
                msgid.append(line.strip()[1:-1])
        if msgid:
            found.append((flags, "".join(msgid)))
    return found


@pytest.mark.parametrize(("language", "domain"), CATALOGS, ids=_ids(CATALOGS))
def test_ch003_placeholders_carry_their_format_flag(language: str, domain: str) -> None:
    missing = []
    for flags, msgid in _raw_entries(catalog_path(language, domain)):
        if re.search(r"\{[A-Za-z_][A-Za-z0-9_]*\}", msgid) and "python-brace-format" not in flags:
            missing.append(f"python-brace-format: {msgid}")
        if re.search(r"%(\([A-Za-z_]+\))?[sdif]", msgid) and "python-format" not in flags:
            missing.append(f"python-format: {msgid}")
    assert not missing, "entries msgfmt cannot check:\n" + "\n".join(missing)


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        return {f"<unparsable: {error}>"}


@pytest.mark.parametrize(("language", "domain"), CATALOGS, ids=_ids(CATALOGS))
def test_ch004_translations_keep_the_placeholders(language: str, domain: str) -> None:
    problems = []
    for message in messages(read_catalog(catalog_path(language, domain), language)):
        if "python-brace-format" not in message.flags:
            continue
        wanted = set().union(*(_fields(text) for text in texts(message.id)))
        for translation in texts(message.string):
            if translation and _fields(translation) != wanted:
                problems.append(
                    f"{message_key(message)!r}: {sorted(_fields(translation))} != {sorted(wanted)}"
                )
    assert not problems, "\n".join(problems)


def _incomplete(language: str, domain: str, wanted: Sequence[tuple[str | None, str]]) -> list[str]:
    catalog = read_catalog(catalog_path(language, domain), language)
    problems = []
    for context, msgid in wanted:
        message = catalog.get(msgid, context=context)
        if message is None or not all(texts(message.string)) or not texts(message.string):
            problems.append(f"untranslated: {context or ''}|{msgid}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {context or ''}|{msgid}")
    return problems


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_ch005_interface_catalog_is_complete(language: str) -> None:
    template = read_catalog(template_path(UI_DOMAIN))
    wanted = [(m.context, texts(m.id)[0]) for m in messages(template)]
    assert wanted, "the interface template is empty"
    problems = _incomplete(language, UI_DOMAIN, wanted)
    assert not problems, (
        f"{len(problems)} of {len(wanted)}; run python -m scripts.update_catalogs --list\n"
        + ("\n".join(problems))
    )


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_ch006_border_rapid_is_fully_translated(language: str) -> None:
    template = read_catalog(template_path(PROTOCOL_DOMAIN))
    wanted = [
        (m.context, texts(m.id)[0])
        for m in messages(template)
        if m.context and (m.context.startswith(f"{PROTOCOL_ID}:") or m.context.startswith("engine:"))
    ]
    assert len(wanted) > 40, "border-rapid's strings are missing from the protocol template"
    problems = _incomplete(language, PROTOCOL_DOMAIN, wanted)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("language", "domain"), CATALOGS, ids=_ids(CATALOGS))
def test_ch007_status_is_declared_and_known(language: str, domain: str) -> None:
    catalog = read_catalog(catalog_path(language, domain), language)
    header = [line.lstrip("#").strip() for line in catalog.header_comment.splitlines()]
    defaults = [line.split(":", 1)[1].strip() for line in header if line.startswith("default-status:")]
    assert defaults and defaults[0] in STATUSES, "the header must say `# default-status: <status>`"
    unknown = [
        f"{message_key(message)!r}: {comment}"
        for message in messages(catalog)
        for comment in message.user_comments
        if comment.strip().startswith("status:") and comment.split(":", 1)[1].strip() not in STATUSES
    ]
    assert not unknown, f"statuses must be one of {STATUSES}:\n" + "\n".join(unknown)
