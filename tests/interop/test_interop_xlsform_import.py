"""XLSForm import: `waypoint protocol import FORM --out ID.yaml [--skip-unsupported]`.

IX001: each of the six reference forms imports, or fails with `FORM:survey:ROW: CODE message — fix`
       lines; with --skip-unsupported the rest imports, lints without errors and runs with `protocol run`.
IX002: types, groups (as sections, group relevance carried to each question), relevance, constraint,
       constraint_message, required, hints and choices map as documented; yes/no/unsure lists become yes_no.
IX003: label::<lang>/hint::<lang> columns give the source text (--source-lang chooses) plus one .po
       catalog per other language, each entry marked `status: imported`; Waypoint renders them (as not
       reviewed).
IX004: what Waypoint cannot express is located and coded: pulldata(), jr: functions, XPath
       paths, choice_filter, media, default, external choices, bad names, ${...} in a label; a skipped
       question's dependants lose the condition, said as XL015.
IX005: lint accepts an imported draft and explains each missing piece (consent, indicators, referrals,
       emergency rule, child rule); without `status: imported` a missing consent is still an error; the
       app never offers an imported draft.
IX006: a form pyxform refuses, a bad --out name or an existing --out file is a clear error and
       writes nothing (an existing protocol is never replaced).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from interop_helpers import FORMS, XLSFORMS, answers_for, markdown_form

from interop.protocol_files import write_import
from interop.unsupported import ImportedProtocolError, UnsupportedFormError, XLSFormReadError
from interop.xlsform_import import import_xlsform
from screening_protocols import library
from screening_protocols.errors import ErrorCode, Severity
from screening_protocols.lint import lint_paths
from screening_protocols.loader import check, load_protocol
from screening_protocols.translations import render_question
from waypoint.cli import main

EXPECTED = {  # form -> the located findings that stop the import
    "text_and_integer.xlsx": [],
    "yes_or_no_question.xlsx": [],
    "group.xlsx": ["group.xlsx:survey:4: XL004"],
    "include.xlsx": ["include.xlsx:survey:3: XL003"],
    "loop.xlsx": ["loop.xlsx:survey:2: XL018", "loop.xlsx:survey:3: XL002"],
    "tutorial.xls": ["tutorial.xls:survey:2: XL001"],
}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["protocol", *args])


@pytest.fixture
def library_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private protocol library, so `protocol run` finds what a test imports."""
    folder = tmp_path / "library"
    folder.mkdir()
    monkeypatch.setattr(library, "LIBRARY_DIR", folder)
    library.get_protocol.cache_clear()
    yield folder
    library.get_protocol.cache_clear()


def _prefixes(lines: str) -> list[str]:
    return [line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in lines.splitlines() if line]


@pytest.mark.parametrize("form", sorted(EXPECTED))
def test_ix001_reference_forms(form: str, library_dir: Path, tmp_path: Path) -> None:
    pid = Path(form).stem.replace("_", "-")
    out = library_dir / f"{pid}.yaml"
    first = invoke("import", str(XLSFORMS / form), "--out", str(out))
    if EXPECTED[form]:
        assert first.exit_code == 1 and not out.exists()
        assert _prefixes(first.stderr)[: len(EXPECTED[form])] == EXPECTED[form]
        assert all(" — " in line for line in first.stderr.splitlines()[: len(EXPECTED[form])])
        assert "--skip-unsupported" in first.stderr
        second = invoke("import", str(XLSFORMS / form), "--out", str(out), "--skip-unsupported")
    else:
        second = first
    if form == "tutorial.xls":  # every question is inside the repeat: nothing is left to import
        assert second.exit_code == 1 and not out.exists()
        assert "does not pass Waypoint's checks" in second.stderr
        return
    assert second.exit_code == 0, second.output
    skipped = [
        line.removeprefix("skipped: ") for line in second.stderr.splitlines() if line.startswith("skipped")
    ]
    assert _prefixes("\n".join(skipped)) == EXPECTED[form]
    report = lint_paths([out])
    assert report.errors == () and any(p.code is ErrorCode.PR030 for p in report.warnings)
    protocol = load_protocol(out)
    assert protocol.status == "imported" and protocol.questions
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(answers_for(protocol)), encoding="utf-8")
    run = invoke("run", pid, "--answers", str(answers), "--json")
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["outcome"] == "no_indicators_found"


