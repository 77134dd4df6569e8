"""Whether an XLSForm expression is in Waypoint's subset: pyxform's lexer names what is not (a function,
an XPath path, `last-saved#`), then the engine's own reader must accept the rest. Nothing is parsed
by hand here.
"""

from __future__ import annotations

from collections.abc import Iterator

from screening_protocols import expressions


def unreadable_reason(text: str) -> str | None:
    """Why Waypoint cannot evaluate `text`, or None when it can."""
    for reason in _unsupported_tokens(text):
        return reason
    try:
        expressions.parse(text)
    except expressions.ExpressionSyntaxError as error:
        return str(error)
    return None


def _unsupported_tokens(text: str) -> Iterator[str]:
    from pyxform.parsing.expression import parse_expression

    for token in parse_expression(text):
        if token.type == "FUNC_CALL":
            name = str(token.value).rstrip("(").strip()
            if name not in expressions.FUNCTIONS:
                yield f"the function {name}() is not in Waypoint's subset"
        elif token.type in ("PARENT_REF", "PATH_SEP"):
            yield "it uses an XPath path instead of ${name} references"
        elif token.type == "PYXFORM_REF" and "last-saved#" in str(token.value):
            yield "it reads the last saved form (last-saved#)"


def references(text: str) -> frozenset[str]:
    """The question ids a readable expression refers to (not `.`)."""
    return expressions.parse(text).references - {expressions.SELF}
