"""The XLSForm expression subset: parsed by a small parser, evaluated in three-valued logic, never `eval`.

EX001: comparisons, and/or/not, selected(), count-selected() and arithmetic give XLSForm's results.
EX002: precedence: or < and < not < equality < comparison < sum < product < unary minus.
EX003: an unknown operand makes every operator unknown, except and/or (Kleene): false and x = false,
       true or x = true.
EX004: anything outside the grammar is a syntax error, so no Python ever runs.
EX005: a question that does not apply reads as empty: equal to '' and to nothing else.
EX006: results are monotone in what is known: forgetting an answer never flips true and false.
EX007: the shortcuts for `${q} = 'text'`, `${q} != 'text'` and `if(${q} = 'text', a, b)` give what the
       general comparison gives, for every kind of value.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening_protocols.expressions import EMPTY, UNKNOWN, ExpressionSyntaxError, Value, parse

VALUES: dict[str, Value] = {
    "yes_q": "yes",
    "no_q": "no",
    "age": 16,
    "multi": ("a", "c"),
    "gone": UNKNOWN,
    "na": EMPTY,
}


def evaluate(source: str, values: dict[str, Value] = VALUES) -> object:
    return parse(source).holds(lambda name: values.get(name, UNKNOWN))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${yes_q} = 'yes'", True),
        ("${yes_q} != 'yes'", False),
        ("${age} < 18", True),
        ("${age} >= 18", False),
        ("${age} <= 16 and ${age} > 15", True),
        ("selected(${multi}, 'c')", True),
        ("selected(${multi}, 'b')", False),
        ("count-selected(${multi}) = 2", True),
        ("${age} + 2 * 3 = 22", True),
        ("${age} div 4 = 4", True),
        ("${age} mod 5 = 1", True),
        ("-${age} < 0", True),
        ("not(${no_q} = 'yes')", True),
        ("true() and not false()", True),
        ('${yes_q} = "yes"', True),
        ("'2024-01-02' < '2024-10-01'", True),
        ("${age} = '16'", True),
    ],
)
def test_ex001_operators(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${no_q} = 'yes' or ${yes_q} = 'yes' and ${age} < 10", False),  # and binds tighter than or
        ("not ${no_q} = 'yes' and ${age} = 16", True),  # not applies to the comparison
        ("1 + 2 * 3 = 7", True),
        ("(1 + 2) * 3 = 9", True),
        ("2 < 3 = true()", True),  # comparison before equality
    ],
)
def test_ex002_precedence(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${gone} = 'yes'", UNKNOWN),
        ("${gone} != 'yes'", UNKNOWN),
        ("not(${gone} = 'yes')", UNKNOWN),
        ("${gone} + 1 > 0", UNKNOWN),
        ("selected(${gone}, 'a')", UNKNOWN),
        ("count-selected(${gone}) > 0", UNKNOWN),
        ("${gone} = 'yes' and ${no_q} = 'yes'", False),
        ("${gone} = 'yes' and ${yes_q} = 'yes'", UNKNOWN),
        ("${gone} = 'yes' or ${yes_q} = 'yes'", True),
        ("${gone} = 'yes' or ${no_q} = 'yes'", UNKNOWN),
        ("${not_reached} = 'yes'", UNKNOWN),
    ],
)
def test_ex003_unknown_is_kleene(source: str, expected: object) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    "source",
    ["", "${a} ==", "__import__('os')", "${a} = 'yes' ;", "eval(1)", "${a} = ", "(1", "selected(${a})",
     "1 +* 2", "${a b}", "${a} === 'x'", "${a} = 'yes' # comment"],
)  # fmt: skip
def test_ex004_outside_the_grammar_is_a_syntax_error(source: str) -> None:
    with pytest.raises(ExpressionSyntaxError):
        parse(source)


def test_ex005_not_applicable_reads_as_empty() -> None:
    assert evaluate("${na} = 'yes'") is False
    assert evaluate("${na} = ''") is True
    assert evaluate("${na} < 18") is False
    assert evaluate("count-selected(${na}) = 0") is True


SOURCES = [
    "${a} = 'yes' or ${b} = 'no'",
    "${a} = 'yes' and not(${b} = 'yes')",
    "${n} > 12 or selected(${m}, 'x')",
    "count-selected(${m}) + ${n} >= 3 and ${a} != 'no'",
]


@given(
    a=st.sampled_from(["yes", "no", EMPTY]),
    b=st.sampled_from(["yes", "no", EMPTY]),
    n=st.integers(0, 20),
    m=st.sampled_from([("x",), ("y", "z"), ()]),
    forget=st.sets(st.sampled_from(["a", "b", "n", "m"])),
)
def test_ex006_forgetting_never_flips_a_result(
    a: str, b: str, n: int, m: tuple[str, ...], forget: set[str]
) -> None:
    known: dict[str, Value] = {"a": a, "b": b, "n": n, "m": m}
    partial = {k: (UNKNOWN if k in forget else v) for k, v in known.items()}
    for source in SOURCES:
        full, less = evaluate(source, known), evaluate(source, partial)
        assert less is UNKNOWN or less is full


def test_ex004_references_are_collected_without_running_anything() -> None:
    expression = parse("${a} = 'yes' or selected(${b}, 'x') and . > 2")
    assert expression.references == {"a", "b", "."}


SHORTCUT_VALUES: list[Value] = [
    "yes",
    "no",
    "",
    "1",
    "a b",
    1,
    0,
    1.0,
    2.5,
    True,
    False,
    ("yes",),
    ("a", "b"),
    UNKNOWN,
]


@pytest.mark.parametrize("value", SHORTCUT_VALUES, ids=repr)
@pytest.mark.parametrize("text", ["yes", "1", "", "a b"])
def test_ex007_text_comparison_shortcuts_agree_with_the_general_comparison(value: Value, text: str) -> None:
    def resolve(name: str) -> Value:
        return value

    general = f"concat('{text}')"  # not a constant: the general comparison evaluates it
    for short, long in (
        (f"${{q}} = '{text}'", f"${{q}} = {general}"),
        (f"'{text}' = ${{q}}", f"{general} = ${{q}}"),
        (f"${{q}} != '{text}'", f"${{q}} != {general}"),
        (f"if(${{q}} = '{text}', 1, 0)", f"if(${{q}} = {general}, 1, 0)"),
        (f"if(${{q}} != '{text}', 'x', 2.5)", f"if(${{q}} != {general}, 'x', 2.5)"),
    ):
        assert parse(short).evaluate(resolve) == parse(long).evaluate(resolve) or (
            parse(short).evaluate(resolve) is UNKNOWN and parse(long).evaluate(resolve) is UNKNOWN
        ), (short, value)
