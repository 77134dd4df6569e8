"""What a protocol is once loaded: frozen dataclasses built by `screening_protocols.loader`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from screening_protocols.catalogue import PalermoElement, Strength
from screening_protocols.expressions import Expression, Term, sum_terms


class QuestionKind(StrEnum):
    """What kind of answer a question takes."""

    YES_NO = "yes_no"  # yes / no / unsure (+ declined)
    SINGLE_CHOICE = "single_choice"  # one option value
    MULTIPLE_CHOICE = "multiple_choice"  # a list of option values
    NUMBER = "number"  # an int or float
    DATE = "date"  # an ISO date, "YYYY-MM-DD"
    TEXT = "text"  # short free text (lint warns: data minimisation)
    INFO = "info"  # an information screen: shown, acknowledged, never scored

    @property
    def answerable(self) -> bool:
        """Whether the question takes an answer (every answerable question also accepts `declined`)."""
        return self is not QuestionKind.INFO


class Audience(StrEnum):
    """Who a question is addressed to: the respondent, or the officer (an observation)."""

    RESPONDENT = "respondent"
    OFFICER = "officer"


@dataclass(frozen=True)
class Option:
    """One answer a choice question offers. `unknown` options ("I don't know") count as unknown."""

    value: str
    label: str
    unknown: bool = False
    exclusive: bool = False  # in a multiple choice, cannot be combined with other options ("none")


@dataclass(frozen=True)
class Question:
    """One question (or information screen) of a protocol, in the source language."""

    id: str
    kind: QuestionKind
    text: str
    section: str
    index: int  # position in the protocol, document order
    guidance: str = ""
    required: bool = True
    key: bool = False  # its being unknown is reported, and can make the outcome "insufficient information"
    audience: Audience = Audience.RESPONDENT
    options: tuple[Option, ...] = ()
    fact: str | None = None
    relevant: Expression | None = None
    constraint: Expression | None = None
    constraint_message: str = ""
    ask_when_unknown: bool = False  # asked (not silently skipped) when `relevant` is unknown
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200
    line: int = 0

    def option(self, value: str) -> Option | None:
        """The option with this value, or None."""
        return self.options_by_value.get(value)

    @cached_property
    def options_by_value(self) -> Mapping[str, Option]:
        """The options by value (the first one when a value repeats; lint refuses repeats)."""
        found: dict[str, Option] = {}
        for option in self.options:
            found.setdefault(option.value, option)
        return found


@dataclass(frozen=True)
class Calculate:
    """A value computed from answers (XLSForm `calculate`): never asked, re-evaluated when what it
    reads changes, and readable by `${id}` in relevance, constraints and rules."""

    id: str
    calculation: Expression
    line: int = 0


@dataclass(frozen=True)
class Section:
    """A titled group of questions, in order."""

    id: str
    title: str
    question_ids: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class Indicator:
    """An indicator declared against the shared catalogue, raised when its condition holds.

    `triggers` is False for context findings (e.g. an Act alone: someone arranged the journey), which
    are reported and count toward the Palermo elements but do not by themselves raise the level.
    """

    id: str
    label: str
    when: Expression
    element: PalermoElement
    strength: Strength
    ilo: tuple[str, ...] = ()
    dimension: str | None = None
    triggers: bool = True
    forms: tuple[str, ...] = ()  # forms of exploitation it signals (catalogue.EXPLOITATION_FORMS)
    line: int = 0


@dataclass(frozen=True)
class ReferralRule:
    """A referral need raised when its condition holds."""

    need: str
    when: Expression
    line: int = 0


@dataclass(frozen=True)
class EmergencyRule:
    """An immediate-danger condition: questioning stops and the officer sees the guidance."""

    id: str
    when: Expression
    guidance: str
    referral_needs: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class ConsentItem:
    """One thing the person is told before any substantive question (purpose, rights, ...)."""

    topic: str
    text: str
    line: int = 0


@dataclass(frozen=True)
class Consent:
    """The consent (adults) or assent (children) gate, as protocol data."""

    kind: str  # "consent" | "assent"
    items: tuple[ConsentItem, ...]
    agreement: str  # the question the person answers to agree


@dataclass(frozen=True)
class Decision:
    """The protocol's settings for the built-in decision rules (see docs/protocols.md)."""

    trigger_style: str = "any_yes"
    palermo_elements: bool = True
    ilo_ec_dimensions: bool = True
    ilo_indicators_at_least: int | None = 3
    age_fact: str | None = "age"
    age_disputed_fact: str | None = None
    age_observed_fact: str | None = None
    adult_age: int = 18


