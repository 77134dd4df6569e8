"""HTCDS 2.0 export: the standard's field names and picklist values, no identifiers unless allowed.

HT001: the mapping tables are data, and every field and value in them (and every column the export
       writes) exists in the standard's field list (the fixture copy of `HTCDS Field Standards 2.0.csv`);
       every indicator row names a shipped indicator, and every ILO indicator the library uses is mapped.
HT002: interviews from every shipped protocol, written as CSV, XLSX and JSON: every column is an HTCDS
       field, every picklist value one of the field's Value Names; vic_TraffickingStatus is only ever
       PossibleVictimOfTrafficking (never Actual), and only when indicators were found; con_Consent holds
       the person's agreement.
HT003: a canary name (answers, notes, a name fact) never appears in any format unless the setting
       allows identifiers; then only in prs_FirstName/prs_SecondName.
HT004: prs_IdentityNumber is a pseudonym: stable for one organisation key, different for another, and
       never the interview id.
HT005: a bad settings file or --out suffix is a clear error; a typo in the mapping table fails loudly.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from interop_helpers import FIXTURES, answers_for
from openpyxl import load_workbook

from interop import htcds
from interop.htcds import (
    COLUMNS,
    IDENTIFYING_COLUMNS,
    HtcdsSettings,
    htcds_row,
    mapping,
    pseudonym,
    read_settings,
    standard,
    write_htcds,
)
from screening_protocols import list_protocols
from screening_protocols.runner import run_answers
from waypoint.core.errors import ConfigError

CANARY = "Zephyrine Quillfeather"


def _standard() -> dict[str, tuple[str, set[str]]]:
    """Field name -> (field type, picklist value names), read from the fixture copy of the standard."""
    fields: dict[str, tuple[str, set[str]]] = {}
    with (FIXTURES / "HTCDS Field Standards 2.0.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("Field Name including Prefix") or "").strip()
            if name and name != "N/A":
                names = {
                    v.strip() for v in (row.get("Value Names (if picklist)") or "").split("\n") if v.strip()
                }
                fields[name] = ((row.get("Field Type") or "").strip(), names)
    return fields


STANDARD = _standard()


def _check_value(field: str, value: str) -> None:
    kind, names = STANDARD[field]
    if "Picklist" in kind and names and not next(iter(names)).startswith("Use ISO"):
        values = value.split(";") if "Multiselect" in kind else [value]
        assert all(v in names for v in values if v), (field, value)


def test_ht001_mapping_tables_use_the_standard() -> None:
    assert "vic_MethodsOfControl" in STANDARD and "WithholdsDocuments" in STANDARD["vic_MethodsOfControl"][1]
    for column in (*COLUMNS, *IDENTIFYING_COLUMNS):
        assert column in STANDARD, column
    for (source, value), (field, htcds_value) in mapping().items():
        assert field in STANDARD, (source, value, field)
        _check_value(field, htcds_value)
    for field, values in standard().items():  # the packaged copy is the standard, as the fixture is
        assert field in STANDARD and set(values) <= STANDARD[field][1], field
    statuses = {v for (source, _), (f, v) in mapping().items() if f == "vic_TraffickingStatus"}
    assert statuses == {"PossibleVictimOfTrafficking"}


def test_ht001_mapping_follows_the_library() -> None:
    shipped = {(p.id, i.id) for p in list_protocols() for i in p.indicators}
    ilo_used = {ilo for p in list_protocols() for i in p.indicators for ilo in i.ilo}
    for source, value in mapping():
        if source == "indicator":  # "<indicator>" or "<protocol>:<indicator>"
            pid, _, ident = value.rpartition(":")
            assert any(ident == i and pid in ("", p) for p, i in shipped), value
    assert ilo_used <= {value for source, value in mapping() if source == "ilo"}


def _interviews() -> list[dict[str, Any]]:
    recorded = []
    for protocol in list_protocols():
        for answers in (answers_for(protocol), _all_yes(protocol)):
            outcome = run_answers(protocol, answers).outcome
            recorded.append(
                {
                    "format": "waypoint-interview/1",
                    "interview_id": str(uuid.uuid4()),
                    "protocol_id": protocol.id,
                    "respondent_language": "fr",
                    "answers": answers,
                    "outcome": outcome.to_dict(),
                    "notes": f"said her name is {CANARY}",
                    "consent": {"agreed": True, "research_use": False},
                }
            )
    return recorded


def _all_yes(protocol: Any) -> dict[str, Any]:
    answers = answers_for(protocol)
    for question in protocol.questions:
        if question.kind.value == "yes_no":
            answers[question.id] = "yes" if question.id != "in_danger" else "no"
        elif question.option("employer") is not None:
            answers[question.id] = "employer"
    return answers


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_ht002_every_value_is_the_standards(suffix: str, tmp_path: Path) -> None:
    key = X25519PrivateKey.generate()
    settings = HtcdsSettings(decision_making_org="NGO")
    recorded = _interviews()
    rows = [htcds_row(r, pseudonym(r["interview_id"], key), settings, {}) for r in recorded]
    out = tmp_path / f"cases{suffix}"
    assert write_htcds(rows, settings.columns, out) == len(recorded)
    records = _read(out)
    assert len(records) == len(recorded)
    for record, interview in zip(records, recorded, strict=True):
        assert set(record) == set(COLUMNS)
        for field, value in record.items():
            _check_value(field, value)
        found = bool(interview["outcome"]["indicators"])
        level = interview["outcome"]["outcome"]
        concern = level in {"possible_indicators", "strong_indicators", "immediate_danger"}
        assert record["vic_TraffickingStatus"] == ("PossibleVictimOfTrafficking" if concern else "")
        assert record["vic_TraffickingStatusDecisionMakingOrg"] == ("NGO" if concern else "")
        assert record["con_Consent"] == "true" and record["cas_Status"] == "Active"
        assert record["prs_PrimaryLanguage"] == "fr"
        if found:
            assert record["vic_MethodsOfControl"] or record["vic_TypeOfExploitation"] or concern
    controls = {v for r in records for v in r["vic_MethodsOfControl"].split(";") if v}
    assert {"WithholdsDocuments", "DebtBondage", "PhysicalThreats"} <= controls
    assert "Actual" not in out.read_bytes().decode("utf-8", "replace")


def _read(out: Path) -> list[dict[str, str]]:
    if out.suffix == ".csv":
        return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    if out.suffix == ".json":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["standard"] == "HTCDS 2.0"
        return [{k: ";".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in data["records"]]
    sheet = load_workbook(out)["HTCDS"]
    rows = list(sheet.iter_rows(values_only=True))
    return [{str(h): (v or "") for h, v in zip(rows[0], row, strict=True)} for row in rows[1:]]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_ht003_canary_name_only_when_allowed(suffix: str, tmp_path: Path) -> None:
    key = X25519PrivateKey.generate()
    interview = {
        "interview_id": str(uuid.uuid4()),
        "protocol_id": "imported-form",
        "answers": {"your_name": CANARY.split()[0], "family": CANARY.split()[1], "free_text": CANARY},
        "notes": CANARY,
        "outcome": {"outcome": "no_indicators_found", "indicators": []},
        "consent": {"agreed": False},
    }
    facts = {"your_name": "given_name", "family": "family_name"}
    for allowed in (False, True):
        settings = HtcdsSettings(identifiers="allowed" if allowed else "pseudonymous")
        row = htcds_row(interview, pseudonym(interview["interview_id"], key), settings, facts)
        out = tmp_path / f"{allowed}{suffix}"
        write_htcds([row], settings.columns, out)
        content = out.read_bytes()
        if suffix == ".xlsx":
            content = json.dumps(_read(out)).encode()
        first, second = (part.encode() for part in CANARY.split())
        assert (first in content and second in content) is allowed
        record = _read(out)[0]
        assert record["con_Consent"] == "false"
        if allowed:
            assert (record["prs_FirstName"], record["prs_SecondName"]) == tuple(CANARY.split())
        else:
            assert not set(IDENTIFYING_COLUMNS) & set(record)
        assert CANARY.encode() not in content  # the free-text answer and the notes are never written


def test_ht004_pseudonyms() -> None:
    key, other = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    interview_id = str(uuid.uuid4())
    first = pseudonym(interview_id, key)
    assert first == pseudonym(interview_id, key) != pseudonym(interview_id, other)
    assert first.startswith("WP-") and interview_id not in first and interview_id.split("-")[0] not in first
    assert pseudonym(str(uuid.uuid4()), key) != first


def test_ht005_a_mapping_typo_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    real = htcds._data
    typo = {"waypoint_source": "ilo", "waypoint_value": "debt_bondage"}
    rows = [{**typo, "htcds_field": "vic_MethodsOfControl", "htcds_value": "DebtBondge", "note": ""}]
    monkeypatch.setattr(htcds, "_data", lambda name: rows if name == "htcds-mapping.csv" else real(name))
    mapping.cache_clear()
    try:
        with pytest.raises(ConfigError, match="vic_MethodsOfControl = DebtBondge"):
            mapping()
    finally:
        monkeypatch.undo()
        mapping.cache_clear()
    assert mapping()[("ilo", "debt_bondage")] == ("vic_MethodsOfControl", "DebtBondage")


def test_ht005_bad_settings_and_suffix(tmp_path: Path) -> None:
    assert read_settings(None) == HtcdsSettings()
    good = tmp_path / "good.json"
    good.write_text('{"identifiers": "allowed", "decision_making_org": "Police"}', encoding="utf-8")
    assert read_settings(good) == HtcdsSettings("allowed", "Police")
    for text, message in (
        ('{"identifiers": "names"}', "must be one of pseudonymous, allowed"),
        ('{"decision_making_org": "Army"}', "decision_making_org must be one of"),
        ('{"colour": "red"}', "is not a JSON object with only"),
        ("not json", "is not a JSON object with only"),
    ):
        bad = tmp_path / "bad.json"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            read_settings(bad)
    with pytest.raises(ConfigError, match="must end in"):
        write_htcds([], COLUMNS, tmp_path / "cases.txt")
    assert not (tmp_path / "cases.txt").exists()
