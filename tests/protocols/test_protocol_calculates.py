"""Calculates: values computed from answers, re-evaluated incrementally, with three-valued logic.

CA001: if, coalesce, sum over a selection, count-selected, selected, concat, comparisons, round and
       arithmetic give XLSForm's values once the questions are answered.
CA002: only the calculates that read a changed value run again, in dependency order; one whose value
       did not change does not make its readers run.
CA003: a calculate that depends on itself (directly or through others) is PR025 at file:line, naming
       the cycle; calculates written before what they read still run in dependency order.
CA004: three-valued logic: a declined or not-yet-reached answer makes a calculate unknown (never a
       guess), if() with an unknown condition is unknown, coalesce() stops at an unknown value.
CA005: relevance and outcome rules read calculates; an indicator raised through a calculate is
       explained by the answered questions it reads.
CA006: lint: a relevance reading a calculate over a later question is PR006; an unknown name is PR004;
       a calculate id that is also a question id is PR003.
CA007: an XLSForm `calculate` row imports as a calculate (if() included) and exports back as one.
CA008: compiled protocols: checked once per content, read back from memory or from a JSON cache file
       equal to the checked protocol; a damaged cache file is ignored.
CA009: a sum of 40 if() terms is one level of nesting, not 40; parentheses still group.
CA011: the library can keep its compiled form in a cache folder; loading from it gives the same
       protocols.
CA010: a calculate that is a chain of `+` terms, kept term by term, always equals its full evaluation
       (answers, declines, fractions, unknown terms, back).
CA012: so does a chain whose terms read several questions and other calculates, with questions that
       are skipped, and a relevance that reads a calculate (the walk updates calculates mid-way).
"""

from __future__ import annotations

import json
import random
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from protocol_helpers import CONSENT

from screening_protocols import (
    AskQuestion,
    ErrorCode,
    Interview,
    Protocol,
    answer,
    back,
    check,
    decline,
    next_step,
    outcome,
    start,
)
from screening_protocols import compiled as compiled_module
from screening_protocols import engine as engine_module
from screening_protocols.engine import resolved_values
from screening_protocols.expressions import UNKNOWN, depth, parse

BODY = """\
sections:
  - id: main
    title: Main
    questions:
      - id: works
        kind: yes_no
        text: Do you work?
      - id: hours
        kind: number
        text: Hours per day?
      - id: who
        kind: multiple_choice
        text: Who arranged it?
        options:
          - {value: employer, label: Employer}
          - {value: agent, label: Agent}
          - {value: family, label: Family}
      - id: town
        kind: single_choice
        required: false
        text: Which town?
        options:
          - {value: north, label: North}
          - {value: south, label: South}
      - id: locked
        kind: yes_no
        text: Are you locked in?
      - id: follow_up
        kind: yes_no
        relevant: ${control} >= 1
        text: May we talk again?
calculates:
  - id: control
    calculation: ${work_flag} + if(${locked} = 'yes', 1, 0)
  - id: work_flag
    calculation: if(${works} = 'yes', 1, 0)
  - id: long_days
    calculation: ${hours} > 10
  - id: arrangers
    calculation: count-selected(${who})
  - id: by_agent
    calculation: selected(${who}, 'agent')
  - id: place
    calculation: coalesce(${town}, 'unknown')
  - id: summary
    calculation: concat(${place}, '/', ${arrangers})
  - id: half_hours
    calculation: round(${hours} div 4, 1)
  - id: week
    calculation: ${hours} * 5 - 2
indicators:
  - id: controlled
    label: Controlled
    when: ${control} >= 2
    element: means
    strength: strong
"""


def protocol_from(body: str) -> Protocol:
    from screening_protocols import load_protocol

    text = (
        'id: inline\nversion: "1"\ntitle: Inline test screen\naudience: general\n'
        "validation_status: Test only.\ndecision:\n  age_fact: null\n" + CONSENT + textwrap.dedent(body)
    )
    return load_protocol(text.encode(), name="inline.yaml")


