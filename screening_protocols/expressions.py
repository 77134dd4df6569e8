"""The XLSForm expression subset used for relevance, constraints and rules, read without `eval`.

Grammar (lowest precedence first)::

    expr     := or
    or       := and ('or' and)*
    and      := not ('and' not)*
    not      := 'not' not | equality
    equality := compare (('=' | '!=') compare)*
    compare  := sum (('<' | '<=' | '>' | '>=') sum)*
    sum      := product (('+' | '-') product)*
    product  := unary (('*' | 'div' | 'mod') unary)*
    unary    := '-' unary | primary
    primary  := NUMBER | STRING | '${' NAME '}' | '.' | NAME '(' [expr (',' expr)*] ')' | '(' expr ')'

Functions: selected(${q}, 'value'), count-selected(${q}), true(), false(), not(x), and for
calculates: if(c, a, b), coalesce(a, b, ...), sum(a, ...) (numbers, or the numbers of a selection),
concat(a, ...), round(x[, digits]).

Limits: at most 2,000 characters, 32 levels of nesting (parentheses, operators, function calls) and
20 characters per number; longer input is a syntax error, never a RecursionError or OverflowError.
Terms chained by one operator (`a + b + c`, `x or y or z`) are one node with many operands: a long
sum of 35 `if()` terms is one level deep, and evaluating it is a loop, not a recursion.

Evaluation uses three-valued (Kleene) logic: a declined, unsure or not-yet-known answer is `UNKNOWN`,
every operator except and/or returns `UNKNOWN` when an operand is unknown, and a condition holds only
when it is `True`. This makes every expression monotone in what is known: learning less can turn a
result into `UNKNOWN`, never flip it from true to false or back. The engine's guarantee that
"prefer not to answer" never makes an outcome more severe rests on this.

Why one module of this size: the tokenizer, the recursive-descent parser with its limits and the
three-valued evaluator are one grammar; splitting them would spread one contract over three files.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, TypeAlias


class _Unknown:
    """The one unknown value: declined, unsure, or not known yet."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; compare it with `is UNKNOWN`")


UNKNOWN: Final = _Unknown()
EMPTY: Final = ""  # a question that does not apply (its relevance is false), as in XLSForm

Value: TypeAlias = str | int | float | bool | tuple[str, ...] | _Unknown
Resolver: TypeAlias = Callable[[str], Value]
Evaluator: TypeAlias = Callable[[Resolver], Value]

SELF = "."

# Limits that keep a hostile expression from exhausting the parser, the evaluator or float conversion.
MAX_EXPRESSION_LENGTH = 2000
MAX_DEPTH = 32
MAX_NUMBER_LENGTH = 20
_TOO_DEEP = f"it is nested more than {MAX_DEPTH} levels deep: split it into simpler conditions"


