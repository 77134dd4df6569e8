"""The interview state: immutable, JSON-safe, and small (answers in the order they were given)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeAlias

from screening_protocols.errors import InterviewStateError

DECLINED = "declined"  # "prefer not to answer": unknown, never "no"
UNSURE = "unsure"
YES = "yes"
NO = "no"
STATE_FORMAT = "waypoint-interview-state/1"

AnswerValue: TypeAlias = str | int | float | tuple[str, ...] | None


@dataclass(frozen=True)
class Interview:
    """Where one screening stands: the facts carried in, the answers, and the order they were asked.

    Immutable: `answer`, `decline` and `back` return a new Interview. `to_dict()` is JSON-safe and
    `Interview.from_dict(i.to_dict()) == i`.
    """

    protocol_id: str
    protocol_version: str
    facts: Mapping[str, AnswerValue] = field(default_factory=lambda: MappingProxyType({}))
    answers: Mapping[str, AnswerValue] = field(default_factory=lambda: MappingProxyType({}))
    asked: tuple[str, ...] = ()
    # The engine's walk through the protocol, kept so the next step costs O(questions skipped).
    walk_cache: object = field(default=None, compare=False, repr=False)
    # Emergency rules the officer continued past once the person was safe (engine.resume).
    resumed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.facts, MappingProxyType):
            object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))
        if not isinstance(self.answers, MappingProxyType):
            object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (lists for multiple choices) for the vault."""
        return {
            "format": STATE_FORMAT,
            "protocol_id": self.protocol_id,
            "protocol_version": self.protocol_version,
            "facts": {k: _to_json(v) for k, v in self.facts.items()},
            "answers": {k: _to_json(v) for k, v in self.answers.items()},
            "asked": list(self.asked),
            **({"resumed": list(self.resumed)} if self.resumed else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Interview:
        """Read back what `to_dict` wrote; InterviewStateError when it does not have that shape."""
        try:
            if data.get("format") != STATE_FORMAT:
                raise ValueError("unknown format")
            facts = {str(k): _from_json(v) for k, v in dict(data["facts"]).items()}
            answers = {str(k): _from_json(v) for k, v in dict(data["answers"]).items()}
            asked = tuple(str(q) for q in data["asked"])
            if set(asked) != set(answers) or len(asked) != len(answers):
                raise ValueError("answers and asked order disagree")
            resumed = tuple(str(rule) for rule in data.get("resumed", ()))
            return cls(
                str(data["protocol_id"]),
                str(data["protocol_version"]),
                facts,
                answers,
                asked,
                resumed=resumed,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InterviewStateError(reason=type(error).__name__) from None


def _to_json(value: AnswerValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _from_json(value: Any) -> AnswerValue:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        return value
    raise ValueError("an answer must be a string, a number, a list of strings or null")
