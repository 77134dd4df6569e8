"""Written scenarios with the outcome and indicators an expert expects (scenarios.yaml).

SC001: each scenario's outcome level, indicator set and the checked details match.
SC002: the scenarios cover adults and children, labour and sexual exploitation, no indicators and
       immediate danger, on every shipped protocol (at least 20 cases).
SC003: every answer in a scenario is used: the engine asks exactly the questions the scenario answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from screening_protocols import get_protocol, list_protocols
from screening_protocols.runner import run_answers

SCENARIOS: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "scenarios.yaml").read_text())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_sc001_sc003_scenario(scenario: dict[str, Any]) -> None:
    protocol = get_protocol(scenario["protocol"])
    result = run_answers(protocol, scenario["answers"], scenario.get("facts"))
    expect = scenario["expect"]
    got = result.outcome
    assert got.level.value == expect["outcome"], got.reasons
    assert sorted(f.id for f in got.indicators) == sorted(expect["indicators"])
    for finding in got.indicators:
        assert finding.because, finding.id
        assert set(finding.because) <= set(got.asked) | set(scenario.get("facts", {}))
    if "unknown" in expect:
        assert list(got.unknown) == expect["unknown"]
    if "referral_needs" in expect:
        assert sorted(got.referral_needs) == sorted(expect["referral_needs"])
    if "asked" in expect:
        assert list(got.asked) == expect["asked"]
    if "child_rule" in expect:
        assert got.child_rule is expect["child_rule"]
    assert set(expect.get("reasons", [])) <= set(got.reasons)
    assert result.never_asked == () and result.not_in_protocol == ()  # SC003
    assert result.stopped_at is None


def test_sc002_scenarios_cover_the_required_cases() -> None:
    assert len(SCENARIOS) >= 20
    assert {s["protocol"] for s in SCENARIOS} == {p.id for p in list_protocols()}
    outcomes = {s["expect"]["outcome"] for s in SCENARIOS}
    assert {"immediate_danger", "strong_indicators", "possible_indicators", "no_indicators_found",
            "insufficient_information"} <= outcomes  # fmt: skip
    assert any(s["expect"].get("child_rule") is True for s in SCENARIOS)
    assert any(s["expect"].get("child_rule") is False for s in SCENARIOS)
    names = " ".join(s["name"] for s in SCENARIOS)
    assert "sexual" in names and ("labour" in names or "worker" in names)
