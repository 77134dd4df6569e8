"""Hostile protocol files: every malformed input is a ProtocolError with file:line, fast and small.

These are the inputs an outside review found crashing or exhausting the loader (issue 11, finding 8).

HI001: an alias bomb (256 bytes that expand to millions of nodes) is refused at the first anchor.
HI002: a recursive alias is refused, not a RecursionError.
HI003: bytes that are not UTF-8 are a PR021 at the line of the first bad byte.
HI004: unquoted dates are read as text (no ValueError for 2024-13-45).
HI005: a number longer than the limit is a PR023 (no ValueError from a 5,000-digit integer).
HI006: explicit tags (`!!float 'x'`, `!!bool maybe`, `!!python/...`) are a PR022.
HI007: an `unknown: true` option without `value` is a schema error, not a KeyError.
HI008: a list where an id belongs is a schema error, not a TypeError.
HI009: 70 nested parentheses in an expression are a PR005, not a RecursionError.
HI010: 500 `+` terms in an expression are a PR005, not a RecursionError.
HI011: a 400-digit number in an expression is refused by lint (it overflowed at run time).
HI012: nesting deeper than the limit, a file larger than the limit and a non-scalar key are refused.
HI013: evaluating a comparison with a huge integer answer never raises OverflowError.
HI014: a missing or unreadable file path is a ProtocolError too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screening_protocols import ErrorCode, ProtocolError, load_protocol
from screening_protocols import expressions as ex
from screening_protocols.plain_yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_NUMBER_LENGTH

MINIMAL = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
ALIAS_BOMB = (
    b"a: &a [x,x,x,x,x,x,x,x,x]\n"
    b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    b"g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
)


def _refused(source: bytes | str) -> ProtocolError:
    data = source.encode("utf-8") if isinstance(source, str) else source
    with pytest.raises(ProtocolError) as caught:
        load_protocol(data, name="hostile.yaml")
    error = caught.value
    assert error.problems, "a ProtocolError names at least one problem"
    for found in error.problems:
        assert found.message().startswith(f"hostile.yaml:{found.line}: {found.code.name} ")
    return error


def _codes(error: ProtocolError) -> list[tuple[int, ErrorCode]]:
    return [(p.line, p.code) for p in error.problems]


def _replace(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def _with_when(expression: str) -> str:
    return _replace("when: ${paid} = 'no'", f'when: "{expression}"')


def test_hi001_alias_bomb_is_refused_at_the_first_anchor() -> None:
    assert len(ALIAS_BOMB) <= 256
    assert _codes(_refused(ALIAS_BOMB)) == [(1, ErrorCode.PR022)]


def test_hi002_recursive_alias_is_refused() -> None:
    assert _codes(_refused(b"id: x\na: &a [*a]\n")) == [(2, ErrorCode.PR022)]


def test_hi003_bytes_that_are_not_utf8_are_located() -> None:
    data = MINIMAL.replace("Minimal screen", "Minimal \udcff screen").encode("utf-8", "surrogateescape")
    error = _refused(data)
    assert _codes(error) == [(3, ErrorCode.PR021)]
    assert "0xff" in error.problems[0].message()


def test_hi004_unquoted_dates_are_text() -> None:
    protocol = load_protocol(_replace('version: "1"', "version: 2024-13-45").encode(), name="dated.yaml")
    assert protocol.version == "2024-13-45"
    protocol = load_protocol(_replace('version: "1"', "version: 2024-01-31").encode(), name="dated.yaml")
    assert protocol.version == "2024-01-31"


@pytest.mark.parametrize("number", ["9" * 5000, "9" * (MAX_NUMBER_LENGTH + 1), "1." + "0" * 400])
def test_hi005_overlong_numbers_are_refused(number: str) -> None:
    text = _replace("        fact: age\n", f"        fact: age\n        max: {number}\n")
    assert _codes(_refused(text)) == [(_line_of(text, "max:"), ErrorCode.PR023)]


@pytest.mark.parametrize(
    "tagged", ["!!float 'x'", "!!bool maybe", "!!timestamp 2024-13-45", "!!python/name:os.system", "!x y"]
)
def test_hi006_explicit_tags_are_refused(tagged: str) -> None:
    text = _replace('version: "1"', f"version: {tagged}")
    assert _codes(_refused(text)) == [(2, ErrorCode.PR022)]


def test_hi007_unknown_option_without_value_is_a_schema_error() -> None:
    text = _replace(
        "id: paid\n        kind: yes_no\n",
        "id: paid\n        kind: single_choice\n"
        "        options: [{value: 'no', label: No}, {unknown: true, label: Not sure}]\n",
    )
    text = text.replace("${paid} = 'no'", "selected(${paid}, 'no')")
    error = _refused(text)
    assert {code for _, code in _codes(error)} == {ErrorCode.PR002}
    assert "'value' is a required property" in error.details()


@pytest.mark.parametrize(
    "old, new",
    [
        ("  - id: main\n", "  - id: [main]\n"),
        ("      - id: danger\n", "      - id: [danger]\n"),
        ("  - id: not_paid\n", "  - id: [not_paid]\n"),
        ("  - id: now\n", "  - id: {now: 1}\n"),
        ("{topic: purpose,", "{topic: [purpose],"),
        ("id: minimal", "id: [minimal]"),
    ],
)
def test_hi008_a_list_or_mapping_as_an_id_is_a_schema_error(old: str, new: str) -> None:
    text = _replace(old, new)
    error = _refused(text)
    assert (_line_of(text, new.strip()), ErrorCode.PR002) in _codes(error)


def test_hi009_deeply_nested_parentheses_are_refused() -> None:
    text = _with_when("(" * 70 + "${paid} = 'no'" + ")" * 70)
    error = _refused(text)
    assert _codes(error) == [(_line_of(text, "when:"), ErrorCode.PR005)]
    assert "nested" in error.details()


def test_hi010_long_chains_of_terms_are_refused() -> None:
    # `-` nests (a - b - c is (a - b) - c); a chain of one associative operator (`+`, `or`) is one
    # n-ary node evaluated by a loop, bounded by the 2,000-character limit instead
    text = _with_when("-".join(["1"] * 500) + " > ${age}")
    error = _refused(text)
    assert _codes(error) == [(_line_of(text, "when:"), ErrorCode.PR005)]
    assert "nested" in error.details()


def test_hi011_overlong_number_in_an_expression_is_refused_by_lint() -> None:
    text = _with_when("${age} > " + "9" * 400)
    error = _refused(text)
    assert _codes(error) == [(_line_of(text, "when:"), ErrorCode.PR005)]
    assert f"{MAX_NUMBER_LENGTH}" in error.details()


def test_hi012_depth_size_and_complex_keys_are_limited() -> None:
    deep = "x: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    assert _codes(_refused(deep)) == [(1, ErrorCode.PR023)]
    large = MINIMAL + "# " + "x" * MAX_FILE_BYTES + "\n"
    assert _codes(_refused(large)) == [(1, ErrorCode.PR023)]
    assert _codes(_refused("id: x\n? [a, b]\n: c\n")) == [(2, ErrorCode.PR022)]


def test_hi013_huge_integer_answers_never_overflow() -> None:
    huge = 10**400
    for source, expected in (
        ("${q} > 1", True),
        ("${q} < 1", False),
        ("-${q} < 1", True),
        ("${q} = 1", False),
    ):
        assert ex.parse(source).holds(lambda name: huge) is expected
    assert ex.parse("${q} + ${q} > 0").holds(lambda name: huge) is True


def test_hi014_a_missing_file_is_a_protocol_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ProtocolError) as caught:
        load_protocol(missing)
    assert caught.value.problems[0].code is ErrorCode.PR021
    assert caught.value.problems[0].message().startswith(f"{missing}:1: PR021 ")
