"""docs/interop.md covers what the code does.

ID001: every XL code, every HTCDS mapping row, every column the export writes and every HTCDS Core
       field (from the fixture copy of the standard: filled, or why not) is in docs/interop.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

from interop_helpers import FIXTURES

from interop.htcds import COLUMNS, IDENTIFYING_COLUMNS, mapping
from interop.unsupported import CATALOGUE
from interop.xlsform_columns import CHOICE_COLUMNS, INDICATOR_COLUMNS, QUESTION_COLUMNS

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "interop.md").read_text(encoding="utf-8")


def test_id001_docs_cover_codes_mapping_and_core_fields() -> None:
    missing = [code for code in CATALOGUE if f"| {code} |" not in DOCS]
    for (_, value), (field, htcds_value) in mapping().items():
        missing += [text for text in (value, field, htcds_value) if f"`{text}`" not in DOCS]
    missing += [c for c in (*COLUMNS, *IDENTIFYING_COLUMNS) if f"`{c}`" not in DOCS]
    missing += [c for c in (*QUESTION_COLUMNS, *INDICATOR_COLUMNS, *CHOICE_COLUMNS) if f"`{c}`" not in DOCS]
    with (FIXTURES / "HTCDS Field Standards 2.0.csv").open(encoding="utf-8") as handle:
        core = [
            row["Field Name including Prefix"] for row in csv.DictReader(handle) if row.get("Core") == "Core"
        ]
    assert len(core) > 30
    missing += [field for field in core if f"`{field}`" not in DOCS]
    assert not missing, missing