@pytest.fixture
def protocol() -> Protocol:
    return protocol_from(BODY)


def fill(protocol: Protocol, interview: Interview, *values: object) -> Interview:
    for value in values:
        step = next_step(protocol, interview)
        assert isinstance(step, AskQuestion), step
        qid = step.question.id
        if value == "declined":
            interview = decline(protocol, interview, qid)
        else:
            interview = answer(protocol, interview, qid, value)  # type: ignore[arg-type]
    return interview


def random_fills(
    protocol: Protocol, *, seed: int, fills: int, steps: int, back_rate: float
) -> Iterator[Interview]:
    """Every state of `fills` random fills (random yes/no answers, numbers 0-8), going back now and then."""
    rng = random.Random(seed)
    for _ in range(fills):
        interview = start(protocol)
        for _ in range(steps):
            step = next_step(protocol, interview)
            if not isinstance(step, AskQuestion):
                break
            if interview.asked and rng.random() < back_rate:
                interview = back(protocol, interview)
                continue
            kind = step.question.kind.value
            value = rng.choice(["yes", "no", "unsure", "declined"]) if kind == "yes_no" else rng.randrange(9)
            interview = fill(protocol, interview, value)
            yield interview


def test_ca001_functions_give_xlsform_values(protocol: Protocol) -> None:
    interview = fill(protocol, start(protocol), "yes", 12, ["agent", "family"], "north", "yes", "no")
    values = resolved_values(protocol, interview)
    assert values["control"] == 2
    assert values["work_flag"] == 1
    assert values["long_days"] is True
    assert values["arrangers"] == 2
    assert values["by_agent"] is True
    assert values["place"] == "north"
    assert values["summary"] == "north/2"
    assert values["half_hours"] == 3.0
    assert values["week"] == 58
    assert [c.id for c in protocol.calculates][:2] == ["work_flag", "control"]  # dependency order


