"""Translations of protocol text: extraction, catalogs, status, rendering with a visible fallback.

TR001: waypoint/locales/protocols.pot is exactly what extraction gives today
       (msgctxt = <protocol>:<question>...).
TR002: en is the source; fr, es and ar translate every string of every shipped protocol, each with a
       machine-readable status (machine-draft / reviewed / field-tested).
TR003: every protocols.po passes `msgfmt -c` (placeholders, syntax).
TR004: a missing language or string falls back to the source text, visibly (fallback=True).
TR005: a per-string `# status:` comment overrides the catalog default; fuzzy entries are never shown.
TR006: after `python -m waypoint.core.catalog_compiler`, the compiled .mo gives the same text (pgettext).
TR007: the documented `pybabel extract -F babel-protocols.cfg` command works with the entry point.
TR008: `waypoint protocol catalogs --add LANG` creates a catalog with every string and the default
       status; updating keeps existing translations and their status comments.
"""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from protocol_helpers import require_tool

from screening_protocols import (
    get_protocol,
    list_protocols,
    render_consent,
    render_question,
    translation_status,
)
from screening_protocols.gettext_catalogs import refresh
from screening_protocols.messages import protocol_messages
from screening_protocols.translations import STATUSES
from tests.tooling import PROJECT_ROOT
from waypoint.core.catalog_compiler import compile_catalogs
from waypoint.core.resources import LOCALES_DIR

REQUIRED_LANGUAGES = ("fr", "es", "ar")


def _messages(pot: Path) -> set[tuple[str | None, str]]:
    with pot.open("rb") as handle:
        return {(m.context, str(m.id)) for m in read_po(handle) if m.id}


def test_tr001_template_is_up_to_date(tmp_path: Path) -> None:
    from screening_protocols.gettext_catalogs import extract

    fresh = tmp_path / "protocols.pot"
    extract(PROJECT_ROOT, fresh)
    assert _messages(fresh) == _messages(LOCALES_DIR / "protocols.pot"), "run `waypoint protocol catalogs`"
    contexts = {context for context, _ in _messages(fresh)}
    for protocol in list_protocols():
        for question in protocol.questions:
            assert f"{protocol.id}:{question.id}" in contexts


@pytest.mark.parametrize("lang", REQUIRED_LANGUAGES)
@pytest.mark.parametrize("protocol_id", [p.id for p in list_protocols()])
def test_tr002_required_languages_are_complete(protocol_id: str, lang: str) -> None:
    status = translation_status(get_protocol(protocol_id), lang)
    assert status.complete, status.missing[:5]
    assert set(status.counts) <= set(STATUSES)
    assert status.total == len(list(protocol_messages(get_protocol(protocol_id))))


