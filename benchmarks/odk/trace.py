"""The seeded answer rule of ODK's harness (bench.mjs), reproduced on Waypoint's engine.

mulberry32 seeded with `seed + i`; questions in document order; each one the engine asks gets a draw
`r` in [0, 1): single choice -> options[floor(r*n)]; multiple choice -> one choice if r < 0.5, else
two, drawn without replacement with floor(r*len(pool)); number -> floor(r*11).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.odk.spec_protocol import odk_value
from screening_protocols import (
    AskQuestion,
    Interview,
    Protocol,
    Question,
    QuestionKind,
    answer_next,
    next_step,
    start,
)
from screening_protocols.engine import resolved_values
from screening_protocols.expressions import UNKNOWN, Value

SEED = 20261125


def mulberry32(seed: int) -> Callable[[], float]:
    """The harness's PRNG, bit for bit."""
    mask = 0xFFFFFFFF
    state = seed & mask

    def rand() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & mask
        t = ((state ^ (state >> 15)) * (state | 1)) & mask
        t = ((t + (((t ^ (t >> 7)) * (t | 61)) & mask)) & mask) ^ t
        return (t ^ (t >> 14)) * _TWO_TO_MINUS_32  # t < 2**32: no mask needed; exact, as / 2**32

    return rand


_TWO_TO_MINUS_32 = 1 / 4294967296


def draw(question: Question, rand: Callable[[], float]) -> str | int | tuple[str, ...]:
    """One answer by the rule (floor of a draw in [0, 1) times a count is `int()` of it)."""
    kind = question.kind
    if kind is _SINGLE_CHOICE:
        options = question.options
        return options[int(rand() * len(options))].value
    if kind is _NUMBER:
        return int(rand() * 11)
    pool = [option.value for option in question.options]
    return tuple(pool.pop(int(rand() * len(pool))) for _ in range(1 if rand() < 0.5 else 2))


_SINGLE_CHOICE = QuestionKind.SINGLE_CHOICE
_NUMBER = QuestionKind.NUMBER


def fill(protocol: Protocol, seed: int) -> Interview:
    """Answer every question the engine asks, by the rule; the finished interview."""
    rand = mulberry32(seed)
    interview = start(protocol)
    step = next_step(protocol, interview)
    while isinstance(step, AskQuestion):
        question = step.question
        interview, step = answer_next(protocol, interview, question.id, draw(question, rand))
    return interview


def odk_text(value: Value | Any) -> str:
    """A value as ODK's trace writes it: selections space-separated, whole numbers without '.0'."""
    if value is UNKNOWN or value is None:
        return ""
    if isinstance(value, tuple):
        return " ".join(odk_value(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return odk_value(str(value))


def trace(protocol: Protocol, seed: int = SEED) -> dict[str, Any]:
    """The fill as ODK's harness records it: answers in order and the final calculate values."""
    interview = fill(protocol, seed)
    values = resolved_values(protocol, interview)
    return {
        "answers": [[qid, odk_text(interview.answers[qid])] for qid in interview.asked],
        "calculates": {c.id: odk_text(values.get(c.id, UNKNOWN)) for c in protocol.calculates},
    }
