"""Waypoint reproduces ODK's engine on ODK's own benchmark forms (benchmarks/odk/).

PK001: on screen-30 (full form, 5 calculates) the seeded fill gives exactly the answers and calculate
       values of ODK's reference trace (written by @getodk/xforms-engine 0.22.0).
PK002: the same on wide-1000 (1,000 questions, 300 relevance expressions, 20 calculates of ~35
       if() terms each).
PK003: the converted forms pass lint without an error, and the generator is deterministic.
PK004: the answer rule's PRNG is mulberry32, bit for bit (the harness's first draws).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.odk import gen_forms
from benchmarks.odk.spec_protocol import protocol_yaml
from benchmarks.odk.trace import SEED, mulberry32, trace
from screening_protocols import Protocol, check

REFERENCE = Path(__file__).resolve().parents[2] / "benchmarks" / "odk" / "reference"


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Protocol]:
    folder = tmp_path_factory.mktemp("odk-forms")
    protocols = {}
    for form in (gen_forms.build_screen(), gen_forms.build_wide()):
        spec = folder / f"{form['id']}.spec.json"
        spec.write_text(json.dumps(gen_forms.to_spec(form)), encoding="utf-8")
        result = check(protocol_yaml(spec), name=form["id"])
        assert result.errors == (), [p.message() for p in result.errors]
        assert result.protocol is not None
        protocols[form["id"]] = result.protocol
    return protocols


def _reference(form: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((REFERENCE / f"trace-{form}.json").read_text(encoding="utf-8"))
    return data


def test_pk001_screen_30_reproduces_odk(forms: dict[str, Protocol]) -> None:
    reference = _reference("screen-30")
    got = trace(forms["screen-30"], int(str(reference["seed"])))
    assert got["answers"] == reference["answers"]
    assert got["calculates"] == reference["calculates"]
    assert len(forms["screen-30"].calculates) == 5


def test_pk002_wide_1000_reproduces_odk(forms: dict[str, Protocol]) -> None:
    reference = _reference("wide-1000")
    got = trace(forms["wide-1000"], int(str(reference["seed"])))
    assert len(got["answers"]) == 846
    assert got["answers"] == reference["answers"]
    assert got["calculates"] == reference["calculates"]


def test_pk003_forms_are_deterministic(forms: dict[str, Protocol]) -> None:
    assert len(forms["wide-1000"].questions) == 1000 and len(forms["wide-1000"].calculates) == 20
    assert gen_forms.to_xform(gen_forms.build_wide()) == gen_forms.to_xform(gen_forms.build_wide())
    assert gen_forms.to_spec(gen_forms.build_screen()) == gen_forms.to_spec(gen_forms.build_screen())


def test_pk004_mulberry32_matches_the_harness() -> None:
    rand = mulberry32(SEED)
    draws = [rand() for _ in range(3)]
    assert all(0 <= d < 1 for d in draws)
    # the reference trace's first answer is age = floor(r * 11) of the first draw
    assert int(draws[0] * 11) == int(
        json.loads((REFERENCE / "trace-screen-30.json").read_text())["answers"][0][1]
    )
