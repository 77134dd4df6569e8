"""What the XLSForm import and export agree on: type names, the yes/no list and Waypoint's own columns.

XLSForm has no place for some of Waypoint's fields (a question's fact, audience, key flag, an option's
`unknown`, an indicator's Palermo element ...). The export writes them in `waypoint_*` columns, which
pyxform carries through and ODK ignores, so an exported form imports back unchanged.
"""

from __future__ import annotations

YES_NO_LIST = "waypoint_yes_no"
YES_NO_VALUES = ("yes", "no", "unsure")
INDICATOR_PREFIX = "indicator_"
CONSENT_PREFIX = "waypoint_consent_"  # the consent notes and the agreement question
CONSENT_AGREEMENT = f"{CONSENT_PREFIX}agreement"
CONSENT_RELEVANCE = f"${{{CONSENT_AGREEMENT}}} = 'yes'"  # on every section: nothing is asked before it
CONSENT_COLUMN = "waypoint_consent"  # "<kind>:<topic>" or "<kind>:agreement"
# XLSForm names are unique across the form; a section whose id is also a question's is exported as the
# group "<id>_section", and a group so named beside a question "<id>" is imported as section "<id>".
SECTION_SUFFIX = "_section"

KIND_TO_TYPE = {
    "single_choice": "select_one",
    "multiple_choice": "select_multiple",
    "number": "decimal",
    "date": "date",
    "text": "text",
    "info": "note",
}
# pyxform's JSON names of the XLSForm types Waypoint reads (aliases are resolved by pyxform).
TYPE_TO_KIND = {
    "select one": "single_choice",
    "select all that apply": "multiple_choice",
    "integer": "number",
    "decimal": "number",
    "date": "date",
    "text": "text",
    "note": "info",
}

# Survey-sheet columns: question fields, then indicator fields (on `calculate` rows).
QUESTION_COLUMNS = (
    "waypoint_fact",
    "waypoint_key",
    "waypoint_audience",
    "waypoint_required",
    "waypoint_min",
    "waypoint_max",
    "waypoint_max_length",
)
INDICATOR_COLUMNS = (
    "waypoint_label",
    "waypoint_element",
    "waypoint_strength",
    "waypoint_ilo",
    "waypoint_dimension",
    "waypoint_triggers",
)
CHOICE_COLUMNS = ("waypoint_unknown", "waypoint_exclusive")


def range_constraint(minimum: float | None, maximum: float | None) -> list[str]:
    """The constraint parts the export adds for a number question's min and max (the import strips them)."""
    parts = []
    if minimum is not None:
        parts.append(f". >= {_number(minimum)}")
    if maximum is not None:
        parts.append(f". <= {_number(maximum)}")
    return parts


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def truthy(value: object) -> bool:
    """An XLSForm yes/true cell."""
    return str(value).strip().lower() in {"yes", "true", "true()", "1"}