class ExpressionSyntaxError(ValueError):
    """The expression text does not follow the grammar; the message says where."""


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\})
     |(?P<number>\d+(?:\.\d+)?|\.\d+)
     |(?P<string>'[^']*'|"[^"]*")
     |(?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
     |(?P<word>[A-Za-z_][A-Za-z0-9_-]*)
     |(?P<self>\.)
    )""",
    re.VERBOSE,
)

# name -> (fewest, most) arguments
FUNCTIONS: Final[dict[str, tuple[int, int]]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "not": (1, 1),
    "if": (3, 3),
    "coalesce": (2, 64),
    "sum": (1, 64),
    "concat": (1, 64),
    "round": (1, 2),
}
_CHAINED = frozenset({"+", "*", "and", "or"})  # associative: a run of them becomes one n-ary node
_WORD_OPERATORS = {"and", "or", "not", "div", "mod"}


@dataclass(frozen=True)
class Node:
    """One node of the syntax tree: an operator (or function) and its operands."""

    op: str
    args: tuple[Node, ...] = ()
    value: Value | None = None
    grouped: bool = field(default=False, compare=False)  # written in parentheses: not extended by a chain


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source text, the question ids it reads, and how to evaluate it."""

    source: str
    tree: Node = field(compare=False, repr=False)
    references: frozenset[str] = field(compare=False)
    evaluate: Evaluator = field(compare=False, repr=False)

    def holds(self, resolve: Resolver) -> bool | _Unknown:
        """True, False or UNKNOWN: whether the condition holds for the values `resolve` gives."""
        value = self.evaluate(resolve)
        return value if value is True or value is False else truth(value)


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    source = source.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise ExpressionSyntaxError(f"unexpected character {source[position:].strip()[:1]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind == "name":
            kind = "ref"
        text = match.group("name") if kind == "ref" else match.group(kind)
        if kind == "word" and text in _WORD_OPERATORS:
            kind = "op"
        tokens.append((kind, text))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        if len(source) > MAX_EXPRESSION_LENGTH:
            raise ExpressionSyntaxError(f"it is longer than {MAX_EXPRESSION_LENGTH} characters")
        self.tokens = _tokenize(source)
        self.index = 0
        self.nesting = 0

    def enter(self) -> None:
        """Count one more level of recursion; refuse before Python's own limit is reached."""
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ExpressionSyntaxError(_TOO_DEEP)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take_op(self, *ops: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in ops:
            self.index += 1
            return token[1]
        return None

    def expect(self, op: str) -> None:
        if self.take_op(op) is None:
            found = self.peek()
            raise ExpressionSyntaxError(
                f"expected '{op}' but found {found[1]!r}" if found else f"missing '{op}'"
            )

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionSyntaxError("the expression is empty")
        node = self.parse_or()
        if (token := self.peek()) is not None:
            raise ExpressionSyntaxError(f"unexpected {token[1]!r}")
        if depth(node) > MAX_DEPTH:
            raise ExpressionSyntaxError(_TOO_DEEP)
        return node

    def binary(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while (op := self.take_op(*ops)) is not None:
            right = operand()
            if op in _CHAINED and node.op == op and not node.grouped:
                node = Node(op, (*node.args, right))
            else:
                node = Node(op, (node, right))
        return node

    def parse_or(self) -> Node:
        self.enter()
        node = self.binary(("or",), self.parse_and)
        self.nesting -= 1
        return node

    def parse_and(self) -> Node:
        return self.binary(("and",), self.parse_not)

    def parse_not(self) -> Node:
        if self.take_op("not") is not None:
            self.enter()
            node = Node("not", (self.parse_not(),))
            self.nesting -= 1
            return node
        return self.parse_equality()

    def parse_equality(self) -> Node:
        return self.binary(("=", "!="), self.parse_compare)

    def parse_compare(self) -> Node:
        return self.binary(("<", "<=", ">", ">="), self.parse_sum)

    def parse_sum(self) -> Node:
        return self.binary(("+", "-"), self.parse_product)

    def parse_product(self) -> Node:
        return self.binary(("*", "div", "mod"), self.parse_unary)

    def parse_unary(self) -> Node:
        if self.take_op("-") is not None:
            self.enter()
            node = Node("neg", (self.parse_unary(),))
            self.nesting -= 1
            return node
        return self.parse_primary()

    def parse_primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise ExpressionSyntaxError("the expression ends too early")
        kind, text = token
        self.index += 1
        if kind == "number":
            if len(text) > MAX_NUMBER_LENGTH:
                raise ExpressionSyntaxError(
                    f"the number {text[:12]}… is longer than {MAX_NUMBER_LENGTH} characters"
                )
            return Node("const", value=float(text) if "." in text else int(text))
        if kind == "string":
            return Node("const", value=text[1:-1])
        if kind == "ref":
            return Node("ref", value=text)
        if kind == "self":
            return Node("ref", value=SELF)
        if kind == "op" and text == "(":
            node = self.parse_or()
            self.expect(")")
            return Node(node.op, node.args, node.value, grouped=True) if node.op in _CHAINED else node
        if kind == "word":
            return self.parse_call(text)
        raise ExpressionSyntaxError(f"unexpected {text!r}")

    def parse_call(self, name: str) -> Node:
        if name not in FUNCTIONS:
            raise ExpressionSyntaxError(f"unknown function {name!r} (known: {', '.join(sorted(FUNCTIONS))})")
        self.expect("(")
        args: list[Node] = []
        if self.take_op(")") is None:
            args.append(self.parse_or())
            while self.take_op(",") is not None:
                args.append(self.parse_or())
            self.expect(")")
        fewest, most = FUNCTIONS[name]
        if not fewest <= len(args) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise ExpressionSyntaxError(f"{name}() takes {wanted} argument(s), not {len(args)}")
        return Node(name, tuple(args))


@functools.lru_cache(maxsize=4096)
def parse(source: str) -> Expression:
    """Parse `source` into an Expression; raise ExpressionSyntaxError when it does not fit the grammar.

    Expressions are immutable, so the same text is parsed once (lint, build and a compiled load share it).
    """
    tree = _Parser(source).parse()
    return Expression(source, tree, frozenset(references(tree)), _compile(tree))


@dataclass(frozen=True)
class Term:
    """One operand of a top-level `a + b + c ...` chain: how to evaluate it and the names it reads."""

    evaluate: Evaluator
    references: frozenset[str]


def sum_terms(expression: Expression) -> tuple[Term, ...] | None:
    """The operands of `expression` when it is a chain of three or more `+` terms, else None.

    Its value is then exactly the sum of the terms (UNKNOWN when one is): the engine keeps each
    term's value and re-evaluates only the terms that read a changed name.
    """
    tree = expression.tree
    if tree.op != "+" or len(tree.args) < 3:
        return None
    return tuple(Term(_compile(child), frozenset(references(child))) for child in tree.args)


def term_number(value: Value) -> float:
    """What a term adds to a chained sum (as `a + b + c` evaluates it)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return _number(value)


def references(node: Node) -> list[str]:
    """Every `${name}` (and `.`) the tree reads, in order of appearance."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.op == "ref":
            found.append(str(current.value))
        stack.extend(reversed(current.args))
    return found


def depth(node: Node) -> int:
    """How many levels the tree has (a constant alone is 1), counted without recursion."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in current.args)
    return deepest


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children."""
    nodes = [node]
    for child in node.args:
        nodes.extend(walk(child))
    return nodes


# --- evaluation ---------------------------------------------------------------------------------


def truth(value: Value) -> bool | _Unknown:
    """XPath boolean(): numbers are true when non-zero, strings and selections when non-empty."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, int):
        return value != 0
    return len(value) > 0  # type: ignore[arg-type]


def _number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # an integer beyond the float range
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return math.nan
    return math.nan


def _text(value: Value) -> str:
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    try:
        return str(value)
    except ValueError:  # an integer beyond Python's int-to-text limit (4,300 digits)
        return str(_number(value))


def _equal(left: Value, right: Value) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return truth(left) is truth(right)
    if isinstance(left, int | float) or isinstance(right, int | float):
        return _number(left) == _number(right)
    return _text(left) == _text(right)


def _order(op: str, left: Value, right: Value) -> bool:
    if isinstance(left, str) and isinstance(right, str) and not _is_numeric(left) and not _is_numeric(right):
        a: float | str = left
        b: float | str = right
    else:
        a, b = _number(left), _number(right)
        if math.isnan(a) or math.isnan(b):
            return False
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def _is_numeric(text: str) -> bool:
    return not math.isnan(_number(text)) if text else False


def _arithmetic(op: str, left: Value, right: Value) -> float:
    a, b = _number(left), _number(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0 or math.isnan(b) or (op == "mod" and math.isinf(a)):
        return math.nan
    return a / b if op == "div" else math.fmod(a, b)


def _selection(value: Value) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    return tuple(_text(value).split())


def _compile(node: Node) -> Evaluator:
    op = node.op
    if op == "const":
        constant = node.value
        assert constant is not None
        return lambda resolve: constant
    if op == "ref":
        name = str(node.value)
        return lambda resolve: resolve(name)
    args = [_compile(child) for child in node.args]
    if op == "true":
        return lambda resolve: True
    if op == "false":
        return lambda resolve: False
    if op in ("not",):
        (inner,) = args
        return lambda resolve: _not(truth(inner(resolve)))
    if op == "and":
        return lambda resolve: _all(args, resolve)
    if op == "or":
        return lambda resolve: _any(args, resolve)
    if op == "neg":
        (inner,) = args
        return lambda resolve: _strict1(inner(resolve), lambda v: -_number(v))
    if op == "count-selected":
        (inner,) = args
        return lambda resolve: _strict1(inner(resolve), lambda v: len(_selection(v)))
    if op == "if":
        if (fast := _compare_ref_with_text(node.args[0])) is not None and all(
            child.op == "const" for child in node.args[1:]
        ):
            then_value, otherwise_value = node.args[1].value, node.args[2].value
            assert then_value is not None and otherwise_value is not None  # constants always hold a value
            return _if_ref_is_text(*fast, then_value, otherwise_value)
        condition, then, otherwise = args
        return lambda resolve: _if(truth(condition(resolve)), then, otherwise, resolve)
    if op == "coalesce":
        return lambda resolve: _coalesce(args, resolve)
    if op == "sum":
        return lambda resolve: _strict_n(args, resolve, _sum)
    if op == "concat":
        return lambda resolve: _strict_n(args, resolve, lambda values: "".join(_text(v) for v in values))
    if op == "round":
        return lambda resolve: _strict_n(args, resolve, _round)
    if op == "+" and len(args) > 2:
        return _adder(args)
    if op == "*" and len(args) > 2:
        return lambda resolve: _strict_n(args, resolve, _product)
    left, right = args
    if op == "selected":
        return lambda resolve: _strict2(left(resolve), right(resolve), lambda a, b: _text(b) in _selection(a))
    if (fast := _compare_ref_with_text(node)) is not None:
        return _ref_is_text(*fast)
    if op == "=":
        return lambda resolve: _strict2(left(resolve), right(resolve), _equal)
    if op == "!=":
        return lambda resolve: _strict2(left(resolve), right(resolve), lambda a, b: not _equal(a, b))
    if op in ("<", "<=", ">", ">="):
        return lambda resolve: _strict2(left(resolve), right(resolve), lambda a, b: _order(op, a, b))
    return lambda resolve: _strict2(left(resolve), right(resolve), lambda a, b: _arithmetic(op, a, b))


def _compare_ref_with_text(node: Node) -> tuple[str, str, bool] | None:
    """(name, text, equal?) when `node` is `${name} = 'text'` or `${name} != 'text'`."""
    if node.op not in ("=", "!=") or len(node.args) != 2:
        return None
    left, right = node.args
    if left.op == "const" and right.op == "ref":
        left, right = right, left
    if left.op == "ref" and right.op == "const" and isinstance(right.value, str):
        return str(left.value), right.value, node.op == "="
    return None


def _ref_is_text(name: str, text: str, equal: bool) -> Evaluator:
    """`${name} = 'text'` (or `!=`), the most common condition, without the general machinery: a
    string answer compares as text directly (what `_equal` does with two strings)."""

    def evaluate(resolve: Resolver) -> Value:
        value = resolve(name)
        if type(value) is str:
            return (value == text) is equal
        if value is UNKNOWN:
            return UNKNOWN
        return _equal(value, text) is equal

    return evaluate


def _if_ref_is_text(name: str, text: str, equal: bool, then: Value, otherwise: Value) -> Evaluator:
    """`if(${name} = 'text', a, b)` with constant branches, the common calculate term, without the
    general machinery (same result as the general path: a string answer compares as text)."""

    def evaluate(resolve: Resolver) -> Value:
        value = resolve(name)
        if value is UNKNOWN:
            return UNKNOWN
        holds = value == text if type(value) is str else _equal(value, text)
        return then if holds is equal else otherwise

    return evaluate


def _adder(args: list[Evaluator]) -> Evaluator:
    """`a + b + c ...`: left-to-right additions, UNKNOWN as soon as one term is unknown."""

    def evaluate(resolve: Resolver) -> Value:
        total = 0.0
        for term in args:
            value = term(resolve)
            if value is UNKNOWN:
                return UNKNOWN
            total += value if type(value) is int or type(value) is float else _number(value)
        return total

    return evaluate


def _if(condition: bool | _Unknown, then: Evaluator, otherwise: Evaluator, resolve: Resolver) -> Value:
    """if(c, a, b): only the chosen branch is evaluated; an unknown condition gives UNKNOWN."""
    if condition is UNKNOWN:
        return UNKNOWN
    return then(resolve) if condition else otherwise(resolve)


def _coalesce(args: list[Evaluator], resolve: Resolver) -> Value:
    """The first non-empty value; an unknown one before it makes the result unknown (it may be empty
    or not), so the result never changes from one known value to another when less is known."""
    for evaluate in args:
        value = evaluate(resolve)
        if value is UNKNOWN:
            return UNKNOWN
        if value != EMPTY and value != ():
            return value
    return EMPTY


def _strict_n(args: list[Evaluator], resolve: Resolver, apply: Callable[[list[Value]], Value]) -> Value:
    values = []
    for evaluate in args:
        value = evaluate(resolve)
        if value is UNKNOWN:
            return UNKNOWN
        values.append(value)
    return apply(values)


def _sum(values: list[Value]) -> float:
    """Numbers add up; a selection (or a space-separated list) adds the number of each item."""
    total = 0.0
    for value in values:
        if isinstance(value, tuple) or (isinstance(value, str) and " " in value.strip()):
            total += math.fsum(_number(item) for item in _selection(value))
        else:
            total += _number(value)
    return total


def _plus(values: list[Value]) -> float:
    """`a + b + c`: the same left-to-right additions as the two-operand `+`."""
    total = _number(values[0])
    for value in values[1:]:
        total += _number(value)
    return total


def _product(values: list[Value]) -> float:
    result = _number(values[0])
    for value in values[1:]:
        result *= _number(value)
    return result


def _round(values: list[Value]) -> float:
    """XPath round(): halves go up (round(2.5) is 3, round(-2.5) is -2); an optional number of digits."""
    number = _number(values[0])
    digits = int(_number(values[1])) if len(values) > 1 and math.isfinite(_number(values[1])) else 0
    if not math.isfinite(number) or abs(digits) > 15:
        return number
    scale = 10.0**digits
    return math.floor(number * scale + 0.5) / scale


def _all(args: list[Evaluator], resolve: Resolver) -> bool | _Unknown:
    """Kleene and over any number of operands: one false decides, else any unknown leaves it unknown."""
    unknown = False
    for evaluate in args:
        value = evaluate(resolve)
        if value is not True and value is not False:
            value = truth(value)
        if value is False:
            return False
        if value is UNKNOWN:
            unknown = True
    return UNKNOWN if unknown else True


def _any(args: list[Evaluator], resolve: Resolver) -> bool | _Unknown:
    """Kleene or over any number of operands: one true decides, else any unknown leaves it unknown."""
    unknown = False
    for evaluate in args:
        value = evaluate(resolve)
        if value is not True and value is not False:
            value = truth(value)
        if value is True:
            return True
        if value is UNKNOWN:
            unknown = True
    return UNKNOWN if unknown else False


def _strict1(value: Value, apply: Callable[[Value], Value]) -> Value:
    return UNKNOWN if value is UNKNOWN else apply(value)


def _strict2(left: Value, right: Value, apply: Callable[[Value, Value], Value]) -> Value:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    return apply(left, right)


def _not(value: bool | _Unknown) -> bool | _Unknown:
    return UNKNOWN if value is UNKNOWN else not value
