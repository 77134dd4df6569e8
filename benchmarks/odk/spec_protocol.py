"""ODK benchmark form rows (`<id>.spec.json`: XLSForm-shaped `survey` and `choices`) as a Waypoint
protocol, so both engines run the very same form.

The rows map one to one: `begin_group` -> a section, `select_one` -> single_choice, `select_multiple`
-> multiple_choice, `integer` -> number, `relevant` -> relevant, `calculate` -> a calculate with the
same expression. One difference of meaning is made explicit rather than hidden: Waypoint reads the
answers "unsure" and "declined" as *unknown* (three-valued logic), while the ODK form treats them as
ordinary choices. To do the same work as ODK, the converter gives those two choices ordinary values
(`VALUE_NAMES`) in the options and in every expression; `odk_value` maps them back when traces are
compared.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

VALUE_NAMES = {"unsure": "not_sure", "declined": "prefer_not"}
ODK_NAMES = {mine: theirs for theirs, mine in VALUE_NAMES.items()}
KINDS = {"select_one": "single_choice", "select_multiple": "multiple_choice", "integer": "number"}
_LITERAL = re.compile(r"'(" + "|".join(VALUE_NAMES) + r")'")


def odk_value(value: str) -> str:
    """A Waypoint option value as the ODK form names it."""
    return ODK_NAMES.get(value, value)


def _expression(text: str) -> str:
    return _LITERAL.sub(lambda m: f"'{VALUE_NAMES[m.group(1)]}'", text)


def protocol_data(spec: dict[str, Any]) -> dict[str, Any]:
    """The protocol (plain data, ready for YAML) for one spec."""
    choices: dict[str, list[dict[str, str]]] = {}
    for row in spec["choices"]:
        value = VALUE_NAMES.get(row["name"], row["name"])
        choices.setdefault(row["list_name"], []).append({"value": value, "label": row["label"]})
    sections: list[dict[str, Any]] = []
    calculates: list[dict[str, str]] = []
    for row in spec["survey"]:
        kind = row["type"]
        if kind == "begin_group":
            sections.append({"id": row["name"], "title": row["label"], "questions": []})
        elif kind == "calculate":
            calculates.append({"id": row["name"], "calculation": _expression(row["calculation"])})
        elif kind != "end_group":
            base, _, list_name = kind.partition(" ")
            question: dict[str, Any] = {"id": row["name"], "kind": KINDS[base], "text": row["label"]}
            if list_name:
                question["options"] = [dict(option) for option in choices[list_name]]
            if "relevant" in row:
                question["relevant"] = _expression(row["relevant"])
            sections[-1]["questions"].append(question)
    return {
        "id": spec["form_id"],
        "version": "1",
        "status": "imported",
        "title": spec["title"],
        "audience": "general",
        "validation_status": "Synthetic benchmark form (ODK's generator).",
        "decision": {"age_fact": None},
        "sections": sections,
        "calculates": calculates,
    }


def protocol_yaml(spec_path: Path) -> bytes:
    """The protocol file for `<id>.spec.json`, as Waypoint's loader reads it."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    return yaml.safe_dump(protocol_data(spec), sort_keys=False, allow_unicode=True).encode("utf-8")