@dataclass(frozen=True)
class Protocol:
    """A screening protocol: metadata, consent, questions in order, and the rules that score them."""

    id: str
    version: str
    title: str
    audience: str
    frameworks: tuple[str, ...]
    validation_status: str
    source_language: str
    description: str
    estimated_minutes: int | None
    max_questions: int | None
    consent: Consent
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    indicators: tuple[Indicator, ...]
    referrals: tuple[ReferralRule, ...]
    emergencies: tuple[EmergencyRule, ...]
    decision: Decision
    status: str = ""  # "imported": a draft from an XLSForm (may lack consent); "" for a finished protocol
    source_path: str = field(default="", compare=False)
    calculates: tuple[Calculate, ...] = ()  # in dependency order: each reads only those before it

    @cached_property
    def term_readers(self) -> Mapping[str, tuple[tuple[int, tuple[int, ...]], ...]]:
        """For each question or calculate id: the (dependency-ordered) indexes of the calculates that
        read it directly, each with the indexes of its `+` terms that read it (empty when the
        calculate is not a chain: `calculate_terms`). The engine re-runs only these when a value changes."""
        readers: dict[str, list[tuple[int, tuple[int, ...]]]] = {}
        for index, calculate in enumerate(self.calculates):
            chain = self.calculate_terms[index]
            term_indexes = {} if chain is None else chain[1]
            for ref in sorted(calculate.calculation.references):
                readers.setdefault(ref, []).append((index, term_indexes.get(ref, ())))
        return {name: tuple(found) for name, found in readers.items()}

    @cached_property
    def calculate_sources(self) -> Mapping[str, frozenset[str]]:
        """For each calculate: every question it reads, directly or through other calculates."""
        sources: dict[str, frozenset[str]] = {}
        for calculate in self.calculates:
            found: set[str] = set()
            for ref in calculate.calculation.references:
                found |= sources.get(ref, {ref})
            sources[calculate.id] = frozenset(found)
        return sources

    @cached_property
    def calculate_terms(self) -> tuple[tuple[tuple[Term, ...], Mapping[str, tuple[int, ...]]] | None, ...]:
        """For each calculate that is a chain of `+` terms: its terms, and for each name the terms
        that read it (the engine then re-evaluates only those); None for other calculates."""
        found: list[tuple[tuple[Term, ...], Mapping[str, tuple[int, ...]]] | None] = []
        for calculate in self.calculates:
            terms = sum_terms(calculate.calculation)
            if terms is None:
                found.append(None)
                continue
            readers: dict[str, list[int]] = {}
            for index, term in enumerate(terms):
                for name in term.references:
                    readers.setdefault(name, []).append(index)
            found.append((terms, {name: tuple(indexes) for name, indexes in readers.items()}))
        return tuple(found)

    @cached_property
    def reads_calculates(self) -> frozenset[int]:
        """Indexes of the questions whose relevance reads a calculate (the engine brings the
        calculates up to date before it decides whether to ask them)."""
        names = {calculate.id for calculate in self.calculates}
        return frozenset(
            q.index for q in self.questions if q.relevant is not None and q.relevant.references & names
        )

    def question_sources(self, references: frozenset[str]) -> frozenset[str]:
        """The questions an expression reading `references` depends on (calculates expanded)."""
        sources = self.calculate_sources
        found: set[str] = set()
        for ref in references:
            found |= sources.get(ref, {ref})
        return frozenset(found)

    @cached_property
    def engine_memo(self) -> dict[str, object]:
        """Room for what the engine derives from this protocol once (e.g. the first step of every
        interview); not part of the protocol's value."""
        return {}

    @cached_property
    def by_id(self) -> Mapping[str, Question]:
        """Questions by id."""
        return {question.id: question for question in self.questions}

    @cached_property
    def by_fact(self) -> Mapping[str, Question]:
        """The question that establishes each fact."""
        return {question.fact: question for question in self.questions if question.fact}

    def question(self, qid: str) -> Question:
        """The question with this id; KeyError when there is none."""
        return self.by_id[qid]

    @cached_property
    def key_question_ids(self) -> frozenset[str]:
        """Questions whose being unknown matters: marked `key`, or read by an indicator, an emergency
        rule or the child rule."""
        keys = {question.id for question in self.questions if question.key}
        for indicator in self.indicators:
            keys |= self.question_sources(indicator.when.references)
        for emergency in self.emergencies:
            keys |= self.question_sources(emergency.when.references)
        for fact in (
            self.decision.age_fact,
            self.decision.age_disputed_fact,
            self.decision.age_observed_fact,
        ):
            if fact and fact in self.by_fact:
                keys.add(self.by_fact[fact].id)
        return frozenset(key for key in keys if key in self.by_id and self.by_id[key].kind.answerable)

    @cached_property
    def estimated_after(self) -> tuple[int, ...]:
        """For each question index: the engine's estimate of how many questions follow it, every
        unconditional one and half the conditional ones (rounded up), computed once."""
        estimates: list[int] = []
        unconditional = conditional = 0
        for question in reversed(self.questions):
            estimates.append(unconditional + (conditional + 1) // 2)
            if question.relevant is None:
                unconditional += 1
            else:
                conditional += 1
        return tuple(reversed(estimates))

    @cached_property
    def trigger_question_ids(self) -> frozenset[str]:
        """Questions read by an indicator that can raise the level on its own."""
        found: set[str] = set()
        for indicator in self.indicators:
            if indicator.triggers:
                found |= self.question_sources(indicator.when.references)
        return frozenset(found)
