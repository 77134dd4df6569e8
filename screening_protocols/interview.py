"""The interview state: immutable, JSON-safe, and small (answers in the order they were given).

An answer costs the same at question 800 as at question 8: the engine appends it to an `AnswerLog`
shared by every Interview that is a prefix of the same history, and each Interview sees only its own
first `n` entries (`answers` and `asked` are read-only views, O(1) to make). Answering from an
Interview that is not the end of its log (after `back`, or answering the same state twice) copies
its prefix into a new log first, so no Interview ever sees another one's answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeAlias, overload

from screening_protocols.errors import InterviewStateError

DECLINED = "declined"  # "prefer not to answer": unknown, never "no"
UNSURE = "unsure"
YES = "yes"
NO = "no"
STATE_FORMAT = "waypoint-interview-state/1"
CHANGE_FORMAT = "waypoint-interview-change/1"

AnswerValue: TypeAlias = str | int | float | tuple[str, ...] | None


class AnswerLog:
    """One line of history: question ids and their answers, only ever appended to."""

    __slots__ = ("answers", "asked", "position")

    def __init__(self, asked: Sequence[str] = (), answers: Mapping[str, AnswerValue] | None = None) -> None:
        self.asked: list[str] = list(asked)
        self.answers: dict[str, AnswerValue] = {qid: (answers or {})[qid] for qid in self.asked}
        self.position: dict[str, int] = {qid: i for i, qid in enumerate(self.asked)}

    def append(self, qid: str, value: AnswerValue) -> None:
        """Add one answer at the end (the caller owns the end: see `Interview.owns_log_end`)."""
        self.position[qid] = len(self.asked)
        self.asked.append(qid)
        self.answers[qid] = value

    def prefix(self, size: int) -> AnswerLog:
        """A new log holding the first `size` answers."""
        return AnswerLog(self.asked[:size], self.answers)


class AnswersView(Mapping[str, AnswerValue]):
    """The first `size` answers of a log, read-only."""

    __slots__ = ("_log", "_size")

    def __init__(self, log: AnswerLog, size: int) -> None:
        self._log = log
        self._size = size

    def __getitem__(self, qid: str) -> AnswerValue:
        position = self._log.position.get(qid)
        if position is None or position >= self._size:
            raise KeyError(qid)
        return self._log.answers[qid]

    def __contains__(self, qid: object) -> bool:
        position = self._log.position.get(qid) if isinstance(qid, str) else None
        return position is not None and position < self._size

    def __iter__(self) -> Iterator[str]:
        return iter(self._log.asked[: self._size])

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class AskedView(Sequence[str]):
    """The first `size` question ids of a log, in the order asked, read-only."""

    __slots__ = ("_log", "_size")

    def __init__(self, log: AnswerLog, size: int) -> None:
        self._log = log
        self._size = size

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self._log.asked[: self._size][index])
        if not -self._size <= index < self._size:
            raise IndexError(index)
        return self._log.asked[index % self._size]

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        return iter(self._log.asked[: self._size])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and not isinstance(other, str) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(tuple(self))


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
    asked: Sequence[str] = ()
    # The engine's walk through the protocol, kept so the next step costs O(questions skipped).
    walk_cache: object = field(default=None, compare=False, repr=False)
    # Emergency rules the officer continued past once the person was safe (engine.resume).
    resumed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.facts, MappingProxyType):
            object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))
        if not isinstance(self.answers, MappingProxyType | AnswersView):
            object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))
        if not isinstance(self.asked, tuple | AskedView):
            object.__setattr__(self, "asked", tuple(self.asked))

    def extended(self, log: AnswerLog, size: int, walk_cache: object) -> Interview:
        """This interview seeing the first `size` answers of `log`, its own log (the engine's answer),
        built without any `__init__`: a frozen dataclass sets each field through object.__setattr__,
        and the views need none of `__post_init__`'s conversions. One answer costs one of these."""
        answers = _new(AnswersView)
        answers._log = log
        answers._size = size
        asked = _new(AskedView)
        asked._log = log
        asked._size = size
        extended = _new(Interview)
        fields = extended.__dict__
        mine = self.__dict__
        fields["protocol_id"] = mine["protocol_id"]
        fields["protocol_version"] = mine["protocol_version"]
        fields["facts"] = mine["facts"]
        fields["answers"] = answers
        fields["asked"] = asked
        fields["walk_cache"] = walk_cache
        fields["resumed"] = mine["resumed"]
        return extended

    @property
    def log(self) -> tuple[AnswerLog, int] | None:
        """The shared log this Interview reads and how many of its answers it sees (None when the
        Interview was built from plain values, e.g. read back from JSON)."""
        answers = self.answers
        if type(answers) is AnswersView and type(self.asked) is AskedView:
            return answers._log, answers._size
        return None

    def changes_since(self, saved: Interview | None) -> dict[str, Any]:
        """What changed since `saved` (an earlier state of this interview, or None), JSON-safe:
        `keep` answers of `saved` stay, then `answers` ([qid, answer] pairs) follow, and `resumed` is
        the full list. Small when only a few answers were added: persist it instead of `to_dict()` and
        rebuild with `saved.with_changes(change)`."""
        keep = 0
        if saved is not None:
            mine, theirs = self.log, saved.log
            if mine is not None and theirs is not None and mine[0] is theirs[0] and theirs[1] <= mine[1]:
                keep = theirs[1]
            else:
                for qid_a, qid_b in zip(self.asked, saved.asked, strict=False):
                    if qid_a != qid_b or self.answers[qid_a] != saved.answers[qid_b]:
                        break
                    keep += 1
        return {
            "format": CHANGE_FORMAT,
            "keep": keep,
            "answers": [[qid, _to_json(self.answers[qid])] for qid in self.asked[keep:]],
            "resumed": list(self.resumed),
        }

    def with_changes(self, change: Mapping[str, Any]) -> Interview:
        """This state with a `changes_since` record applied; InterviewStateError if it does not fit."""
        try:
            if change.get("format") != CHANGE_FORMAT:
                raise ValueError("unknown format")
            keep = int(change["keep"])
            if not 0 <= keep <= len(self.asked):
                raise ValueError("the change starts after this state")
            added = [(str(qid), _from_json(value)) for qid, value in change["answers"]]
            asked = (*self.asked[:keep], *(qid for qid, _ in added))
            if len(set(asked)) != len(asked):
                raise ValueError("a question is answered twice")
            answers = {qid: self.answers[qid] for qid in asked[:keep]} | dict(added)
            resumed = tuple(str(rule) for rule in change["resumed"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InterviewStateError(reason=type(error).__name__) from None
        return Interview(self.protocol_id, self.protocol_version, self.facts, answers, asked, resumed=resumed)

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


_new = object.__new__


def _to_json(value: AnswerValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _from_json(value: Any) -> AnswerValue:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        return value
    raise ValueError("an answer must be a string, a number, a list of strings or null")