@pytest.mark.parametrize(
    "po", sorted(LOCALES_DIR.glob("*/LC_MESSAGES/protocols.po")), ids=lambda p: p.parent.parent.name
)
def test_tr003_msgfmt_check(po: Path, tmp_path: Path) -> None:
    msgfmt = require_tool("msgfmt", "Debian's gettext package checks catalogs")
    result = subprocess.run(
        [msgfmt, "-c", "-o", str(tmp_path / "out.mo"), str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_tr004_visible_fallback() -> None:
    protocol = get_protocol("border-rapid")
    question = protocol.question("documents_holder")
    german = render_question(protocol, question, "de")
    assert german.fallback and german.text.text == question.text and german.text.lang == "en"
    assert set(german.fallback_fields) >= {"text", "guidance", "declined"}
    arabic = render_question(protocol, question, "ar")
    assert not arabic.fallback and arabic.direction == "rtl" and arabic.text.text != question.text
    assert [o.value for o in arabic.options] == [o.value for o in question.options]
    english = render_question(protocol, question, "en")
    assert english.status == "source" and not english.fallback
    consent = render_consent(protocol, "es")
    assert consent.kind == "consent" and not consent.fallback
    assert [topic for topic, _ in consent.items] == [item.topic for item in protocol.consent.items]


PO_TEMPLATE = """\
# default-status: reviewed
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: xx\\n"

# status: field-tested
msgctxt "border-rapid:age"
msgid "How old are you?"
msgstr "AGE?"

msgctxt "border-rapid:in_danger"
msgid "Are you afraid of someone, or afraid of what will happen to you if you go back?"
msgstr "DANGER?"

#, fuzzy
msgctxt "border-rapid:made_to_work"
msgid "Has anyone made you do work, or other things, that you did not agree to?"
msgstr "GUESS"
"""


def test_tr005_status_comments_and_fuzzy(tmp_path: Path) -> None:
    (tmp_path / "xx" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "xx" / "LC_MESSAGES" / "protocols.po").write_text(PO_TEMPLATE, encoding="utf-8")
    protocol = get_protocol("border-rapid")
    age = render_question(protocol, protocol.question("age"), "xx", locales_dir=tmp_path)
    assert age.text.text == "AGE?" and age.text.status == "field-tested"
    danger = render_question(protocol, protocol.question("in_danger"), "xx", locales_dir=tmp_path)
    assert danger.text.status == "reviewed"  # the catalog default
    fuzzy = render_question(protocol, protocol.question("made_to_work"), "xx", locales_dir=tmp_path)
    assert fuzzy.text.text != "GUESS" and fuzzy.text.fallback
    status = translation_status(protocol, "xx", locales_dir=tmp_path)
    assert (
        status.strings["border-rapid:age"] == "field-tested" and status.counts["missing"] == status.total - 2
    )


def test_tr006_compiled_catalogs_give_the_same_text(tmp_path: Path) -> None:
    shutil.copytree(LOCALES_DIR, tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    compile_catalogs(tmp_path / "locales")
    protocol = get_protocol("consular-screen")
    for lang in REQUIRED_LANGUAGES:
        with (tmp_path / "locales" / lang / "LC_MESSAGES" / "protocols.mo").open("rb") as mo:
            compiled = gettext.GNUTranslations(mo)
        for question in protocol.questions:
            rendered = render_question(protocol, question, lang)
            assert compiled.pgettext(f"{protocol.id}:{question.id}", question.text) == rendered.text.text


def test_tr007_documented_pybabel_command(tmp_path: Path) -> None:
    pybabel = Path(sys.executable).parent / "pybabel"
    command = [str(pybabel), "extract", "-F", "babel-protocols.cfg", "--no-default-keywords",
               "-k", "NC_:1c,2", "-o", str(tmp_path / "out.pot"), "."]  # fmt: skip
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert _messages(tmp_path / "out.pot") == _messages(LOCALES_DIR / "protocols.pot")


def test_tr008_one_command_adds_a_language(tmp_path: Path) -> None:
    shutil.copytree(
        PROJECT_ROOT / "screening_protocols",
        tmp_path / "screening_protocols",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(PROJECT_ROOT / "babel-protocols.cfg", tmp_path)
    fr = tmp_path / "waypoint" / "locales" / "fr" / "LC_MESSAGES"
    fr.mkdir(parents=True)
    shutil.copy(LOCALES_DIR / "fr" / "LC_MESSAGES" / "protocols.po", fr)
    original = (fr / "protocols.po").read_text(encoding="utf-8")
    marked = original.replace(
        'msgctxt "border-rapid:age"\n', '# status: reviewed\nmsgctxt "border-rapid:age"\n', 1
    )
    (fr / "protocols.po").write_text(marked, encoding="utf-8")
    written = refresh(tmp_path, add=["pt"])
    assert sorted(p.parent.parent.name for p in written) == ["fr", "pt"]
    protocol = get_protocol("border-rapid")
    new = translation_status(protocol, "pt", locales_dir=tmp_path / "waypoint" / "locales")
    assert new.counts == {"missing": new.total}
    header = (tmp_path / "waypoint" / "locales" / "pt" / "LC_MESSAGES" / "protocols.po").read_text(
        encoding="utf-8"
    )
    assert "# default-status: machine-draft" in header
    kept = translation_status(protocol, "fr", locales_dir=tmp_path / "waypoint" / "locales")
    assert kept.complete and kept.strings["border-rapid:age"] == "reviewed"
