"""The screening engine: pure functions over an immutable Interview.

    interview = start(protocol, facts={"age": 16})
    step = next_step(protocol, interview)     # AskQuestion | EmergencyStop | Finished
    interview = answer(protocol, interview, step.question.id, "yes")
    interview, step = answer_next(protocol, interview, step.question.id, "yes")   # with the next step
    interview = decline(protocol, interview, qid)                 # decline_next: with the next step
    interview = back(protocol, interview)
    interview = resume(protocol, interview)   # after an EmergencyStop, once the person is safe

Questions are asked in file order. A question is asked when its relevance is *true*; when it is false
the question does not apply, and when it is unknown (it depends on a declined answer) it is not asked
and stays unknown, unless the question says `ask_when_unknown` (a declined gate then asks it). A
question whose fact is already known is never asked. Relevance only reads earlier
questions (lint enforces it), so each step continues from where the last one stopped: the cost of a
step is the number of questions it skips, not the size of the protocol.

Calculates are re-evaluated incrementally: when a value changes, only the calculates that read it
run again, in dependency order, and theirs only when their own value changed. An answer appends to
the interview's shared log (interview.AnswerLog) and updates the walk's values in place, so it costs
the same at question 800 as at question 8. Answering computes the next step once: `answer_next`
(and `decline_next`) return it with the new Interview, and `next_step` on that Interview reads the
same object back, so a caller never walks twice for one answer. The walk of an interview that knows
nothing yet (no facts, no answers) is computed once per protocol, and each such interview walks on
from a copy of it.

Why one module of this size: every public step (start, answer, decline, back, resume, next_step)
walks the same state with the same rules; the outcome and the model live elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from heapq import heappop, heappush
from types import MappingProxyType
from typing import NamedTuple, TypeGuard

from screening_protocols.errors import (
    BAD_FACT,
    CONSTRAINT,
    INFO_ONLY,
    INFO_ONLY_TODO,
    NEEDS_ANSWER,
    NEEDS_ANSWER_TODO,
    NO_PREVIOUS,
    NO_PREVIOUS_TODO,
    NOT_CURRENT,
    NOT_CURRENT_TODO,
    STOPPED,
    STOPPED_TODO,
    UNKNOWN_QUESTION,
    UNKNOWN_QUESTION_TODO,
    WRONG_PROTOCOL,
    WRONG_PROTOCOL_TODO,
    AnswerError,
)
from screening_protocols.expressions import (
    EMPTY,
    SELF,
    UNKNOWN,
    Evaluator,
    Resolver,
    Value,
    term_number,
    truth,
)
from screening_protocols.interview import (
    DECLINED,
    NO,
    UNSURE,
    YES,
    AnswerLog,
    AnswersView,
    AnswerValue,
    AskedView,
    Interview,
)
from screening_protocols.model import Calculate, EmergencyRule, Protocol, Question, QuestionKind

__all__ = [
    "Answered",
    "AskQuestion",
    "EmergencyStop",
    "Finished",
    "Step",
    "allowed_answers",
    "answer",
    "answer_next",
    "back",
    "carried_facts",
    "decline",
    "decline_next",
    "next_step",
    "resolved_values",
    "resume",
    "start",
]

YES_NO_ANSWERS = (YES, NO, UNSURE)

# The kinds bound once: reading an enum member through its class is a descriptor call, and checking
# an answer compares kinds several times.
_INFO = QuestionKind.INFO
_YES_NO = QuestionKind.YES_NO
_SINGLE_CHOICE = QuestionKind.SINGLE_CHOICE
_MULTIPLE_CHOICE = QuestionKind.MULTIPLE_CHOICE
_NUMBER = QuestionKind.NUMBER
_DATE = QuestionKind.DATE


@dataclass(frozen=True)
class AskQuestion:
    """Ask this question now. `position` is 1-based; `estimated_total` is an estimate (skip logic)."""

    question: Question
    position: int
    estimated_total: int


@dataclass(frozen=True)
class EmergencyStop:
    """Stop questioning: an immediate-danger rule holds. Show the guidance (`render_emergency`)."""

    rules: tuple[EmergencyRule, ...]
    because: tuple[str, ...]

    @property
    def guidance(self) -> tuple[str, ...]:
        """The officer guidance of each rule, in the source language."""
        return tuple(rule.guidance for rule in self.rules)

    @property
    def referral_needs(self) -> tuple[str, ...]:
        """Referral needs the rules name, without repeats."""
        return tuple(dict.fromkeys(need for rule in self.rules for need in rule.referral_needs))


@dataclass(frozen=True)
class Finished:
    """Every question that applies has been asked; read the `outcome`."""


Step = AskQuestion | EmergencyStop | Finished


class Answered(NamedTuple):
    """What answering returns: the new Interview and what to do next (`next_step` of it, computed once).

    A tuple, so `interview, step = answer_next(...)` reads naturally.
    """

    interview: Interview
    step: Step


class _Values(dict[str, Value]):
    """The walk's values by name; a name not resolved yet reads as UNKNOWN, so `values.__getitem__`
    is the resolver expressions call (a C-level lookup, not a Python function per read)."""

    __slots__ = ()

    def __missing__(self, name: str) -> Value:
        return UNKNOWN


@dataclass(eq=False, slots=True)
class _Walk:
    """How far the interview has got: resolved values (questions before `cursor`, and calculates),
    the question at `cursor`. The next answer moves the walk on in place and hands it to the new
    Interview; the answered one drops it, and walks again from the start if it is asked again."""

    values: _Values
    cursor: int  # index of the question to ask; len(questions) when none is left
    emergencies: tuple[EmergencyRule, ...]
    protocol: Protocol  # the walk is only valid for the protocol it was computed with
    sums: dict[int, _Sum] = field(repr=False)  # by calculate index, like values
    step: Step | None = field(default=None, repr=False)
    log: tuple[AnswerLog, int] | None = field(default=None, repr=False)  # its Interview's, once known
    resolve: Resolver = field(init=False, repr=False)  # values.__getitem__, bound once

    def __post_init__(self) -> None:
        self.resolve = self.values.__getitem__

    def copy(self) -> _Walk:
        """A walk that moves on independently of this one (its step, immutable, is shared)."""
        sums = {index: kept.copy() for index, kept in self.sums.items()}
        return _Walk(_Values(self.values), self.cursor, self.emergencies, self.protocol, sums, self.step)


@dataclass(eq=False, slots=True)
class _Sum:
    """A calculate that is a chain of `+` terms, kept term by term: each term's evaluator and value,
    how many values are unknown, the exact total of the whole-number ones and how many are not
    whole numbers. A changed name re-evaluates only the terms that read it (`_mark`)."""

    evaluators: tuple[Evaluator, ...]
    terms: list[Value]
    unknown: int = 0
    total: int = 0
    fractional: int = 0

    @classmethod
    def of(cls, evaluators: tuple[Evaluator, ...], resolve: Resolver) -> _Sum:
        """Every term evaluated."""
        kept = cls(evaluators, [evaluate(resolve) for evaluate in evaluators])
        for value in kept.terms:
            if value is UNKNOWN:  # every term, at the start of an interview
                kept.unknown += 1
            else:
                kept.count(value, 1)
        return kept

    def copy(self) -> _Sum:
        return _Sum(self.evaluators, self.terms.copy(), self.unknown, self.total, self.fractional)

    def count(self, value: Value, sign: int) -> None:
        if value is UNKNOWN:
            self.unknown += sign
            return
        if type(value) is int:  # the usual term, if(..., 1, 0): exact, no conversion
            self.total += sign * value
            return
        if type(value) is float and value.is_integer():  # e.g. another sum's value
            self.total += sign * int(value)
            return
        number = term_number(value)
        if math.isfinite(number) and number == int(number):
            self.total += sign * int(number)
        else:
            self.fractional += sign

    def value(self) -> Value:
        if self.unknown:
            return UNKNOWN
        if self.fractional:  # left to right, exactly as `a + b + c` adds
            total = 0.0
            for term in self.terms:
                total += term_number(term)
            return total
        return float(self.total)


def start(protocol: Protocol, facts: Mapping[str, AnswerValue] | None = None) -> Interview:
    """Begin an interview. `facts` carried from earlier (e.g. {"age": 16}) are never asked again.

    A fact the protocol declares is checked like an answer to its question (AnswerError when it does
    not fit); facts it does not declare are kept and reported but not used.
    """
    checked: dict[str, AnswerValue] = {}
    for fact, value in (facts or {}).items():
        question = protocol.by_fact.get(fact)
        if question is None:
            checked[fact] = value
            continue
        try:
            checked[fact] = _checked_value(protocol, question, value, {})
        except AnswerError:
            raise AnswerError(
                BAD_FACT, None, fact=fact, qid=question.id, allowed=allowed_answers(question)
            ) from None
    return Interview(protocol.id, protocol.version, checked)


def next_step(protocol: Protocol, interview: Interview) -> Step:
    """What to do now: ask a question, stop for an emergency, or finish."""
    walk = _walk(protocol, interview)
    if walk.step is None:
        walk.step = _step(protocol, interview, walk, len(interview.asked) + 1)
    return walk.step


def _step(protocol: Protocol, interview: Interview, walk: _Walk, position: int) -> Step:
    """The step the walk has reached; `position` is the 1-based number of the question it would ask."""
    if walk.emergencies:
        references = (protocol.question_sources(rule.when.references) for rule in walk.emergencies)
        because = sorted(
            {ref for refs in references for ref in refs if ref in interview.answers},
            key=lambda qid: protocol.by_id[qid].index,
        )
        return EmergencyStop(walk.emergencies, tuple(because))
    if walk.cursor >= len(protocol.questions):
        return Finished()
    cursor = walk.cursor
    later = protocol.estimated_after[cursor]
    if interview.facts:
        by_fact = protocol.by_fact
        known_later = sum(
            1 for fact in interview.facts if (q := by_fact.get(fact)) is not None and q.index > cursor
        )
        later = max(0, later - known_later)
    # Built without the frozen dataclass's __init__ (an object.__setattr__ per field): one per answer.
    ask = _new(AskQuestion)
    fields = ask.__dict__
    fields["question"] = protocol.questions[cursor]
    fields["position"] = position
    fields["estimated_total"] = position + later
    return ask


_new = object.__new__


def answer(protocol: Protocol, interview: Interview, qid: str, value: AnswerValue) -> Interview:
    """Record `value` for the current question `qid`; AnswerError when it does not fit.

    Yes/no questions take "yes", "no", "unsure"; choices take option values (a list for multiple
    choice); numbers, ISO dates ("YYYY-MM-DD") and short text per type; "declined" everywhere;
    None acknowledges an information screen or skips an optional question.
    """
    return answer_next(protocol, interview, qid, value).interview


def answer_next(protocol: Protocol, interview: Interview, qid: str, value: AnswerValue) -> Answered:
    """`answer`, returning the next step with the new Interview (the step is computed once, here).

    Raises:
        AnswerError: as `answer`.
    """
    walk = interview.walk_cache
    if (
        type(walk) is _Walk
        and walk.protocol is protocol
        and type(step := walk.step) is AskQuestion
        and step.question.id == qid
    ):  # answering the current question
        question = step.question
    else:
        question, walk = _current(protocol, interview, qid)
    if type(value) is str and question.kind is _SINGLE_CHOICE and question.constraint is None:
        option = question.options_by_value.get(value)
        if option is not None or value == DECLINED:  # the usual answer: one lookup checks it
            rule = UNKNOWN if option is None or option.unknown or value == DECLINED else value
            return _advance(protocol, interview, walk, question, value, rule)
    checked = _checked_value(protocol, question, value, walk.values)
    return _advance(protocol, interview, walk, question, checked, _rule_value(question, checked))


def decline(protocol: Protocol, interview: Interview, qid: str) -> Interview:
    """ "Prefer not to answer" the current question `qid`: recorded as unknown, never as "no"."""
    return decline_next(protocol, interview, qid).interview


def decline_next(protocol: Protocol, interview: Interview, qid: str) -> Answered:
    """`decline`, returning the next step with the new Interview.

    Raises:
        AnswerError: as `decline`.
    """
    question, walk = _current(protocol, interview, qid)
    if not question.kind.answerable:
        raise AnswerError(INFO_ONLY, INFO_ONLY_TODO, qid=qid)
    return _advance(protocol, interview, walk, question, DECLINED, UNKNOWN)


def resume(protocol: Protocol, interview: Interview) -> Interview:
    """Continue after an EmergencyStop, once the officer says the person is safe: every answer is kept,
    the rules that stopped the screen stay in the outcome (its level stays `immediate_danger`), and
    the next question is asked. When the screen is not stopped for an emergency, nothing changes (a
    second tap on "continue" is harmless)."""
    step = next_step(protocol, interview)
    if not isinstance(step, EmergencyStop):
        return interview
    resumed = (*interview.resumed, *(rule.id for rule in step.rules))
    return Interview(
        interview.protocol_id,
        interview.protocol_version,
        interview.facts,
        interview.answers,
        interview.asked,
        resumed=resumed,
    )


def back(protocol: Protocol, interview: Interview) -> Interview:
    """Undo the last answer: its question becomes the current question again (the answer is removed)."""
    _same_protocol(protocol, interview)
    if not interview.asked:
        raise AnswerError(NO_PREVIOUS, NO_PREVIOUS_TODO)
    log, size = _log(interview)
    return Interview(
        interview.protocol_id,
        interview.protocol_version,
        interview.facts,
        AnswersView(log, size - 1),
        AskedView(log, size - 1),
        resumed=interview.resumed,
    )


def allowed_answers(question: Question) -> str:
    """A short description of what the question accepts, for error messages and the CLI."""
    kind = question.kind
    if kind is QuestionKind.INFO:
        return "null (acknowledge)"
    if kind is QuestionKind.YES_NO:
        allowed = ", ".join(YES_NO_ANSWERS)
    elif kind is QuestionKind.SINGLE_CHOICE:
        allowed = "one of " + ", ".join(o.value for o in question.options)
    elif kind is QuestionKind.MULTIPLE_CHOICE:
        allowed = "a list of " + ", ".join(o.value for o in question.options)
    elif kind is QuestionKind.NUMBER:
        low = "" if question.minimum is None else f" from {question.minimum:g}"
        high = "" if question.maximum is None else f" to {question.maximum:g}"
        allowed = f"a number{low}{high}"
    elif kind is QuestionKind.DATE:
        allowed = "a date as YYYY-MM-DD"
    else:
        allowed = f"text of at most {question.max_length} characters"
    optional = "" if question.required else ", null (skip)"
    return f"{allowed}, {DECLINED}{optional}"


def carried_facts(protocol: Protocol, interview: Interview) -> dict[str, AnswerValue]:
    """Every fact known after this interview (given at the start or answered), to carry forward."""
    facts = dict(interview.facts)
    for question in protocol.questions:
        if question.fact and question.id in interview.answers:
            facts[question.fact] = interview.answers[question.id]
    return facts


def resolved_values(protocol: Protocol, interview: Interview) -> Mapping[str, Value]:
    """What each question's value is for the rules: its answer, EMPTY (does not apply) or UNKNOWN.

    Questions not reached yet are absent, and read as UNKNOWN. Calculates are included by id. A copy:
    the walk's own values change in place with the next answer.
    """
    return MappingProxyType(dict(_walk(protocol, interview).values))


# --- internals ----------------------------------------------------------------------------------


def _same_protocol(protocol: Protocol, interview: Interview) -> None:
    if interview.protocol_id != protocol.id:
        raise AnswerError(
            WRONG_PROTOCOL,
            WRONG_PROTOCOL_TODO,
            interview_protocol=interview.protocol_id,
            protocol=protocol.id,
        )


def _current(protocol: Protocol, interview: Interview, qid: str) -> tuple[Question, _Walk]:
    """The question `qid` when it is the one to answer now (AnswerError otherwise), and the walk."""
    walk = interview.walk_cache
    if type(walk) is not _Walk or walk.protocol is not protocol:
        walk = _walk(protocol, interview)  # AnswerError when the interview is of another protocol
    step = walk.step
    if step is None:
        step = walk.step = _step(protocol, interview, walk, len(interview.asked) + 1)
    if type(step) is AskQuestion and step.question.id == qid:
        return step.question, walk
    question = protocol.by_id.get(qid)
    if question is None:
        raise AnswerError(UNKNOWN_QUESTION, UNKNOWN_QUESTION_TODO, qid=qid, protocol=protocol.id)
    if isinstance(step, EmergencyStop):
        raise AnswerError(STOPPED, STOPPED_TODO, qid=qid, reason="immediate danger")
    if isinstance(step, Finished):
        raise AnswerError(STOPPED, STOPPED_TODO, qid=qid, reason="finished")
    raise AnswerError(NOT_CURRENT, NOT_CURRENT_TODO, qid=qid, current=step.question.id)


def _advance(
    protocol: Protocol, interview: Interview, walk: _Walk, question: Question, value: AnswerValue, rule: Value
) -> Answered:
    """Record the checked `value` (`rule`: what the rules read, `_rule_value`), walk on, and build
    the next step."""
    log, size = walk.log or _log(interview)
    if size != len(log.asked):
        log = log.prefix(size)  # an earlier state answered again: its own line of history from here
    log.append(question.id, value)
    mine = interview.__dict__  # a frozen dataclass: its fields are set through __dict__
    mine["walk_cache"] = None  # the walk moves on (in place) with the answer
    walk.values[question.id] = rule
    # The log now holds exactly this interview's answers and the new one: its dict is the answers.
    facts = mine["facts"]
    _continue(protocol, facts, log.answers, walk, question.index + 1, mine["resumed"], question.id)
    size += 1
    answered = interview.extended(log, size, walk)
    cursor = walk.cursor
    if walk.emergencies or facts or cursor == len(protocol.questions):
        step = _step(protocol, answered, walk, size + 1)
    else:  # the usual step, built here as `_step` builds it: one call less per answer
        step = _new(AskQuestion)
        fields = step.__dict__
        fields["question"] = protocol.questions[cursor]
        fields["position"] = size + 1
        fields["estimated_total"] = size + 1 + protocol.estimated_after[cursor]
    walk.step = step
    walk.log = (log, size)
    return _tuple_new(Answered, (answered, step))  # Answered(answered, step), without its __new__ wrapper


_tuple_new = tuple.__new__


def _log(interview: Interview) -> tuple[AnswerLog, int]:
    """The log the interview reads, making one from plain answers the first time (O(answers) once)."""
    if (shared := interview.log) is not None:
        return shared
    log = AnswerLog(interview.asked, interview.answers)
    return log, len(log.asked)


def _walk(protocol: Protocol, interview: Interview) -> _Walk:
    cached = interview.walk_cache
    if isinstance(cached, _Walk) and cached.protocol is protocol:
        return cached
    _same_protocol(protocol, interview)
    if not interview.answers and not interview.facts and not interview.resumed:
        walk = _first_walk(protocol).copy()
    else:
        walk = _Walk(_Values(), 0, (), protocol, {})
        _continue(protocol, interview.facts, interview.answers, walk, 0, interview.resumed)
    object.__setattr__(interview, "walk_cache", walk)
    return walk


def _first_walk(protocol: Protocol) -> _Walk:
    """The walk of an interview that knows nothing yet, computed once per protocol (never changed:
    each interview walks on from a copy)."""
    first = protocol.engine_memo.get("first_walk")
    if type(first) is _Walk:
        return first
    first = _Walk(_Values(), 0, (), protocol, {})
    _continue(protocol, {}, {}, first, 0)
    first.step = _step(protocol, Interview(protocol.id, protocol.version), first, 1)
    protocol.engine_memo["first_walk"] = first
    return first


def _continue(
    protocol: Protocol,
    facts: Mapping[str, AnswerValue],
    answers: Mapping[str, AnswerValue],
    walk: _Walk,
    index: int,
    resumed: tuple[str, ...] = (),
    changed: str | None = None,
) -> None:
    """Walk on from question `index`, resolving what is skipped, up to the next question to ask:
    the walk's values, sums, cursor and emergencies are updated in place.

    `changed` is the name whose value changed since the walk's values (and sums) were last
    consistent (the answer); None means they are new, so every calculate runs once in full.
    """
    questions = protocol.questions
    values = walk.values
    sums = walk.sums
    readers = protocol.term_readers
    pending: list[int] = []  # a heap of calculate indexes: dependency order
    resolve = walk.resolve
    if changed is None:
        pending = list(range(len(protocol.calculates)))
    elif changed in readers:
        _mark(readers, resolve, sums, pending, changed)
    cursor = count = len(questions)
    while index < count:
        question = questions[index]
        qid = question.id
        fact = question.fact
        if qid in answers:
            value = _rule_value(question, answers[qid])
        elif fact is not None and fact in facts:
            value = _rule_value(question, facts[fact])
        elif question.relevant is None:
            cursor = index
            break
        else:
            if pending and index in protocol.reads_calculates:
                _recalculate(protocol, values, resolve, sums, pending)
            relevant = question.relevant.evaluate(resolve)
            if relevant is not True and relevant is not False:
                relevant = truth(relevant)
            if relevant is True or (relevant is UNKNOWN and question.ask_when_unknown):
                cursor = index
                break
            value = EMPTY if relevant is False else UNKNOWN
        values[qid] = value
        if qid in readers:
            _mark(readers, resolve, sums, pending, qid)
        index += 1
    if pending:
        _recalculate(protocol, values, resolve, sums, pending)
    fired = (
        tuple(
            rule
            for rule in protocol.emergencies
            if rule.id not in resumed and rule.when.holds(resolve) is True
        )
        if protocol.emergencies
        else ()
    )
    walk.cursor = cursor
    walk.emergencies = fired


def _mark(
    readers: Mapping[str, tuple[tuple[int, tuple[int, ...]], ...]],
    resolve: Resolver,
    sums: dict[int, _Sum],
    pending: list[int],
    name: str,
) -> None:
    """`name` changed: queue the calculates that read it, and in those kept term by term evaluate
    the terms that read it now (a later change to another name they read evaluates them again). A
    kept sum that was unknown and still has an unknown term keeps its value, and is not queued."""
    for reader, indexes in readers[name]:
        kept = sums.get(reader)
        if kept is not None:  # re-evaluate the terms that read `name`; count the new values
            terms = kept.terms
            evaluators = kept.evaluators
            unknown_before = kept.unknown
            for index in indexes:
                old, new = terms[index], evaluators[index](resolve)
                if old is new:
                    continue
                terms[index] = new
                # The usual values, whole numbers and UNKNOWN, counted inline; others by `count`.
                if type(old) is int:
                    kept.total -= old
                elif old is UNKNOWN:
                    kept.unknown -= 1
                else:
                    kept.count(old, -1)
                if type(new) is int:
                    kept.total += new
                elif new is UNKNOWN:
                    kept.unknown += 1
                else:
                    kept.count(new, 1)
            if unknown_before and kept.unknown:
                continue  # a term is still unknown, so the sum is: its value cannot have changed
        if reader not in pending:
            heappush(pending, reader)


def _recalculate(
    protocol: Protocol, values: _Values, resolve: Resolver, sums: dict[int, _Sum], pending: list[int]
) -> None:
    """Run the queued calculates in dependency order, each once, and queue the readers of each one
    whose value changed."""
    calculates = protocol.calculates
    readers = protocol.term_readers
    while pending:
        index = heappop(pending)
        calculate = calculates[index]
        new = _run_calculate(calculate, protocol, index, resolve, sums)
        name = calculate.id
        old = values.get(name, _ABSENT)
        if old is new or (type(old) is type(new) and old == new):
            continue
        values[name] = new
        if name in readers:
            _mark(readers, resolve, sums, pending, name)


_ABSENT = object()


def _run_calculate(
    calculate: Calculate, protocol: Protocol, index: int, resolve: Resolver, sums: dict[int, _Sum]
) -> Value:
    """The calculate's value; a chain of `+` terms is summed from its kept terms (`_mark` updates
    them), evaluated in full only the first time."""
    kept = sums.get(index)
    if kept is not None:
        return kept.value()
    chain = protocol.calculate_terms[index]
    if chain is None:
        return calculate.calculation.evaluate(resolve)
    kept = sums[index] = _Sum.of(tuple(term.evaluate for term in chain[0]), resolve)
    return kept.value()


def _rule_value(question: Question, value: AnswerValue) -> Value:
    """The value the rules see: declined, unsure, skipped and "don't know" options are UNKNOWN."""
    if type(value) is str and question.kind is _SINGLE_CHOICE:  # the usual answer
        option = question.options_by_value.get(value)
        return UNKNOWN if value == DECLINED or (option is not None and option.unknown) else value
    if value is None:
        return EMPTY if question.kind is _INFO else UNKNOWN
    if value == DECLINED or (question.kind is _YES_NO and value == UNSURE):
        return UNKNOWN
    if question.kind is _SINGLE_CHOICE and isinstance(value, str):
        option = question.option(value)
        return UNKNOWN if option is not None and option.unknown else value
    if isinstance(value, tuple):
        if any((option := question.option(v)) is not None and option.unknown for v in value):
            return UNKNOWN
        return value
    return value


def _checked_value(
    protocol: Protocol, question: Question, value: object, values: Mapping[str, Value]
) -> AnswerValue:
    kind = question.kind

    def reject(what: str | None = None) -> AnswerError:
        return AnswerError(what, None, qid=question.id, allowed=allowed_answers(question))

    if kind is _INFO:
        if value is not None:
            raise AnswerError(INFO_ONLY, INFO_ONLY_TODO, qid=question.id)
        return None
    if value == DECLINED:
        return DECLINED
    if value is None or value == [] or value == ():
        if question.required:
            raise AnswerError(NEEDS_ANSWER, NEEDS_ANSWER_TODO, qid=question.id)
        return None
    checked: AnswerValue
    if kind is _YES_NO:
        if isinstance(value, bool):
            value = YES if value else NO
        if value not in YES_NO_ANSWERS:
            raise reject()
        checked = str(value)
    elif kind is _SINGLE_CHOICE:
        if not isinstance(value, str) or question.option(value) is None:
            raise reject()
        checked = value
    elif kind is _MULTIPLE_CHOICE:
        checked = _checked_selection(question, value, reject)
    elif kind is _NUMBER:
        if not _is_number(value):
            raise reject()
        if question.fact is not None and question.fact == protocol.decision.age_fact and value != int(value):
            raise reject()  # an age in whole years: 45.5 is a typo, not an age
        if (question.minimum is not None and value < question.minimum) or (
            question.maximum is not None and value > question.maximum
        ):
            raise reject()
        checked = value
    elif kind is _DATE:
        if not isinstance(value, str):
            raise reject()
        try:
            checked = date.fromisoformat(value).isoformat()
        except ValueError:
            raise reject() from None
    else:
        if not isinstance(value, str) or not value.strip() or len(value) > question.max_length:
            raise reject()
        checked = value.strip()
    if question.constraint is not None:
        own = _rule_value(question, checked)
        if (
            question.constraint.holds(lambda name: own if name == SELF else values.get(name, UNKNOWN))
            is False
        ):
            raise reject(CONSTRAINT)
    return checked


def _is_number(value: object) -> TypeGuard[int | float]:
    """An int or float within the float range (an integer beyond it would overflow every comparison)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _checked_selection(question: Question, value: object, reject: object) -> tuple[str, ...]:
    assert callable(reject)
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise reject()
    chosen = set()
    for item in value:
        if not isinstance(item, str) or question.option(item) is None:
            raise reject()
        chosen.add(item)
    if len(chosen) > 1 and any(question.option(v).exclusive for v in chosen):  # type: ignore[union-attr]
        raise reject()
    return tuple(o.value for o in question.options if o.value in chosen)