def test_ca002_only_readers_of_a_changed_value_run(
    protocol: Protocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []
    real = engine_module._run_calculate

    def counted(calculate, *args):  # type: ignore[no-untyped-def]
        runs.append(calculate.id)
        return real(calculate, *args)

    monkeypatch.setattr(engine_module, "_run_calculate", counted)
    interview = start(protocol)
    next_step(protocol, interview)
    assert sorted(runs) == sorted(c.id for c in protocol.calculates)  # each once at the start
    runs.clear()
    interview = fill(protocol, interview, "yes")
    assert runs == ["work_flag", "control"]  # control reads work_flag, which changed
    runs.clear()
    interview = fill(protocol, interview, 12)
    assert sorted(runs) == ["half_hours", "long_days", "week"]
    runs.clear()
    interview = fill(protocol, interview, ["agent"])
    assert runs == ["arrangers", "by_agent", "summary"]
    runs.clear()
    interview = fill(protocol, interview, "declined")  # town: coalesce stays unknown -> no change
    assert runs == ["place"]
    runs.clear()
    fill(protocol, interview, "no")
    assert runs == ["control"]


def test_ca003_cycles_are_refused_with_file_and_line(tmp_path: Path) -> None:
    body = BODY.replace("${work_flag} + if(", "${week} + ${work_flag} + if(").replace(
        "calculation: ${hours} * 5 - 2", "calculation: ${control} * 5 - 2"
    )
    text = (
        'id: cyclic\nversion: "1"\ntitle: T\naudience: general\nvalidation_status: Test.\n'
        "decision:\n  age_fact: null\n" + CONSENT + textwrap.dedent(body)
    )
    path = tmp_path / "cyclic.yaml"
    path.write_text(text, encoding="utf-8")
    result = check(path)
    cycles = [p for p in result.errors if p.code is ErrorCode.PR025]
    line = (
        text.splitlines().index("    calculation: ${week} + ${work_flag} + if(${locked} = 'yes', 1, 0)") + 1
    )
    assert len(cycles) == 1 and cycles[0].line == line
    assert cycles[0].message().startswith(f"{path}:{line}: PR025 The calculate 'control' depends on itself")
    assert "control -> week -> control" in cycles[0].message()
    own = text.replace("calculation: if(${works} = 'yes', 1, 0)", "calculation: ${work_flag} + 1")
    path.write_text(own, encoding="utf-8")
    assert "work_flag -> work_flag" in " ".join(p.message() for p in check(path).errors)


def test_ca004_three_valued_logic(protocol: Protocol) -> None:
    interview = fill(protocol, start(protocol), "declined")
    values = resolved_values(protocol, interview)
    assert values["work_flag"] is UNKNOWN and values["control"] is UNKNOWN
    assert values["week"] is UNKNOWN  # hours not reached yet: unknown, not 0
    interview = fill(protocol, interview, 8, ["employer"], "declined", "yes")
    values = resolved_values(protocol, interview)
    assert values["place"] is UNKNOWN  # coalesce stops at a declined answer: it may not be empty
    assert values["control"] is UNKNOWN  # unknown + 1 stays unknown
    assert values["week"] == 38 and values["long_days"] is False
    # follow_up's relevance reads an unknown calculate: not asked (and no guess either way)
    assert not isinstance(next_step(protocol, interview), AskQuestion)
    assert parse("if(${x} = 'yes', 1, 0)").evaluate(lambda name: UNKNOWN) is UNKNOWN
    assert parse("if(${x} = 'yes' or true(), 1, 0)").evaluate(lambda name: UNKNOWN) == 1
    assert parse("coalesce(${x}, ${y})").evaluate(lambda name: "" if name == "x" else UNKNOWN) is UNKNOWN
    assert parse("coalesce(${x}, ${y})").evaluate(lambda name: "a" if name == "x" else UNKNOWN) == "a"


def test_ca005_relevance_and_outcome_read_calculates(protocol: Protocol) -> None:
    interview = fill(protocol, start(protocol), "yes", 8, ["employer"], "north", "yes")
    step = next_step(protocol, interview)
    assert isinstance(step, AskQuestion) and step.question.id == "follow_up"
    result = outcome(protocol, fill(protocol, interview, "yes"))
    (finding,) = result.indicators
    assert finding.id == "controlled" and finding.because == ("locked", "works")
    assert {"works", "locked"} <= protocol.key_question_ids
    skipped = fill(protocol, start(protocol), "no", 8, ["employer"], "north", "no")
    assert not isinstance(next_step(protocol, skipped), AskQuestion)
    assert outcome(protocol, skipped).indicators == ()


def test_ca006_lint_reads_calculates(make_protocol: Callable[..., Protocol], tmp_path: Path) -> None:
    def codes(body: str) -> list[tuple[ErrorCode, dict[str, str]]]:
        text = (
            'id: t\nversion: "1"\ntitle: T\naudience: general\nvalidation_status: Test.\n'
            "decision:\n  age_fact: null\n" + CONSENT + textwrap.dedent(body)
        )
        path = tmp_path / "t.yaml"
        path.write_text(text, encoding="utf-8")
        return [(p.code, dict(p.params)) for p in check(path).errors]

    early = BODY.replace(
        "      - id: works",
        "      - id: first\n        kind: yes_no\n        relevant: ${long_days}\n        text: First?\n"
        "      - id: works",
    )
    found = codes(early)
    assert found == [(ErrorCode.PR006, {"field": "relevant", "qid": "first", "ref": "long_days"})]
    assert codes(BODY.replace("${hours} > 10", "${hour} > 10")) == [(ErrorCode.PR004, {"ref": "hour"})]
    duplicate = codes(BODY.replace("  - id: half_hours\n", "  - id: works\n"))
    assert [code for code, _ in duplicate] == [ErrorCode.PR003]


def test_ca007_xlsform_calculates_import_and_export(tmp_path: Path) -> None:
    from interop.protocol_files import write_import
    from interop.xlsform_export import write_xlsform
    from interop.xlsform_import import import_xlsform

    form = tmp_path / "calc.md"
    form.write_text(
        "| survey |\n"
        "| | type | name | label | relevant | calculation |\n"
        "| | integer | kids | Kids? | | |\n"
        "| | calculate | many | | | if(${kids} > 2, 'many', coalesce(${kids}, 'none')) |\n"
        "| | calculate | score | | | ${kids} + 1 |\n"
        "| | integer | later | Later? | ${many} = 'many' | |\n",
        encoding="utf-8",
    )
    imported = import_xlsform(form, protocol_id="calc")
    assert imported.skipped == ()
    assert imported.protocol["calculates"] == [
        {"id": "many", "calculation": "if(${kids} > 2, 'many', coalesce(${kids}, 'none'))"},
        {"id": "score", "calculation": "${kids} + 1"},
    ]
    written = write_import(imported, tmp_path / "calc.yaml")
    result = check(written.protocol_file)
    assert result.errors == () and result.protocol is not None
    protocol = result.protocol
    interview = fill(protocol, start(protocol), 3)
    step = next_step(protocol, interview)
    assert isinstance(step, AskQuestion) and step.question.id == "later"
    sheets = write_xlsform(protocol, tmp_path / "calc.xlsx")
    rows = [r for r in sheets.survey if r["type"] == "calculate"]
    assert [(r["name"], r["calculation"]) for r in rows] == [
        (c.id, c.calculation.source) for c in protocol.calculates
    ]
    again = import_xlsform(tmp_path / "calc.xlsx", protocol_id="calc")
    assert again.protocol["calculates"] == imported.protocol["calculates"]


def test_ca008_compiled_protocols_load_by_deserialising(protocol: Protocol, tmp_path: Path) -> None:
    text = (
        'id: inline\nversion: "1"\ntitle: Inline test screen\naudience: general\n'
        "validation_status: Test only.\ndecision:\n  age_fact: null\n" + CONSENT + textwrap.dedent(BODY)
    ).encode()
    cache = tmp_path / "cache"
    compiled_module._memory.clear()
    first = compiled_module.load_compiled(text, name="inline.yaml", cache_dir=cache)
    assert first == protocol
    assert compiled_module.load_compiled(text, name="inline.yaml", cache_dir=cache) is first
    (cached,) = cache.glob("*.json")
    assert cached.stem == compiled_module.content_key(text, "inline.yaml")
    compiled_module._memory.clear()

    def no_check(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached protocol must not be checked again")

    original = compiled_module.check
    compiled_module.check = no_check  # type: ignore[assignment]
    try:
        again = compiled_module.load_compiled(text, name="inline.yaml", cache_dir=cache)
    finally:
        compiled_module.check = original
    assert again == protocol and again.calculates == protocol.calculates
    assert json.loads(cached.read_text(encoding="utf-8"))["format"] == compiled_module.COMPILED_FORMAT
    cached.write_text('{"format": "waypoint-compiled-protocol/1", "id": 3}', encoding="utf-8")
    compiled_module._memory.clear()
    assert compiled_module.load_compiled(text, name="inline.yaml", cache_dir=cache) == protocol
    assert compiled_module.from_compiled(json.loads(cached.read_text(encoding="utf-8"))) == protocol


def test_ca009_long_sums_are_flat() -> None:
    source = " + ".join(f"if(${{q{i}}} = 'yes', 1, 0)" for i in range(40))
    expression = parse(source)
    assert depth(expression.tree) <= 5
    assert expression.evaluate(lambda name: "yes") == 40
    assert expression.evaluate(lambda name: "no" if name == "q3" else "yes") == 39
    grouped = parse("(1 + 2) * 3 + 1")
    assert grouped.evaluate(lambda name: UNKNOWN) == 10
    assert parse("2 - 1 - 1").evaluate(lambda name: UNKNOWN) == 0


def test_ca010_term_by_term_sums_equal_full_evaluation() -> None:
    questions = "\n".join(
        f"      - id: q{i}\n        kind: {'number' if i % 4 == 3 else 'yes_no'}\n        text: Q{i}?"
        + (f"\n        relevant: ${{q{i - 1}}} != 'no'" if i % 5 == 4 else "")
        for i in range(24)
    )
    terms = " + ".join(
        f"${{q{i}}} div 4" if i % 4 == 3 else f"if(${{q{i}}} = 'yes', 1, 0)" for i in range(24)
    )
    body = (
        "sections:\n  - id: s\n    title: S\n    questions:\n" + questions + "\n"
        f"calculates:\n  - id: total\n    calculation: {terms}\n"
        "  - id: doubled\n    calculation: ${total} + ${total} + 1\n"
    )
    protocol = protocol_from(body)
    assert protocol.calculate_terms[0] is not None
    for interview in random_fills(protocol, seed=3, fills=5, steps=60, back_rate=0.1):
        values = resolved_values(protocol, interview)
        resolve = values.get
        for calculate in protocol.calculates:
            full = calculate.calculation.evaluate(lambda name, resolve=resolve: resolve(name, UNKNOWN))
            assert values[calculate.id] is full or values[calculate.id] == full


def test_ca011_library_compiled_cache(tmp_path: Path) -> None:
    from screening_protocols import library

    checked = library.list_protocols()
    try:
        library.use_compiled_cache(tmp_path)
        compiled_module._memory.clear()
        assert library.list_protocols() == checked
        assert len(list(tmp_path.glob("*.json"))) == len(checked)
        compiled_module._memory.clear()
        library.get_protocol.cache_clear()
        assert library.list_protocols() == checked
    finally:
        library.use_compiled_cache(None)


def test_ca012_terms_reading_several_names_stay_equal_to_full_evaluation() -> None:
    count = 16
    questions = "\n".join(
        f"      - id: q{i}\n        kind: yes_no\n        text: Q{i}?"
        + (f"\n        relevant: ${{q{i - 1}}} != 'no'" if i % 4 == 2 else "")
        + ("\n        relevant: ${first} < 2" if i == 9 else "")
        for i in range(count)
    )
    pairs = " + ".join(
        f"if(${{q{i}}} = 'yes' and ${{q{i + 1}}} != 'no', 1, 0)" for i in range(0, count - 1, 2)
    )
    body = (
        "sections:\n  - id: s\n    title: S\n    questions:\n" + questions + "\n"
        "calculates:\n"
        "  - id: first\n    calculation: "
        "if(${q0} = 'yes', 1, 0) + if(${q1} = 'yes', 1, 0) + if(${q3} != 'no', 1, 0)\n"
        f"  - id: pairs\n    calculation: {pairs}\n"
        "  - id: mixed\n    calculation: "
        "${first} + if(${pairs} > 1 or ${q5} = 'yes', 2, 0) + ${first} * 0.5\n"
    )
    protocol = protocol_from(body)
    assert all(chain is not None for chain in protocol.calculate_terms)
    for interview in random_fills(protocol, seed=12, fills=12, steps=50, back_rate=0.15):
        values = resolved_values(protocol, interview)
        fresh = resolved_values(protocol, Interview.from_dict(interview.to_dict()))
        for calculate in protocol.calculates:
            full = calculate.calculation.evaluate(lambda name, seen=values: seen.get(name, UNKNOWN))
            kept = values.get(calculate.id, UNKNOWN)
            assert kept is full or kept == full, calculate.id
            assert fresh.get(calculate.id, UNKNOWN) == kept or fresh.get(calculate.id) is kept
