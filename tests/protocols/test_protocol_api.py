"""The engine's public face and its documentation.

AP001: `screening_protocols.__all__` lists every public name, sorted, and nothing else.
AP002: the contract in docs/architecture.md is importable as written.
AP003: docs/protocols.md documents every error code, every protocol field and every catalogue entry.
"""

from __future__ import annotations

import types

import screening_protocols
from screening_protocols.catalogue import (
    CONSENT_TOPICS,
    DIMENSIONS,
    ILO_INDICATORS,
    REFERRAL_NEEDS,
    OutcomeLevel,
)
from screening_protocols.errors import ErrorCode
from screening_protocols.loader import schema
from tests.tooling import PROJECT_ROOT


def test_ap001_all_imports_are_exported() -> None:
    public = (
        name
        for name, obj in vars(screening_protocols).items()
        if not name.startswith("_") and not isinstance(obj, types.ModuleType)
    )
    exported = screening_protocols.__all__
    assert len(exported) == len(set(exported))
    assert set(exported) == set(public)  # the order is ruff's RUF022 (constants, classes, functions)


def test_ap002_architecture_contract_names() -> None:
    contract = """get_protocol list_protocols load_protocol Protocol Question QuestionKind Option Interview
    start answer decline back next_step outcome AskQuestion EmergencyStop Finished Outcome OutcomeLevel
    IndicatorFinding render_question DECLINED""".split()
    assert set(contract) <= set(screening_protocols.__all__)


def _fields(node: dict[str, object], found: set[str]) -> set[str]:
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            found |= set(value)
        if isinstance(value, dict):
            _fields(value, found)
    return found


def test_ap003_docs_cover_codes_fields_and_catalogue() -> None:
    docs = (PROJECT_ROOT / "docs" / "protocols.md").read_text(encoding="utf-8")
    missing = [code.name for code in ErrorCode if code.name not in docs]
    missing += [f for f in sorted(_fields(schema(), set())) if f"`{f}`" not in docs]
    catalogue = [
        *ILO_INDICATORS,
        *DIMENSIONS,
        *REFERRAL_NEEDS,
        *CONSENT_TOPICS,
        *(level.value for level in OutcomeLevel),
    ]
    missing += [entry for entry in catalogue if f"`{entry}`" not in docs]
    assert not missing, missing
