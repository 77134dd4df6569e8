"""The development case stories (development_cases.yaml), each answered only from its story (cases/<id>.json).

DC001: each case lands on one of its acceptable outcomes, with the child rule as the story says, and
       the explanation names every listed indicator by meaning (MEANINGS below); every answer is used.
DC002: every case has an answers file, and every phrase a case lists has a meaning here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from screening_protocols import get_protocol
from screening_protocols.outcome import Outcome
from screening_protocols.runner import run_answers

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "development_cases.yaml").read_text())


def _ilo(code: str) -> Callable[[Outcome], bool]:
    return lambda result: any(code in f.ilo for f in result.indicators)


def _form(code: str) -> Callable[[Outcome], bool]:
    return lambda result: any(code in f.forms for f in result.indicators)


def _child_reason(*codes: str) -> Callable[[Outcome], bool]:
    return lambda result: any(f"child_rule:{code}" in result.reasons for code in codes)


# What each phrase of `must_name` means in an outcome: the ILO indicator, form of exploitation,
# Palermo element or rule that names it.
MEANINGS: dict[str, Callable[[Outcome], bool]] = {
    "retention of documents": _ilo("retention_of_identity_documents"),
    "someone else holds documents": _ilo("retention_of_identity_documents"),
    "withholding of wages": _ilo("withholding_of_wages"),
    "withholding of earnings": _ilo("withholding_of_wages"),
    "restriction of movement": _ilo("restriction_of_movement"),
    "isolation": _ilo("isolation"),
    "sexual violence": _ilo("physical_and_sexual_violence"),
    "physical violence": _ilo("physical_and_sexual_violence"),
    "threats": _ilo("intimidation_and_threats"),
    "deception": _ilo("deception"),
    "debt": _ilo("debt_bondage"),
    "debt bondage": _ilo("debt_bondage"),
    "abuse of vulnerability": _ilo("abuse_of_vulnerability"),
    "abusive living conditions": _ilo("abusive_working_and_living_conditions"),
    "forced criminal activity": _form("forced_criminality"),
    "forced begging": _form("forced_begging"),
    "forced or servile marriage": _form("forced_marriage"),
    "organ removal": _form("organ_removal"),
    "hazardous work": _form("worst_forms_child_labour"),
    "recruited or moved by another person": lambda r: any(f.element.value == "act" for f in r.indicators),
    "child": lambda result: result.child_rule,
    "age unknown or disputed": _child_reason("age_disputed", "age_unknown", "age_unknown_may_be_minor"),
    "fear for safety": lambda result: "danger_now" in result.emergency,
}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_dc001_development_case(case: dict[str, Any]) -> None:
    protocol = get_protocol(case["setting"])
    answers = json.loads((HERE / "cases" / f"{case['id']}.json").read_text())
    result = run_answers(protocol, answers)
    got = result.outcome
    assert got.level.value in case["acceptable"], (got.level, got.reasons, [f.id for f in got.indicators])
    assert got.child_rule is case["child"], got.reasons
    missing = [name for name in case["must_name"] if not MEANINGS[name](got)]
    assert not missing, (missing, [f.id for f in got.indicators])
    assert result.never_asked == () and result.not_in_protocol == (), (
        result.never_asked,
        result.not_in_protocol,
    )
    assert result.stopped_at is None


def test_dc002_every_case_has_answers_and_every_phrase_a_meaning() -> None:
    assert len(CASES) == 18
    assert {p.stem for p in (HERE / "cases").glob("*.json")} == {c["id"] for c in CASES}
    assert {name for c in CASES for name in c["must_name"]} <= set(MEANINGS)