def test_ix002_mapping(tmp_path: Path) -> None:
    imported = import_xlsform(FORMS / "rich.md", protocol_id="rich")
    sections = imported.protocol["sections"]
    assert [s["id"] for s in sections] == ["questions", "work", "questions_2"]
    assert sections[1]["title"] == "Your work"
    questions = {q["id"]: q for s in sections for q in s["questions"]}
    assert questions["danger"]["kind"] == "yes_no" and questions["danger"]["required"] is True
    assert questions["danger"]["guidance"] == "Ask in private. Wait for the answer."
    assert questions["hours"] == {
        "id": "hours",
        "kind": "number",
        "text": "Hours a day?",
        "required": False,
        "relevant": "${danger} = 'no'",
        "constraint": ". <= 24",
        "constraint_message": "At most 24.",
    }
    assert questions["kinds"]["relevant"] == "(${danger} = 'no') and (${hours} > 10)"
    assert questions["kinds"]["options"] == [
        {"value": "farm", "label": "Farm"},
        {"value": "factory", "label": "Factory"},
    ]
    assert questions["thanks"]["kind"] == "info" and "required" not in questions["thanks"]
    assert questions["arrived"]["kind"] == "date"
    assert imported.protocol["source_language"] == "en" and imported.skipped == ()


def test_ix003_translations_become_catalogs(tmp_path: Path) -> None:
    imported = import_xlsform(FORMS / "rich.md", protocol_id="rich")
    written = write_import(imported, tmp_path / "out" / "rich.yaml")
    assert [p.name for p in written.catalogs] == ["rich.fr.po"]
    po = written.catalogs[0].read_text(encoding="utf-8")
    assert 'msgctxt "rich:danger"' in po and 'msgstr "Êtes-vous en sécurité ?"' in po
    partial = ("rich:danger:guidance", "Ask in private. Wait for the answer.")  # no guidance_hint::fr
    assert partial not in imported.translations["fr"]
    assert po.count("# status: imported") == len(imported.translations["fr"])
    assert imported.translations["fr"][("rich:kinds:option.farm", "Farm")] == "Ferme"
    assert imported.translations["fr"][("rich:hours:constraint", "At most 24.")] == "Au plus 24."
    assert imported.translations["fr"][("rich:section.work", "Your work")] == "Votre travail"
    locales = tmp_path / "locales" / "fr" / "LC_MESSAGES"
    locales.mkdir(parents=True)
    (locales / "protocols.po").write_bytes(written.catalogs[0].read_bytes())
    protocol = load_protocol(written.protocol_file)
    shown = render_question(protocol, protocol.by_id["hours"], "fr", locales_dir=tmp_path / "locales")
    assert shown.text.text == "Heures par jour ?" and shown.fallback_fields == ("declined",)
    assert shown.text.status == "machine-draft"  # imported translations count as not reviewed
    french = import_xlsform(FORMS / "rich.md", protocol_id="rich", source_language="fr")
    assert french.protocol["source_language"] == "fr" and sorted(french.translations) == ["en"]
    assert french.protocol["sections"][0]["questions"][0]["text"] == "Êtes-vous en sécurité ?"
    assert french.translations["en"][("rich:danger", "Êtes-vous en sécurité ?")] == "Are you safe now?"


def test_ix004_unsupported_is_located(tmp_path: Path) -> None:
    form = FORMS / "odd.md"
    with pytest.raises(UnsupportedFormError) as caught:
        import_xlsform(form, protocol_id="odd")
    lines = caught.value.details().splitlines()
    codes = [line.split(" ")[0] + " " + line.split(" ")[1] for line in lines]
    assert codes == [
        "odd.md:survey:4: XL009",
        "odd.md:survey:4: XL006",
        "odd.md:survey:5: XL010",
        "odd.md:survey:6: XL006",
        "odd.md:survey:7: XL008",
        "odd.md:survey:8: XL012",
        "odd.md:survey:8: XL006",
        "odd.md:survey:9: XL007",
        "odd.md:survey:10: XL020",
    ]
    assert "pulldata()" in lines[1] and "jr:choice-name()" in lines[3] and "XPath" in lines[6]
    skipped = import_xlsform(form, protocol_id="odd", skip_unsupported=True)
    kept = [q["id"] for s in skipped.protocol["sections"] for q in s["questions"]]
    assert kept == ["age", "place", "later", "pic", "kids", "follow"]
    write_import(skipped, tmp_path / "odd.yaml")
    assert check(tmp_path / "odd.yaml").errors == ()


def test_ix004_dangling_condition_is_removed_and_said(tmp_path: Path) -> None:
    form = FORMS / "dangling.md"
    imported = import_xlsform(form, protocol_id="dangling", skip_unsupported=True)
    assert [f.code for f in imported.skipped] == ["XL006", "XL015"]
    assert imported.skipped[1].line().startswith("dangling.md:survey:3: XL015 The relevant reads total")
    question = imported.protocol["sections"][0]["questions"][0]
    assert question["id"] == "kids" and "relevant" not in question


def test_ix005_lint_explains_a_draft(tmp_path: Path) -> None:
    imported = import_xlsform(XLSFORMS / "yes_or_no_question.xlsx", protocol_id="good-day")
    written = write_import(imported, tmp_path / "good-day.yaml")
    messages = [p.message() for p in check(written.protocol_file).problems if p.code is ErrorCode.PR030]
    for piece in (
        "consent",
        "indicators",
        "referral rules",
        "immediate-danger rule",
        "child rule",
        "reviewed",
    ):
        assert any(piece in message for message in messages), piece
    assert all(p.severity is Severity.WARNING for p in check(written.protocol_file).problems)
    finished = written.protocol_file.read_text(encoding="utf-8").replace("status: imported\n", "")
    (tmp_path / "finished.yaml").write_text(
        finished.replace("id: good-day", "id: finished"), encoding="utf-8"
    )
    errors = check(tmp_path / "finished.yaml").errors
    assert errors and "consent" in errors[0].message()


def test_ix005_the_app_never_offers_a_draft(library_dir: Path, tmp_path: Path) -> None:
    from app.config import AppConfig
    from app.services import AppServices

    imported = import_xlsform(XLSFORMS / "yes_or_no_question.xlsx", protocol_id="good-day")
    write_import(imported, library_dir / "good-day.yaml")
    assert [p.id for p in library.list_protocols()] == ["good-day"]
    services = AppServices(AppConfig(data_dir=tmp_path / "data"))
    assert [p.id for p in services.protocols()] == []


def test_ix006_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    broken = markdown_form(
        tmp_path, "broken", "| survey |\n| | type | name | label |\n| | select_one nolist | q | Q? |\n"
    )
    with pytest.raises(XLSFormReadError, match=r"broken\.md cannot be read"):
        import_xlsform(broken, protocol_id="broken")
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a workbook")
    result = invoke("import", str(garbage), "--out", str(tmp_path / "garbage.yaml"))
    assert result.exit_code == 1 and "garbage.xlsx cannot be read" in result.output
    assert not (tmp_path / "garbage.yaml").exists()
    kept = tmp_path / "kept.yaml"
    kept.write_text("# someone's work\n", encoding="utf-8")
    again = invoke("import", str(XLSFORMS / "text_and_integer.xlsx"), "--out", str(kept))
    assert again.exit_code == 1 and "never replaces" in again.output
    assert kept.read_text(encoding="utf-8") == "# someone's work\n"
    result = invoke("import", str(XLSFORMS / "group.xlsx"), "--out", str(tmp_path / "Bad Name.yaml"))
    assert result.exit_code == 1 and "is not named <protocol id>.yaml" in result.output
    assert not (tmp_path / "Bad Name.yaml").exists()
    empty = import_xlsform(XLSFORMS / "tutorial.xls", protocol_id="tutorial", skip_unsupported=True)
    with pytest.raises(ImportedProtocolError):
        write_import(empty, tmp_path / "tutorial.yaml")
    assert not (tmp_path / "tutorial.yaml").exists()
