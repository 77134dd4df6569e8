"""Render protocol text in any shipped language, with a visible fallback and per-string status.

Translations live in gettext catalogs, `waypoint/locales/<lang>/LC_MESSAGES/protocols.po`, read with Babel
(so the translator comments that carry each string's status are available, and rendering works with
or without the compiled `.mo`). Status is machine-readable: a translator comment `# status: reviewed`
on an entry, else the catalog default from a header comment line `default-status: machine-draft`.
Fuzzy entries are never shown (as in `python -m waypoint.core.catalog_compiler`). A missing translation falls
back to the source language and says so (`fallback=True`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from screening_protocols.catalogue import (
    ANSWER_LABELS,
    DIMENSIONS,
    ELEMENT_LABELS,
    ILO_INDICATORS,
    LEVEL_HEADLINES,
    PROTECTION_NOTICE,
    REFERRAL_NEEDS,
    RTL_LANGUAGES,
)
from screening_protocols.engine import EmergencyStop
from screening_protocols.interview import DECLINED
from screening_protocols.messages import protocol_messages, question_context
from screening_protocols.model import Protocol, Question, QuestionKind
from screening_protocols.outcome import Outcome

__all__ = [
    "STATUSES",
    "RenderedConsent",
    "RenderedEmergency",
    "RenderedOption",
    "RenderedOutcome",
    "RenderedQuestion",
    "RenderedText",
    "TranslationStatus",
    "available_languages",
    "render_consent",
    "render_emergency",
    "render_outcome",
    "render_protocol_text",
    "render_question",
    "translation_status",
]

DOMAIN = "protocols"
STATUSES = ("machine-draft", "reviewed", "field-tested")  # least to most trustworthy
SOURCE = "source"
MISSING = "missing"
_STATUS_PREFIX = "status:"
_DEFAULT_PREFIX = "default-status:"


def _locales_dir(locales_dir: Path | None) -> Path:
    if locales_dir is not None:
        return locales_dir
    from waypoint.core.resources import LOCALES_DIR

    return LOCALES_DIR


@dataclass(frozen=True)
class _Catalog:
    lang: str
    entries: dict[tuple[str, str], tuple[str, str]]  # (context, source) -> (translation, status)
    default_status: str


_CACHE: dict[Path, tuple[float, _Catalog]] = {}


def _catalog(lang: str, locales_dir: Path | None) -> _Catalog | None:
    path = _locales_dir(locales_dir) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    from babel.messages.pofile import read_po  # imported here: only rendering in another language needs it

    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=lang)
    default = _status_from(catalog.header_comment.splitlines(), _DEFAULT_PREFIX) or STATUSES[0]
    entries: dict[tuple[str, str], tuple[str, str]] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not isinstance(message.id, str):
            continue
        if not isinstance(message.string, str) or not message.string:
            continue
        status = _status_from(message.user_comments, _STATUS_PREFIX) or default
        entries[(message.context or "", message.id)] = (message.string, status)
    loaded = _Catalog(lang, entries, default)
    _CACHE[path] = (mtime, loaded)
    return loaded


def _status_from(comments: Iterable[str], prefix: str) -> str | None:
    for comment in comments:
        text = comment.strip().lstrip("#").strip()
        if text.startswith(prefix):
            value = text[len(prefix) :].strip()
            return value if value in STATUSES else STATUSES[0]
    return None


def available_languages(locales_dir: Path | None = None) -> tuple[str, ...]:
    """Languages with a protocols catalog (the source language, English, is always available)."""
    found = {p.parent.parent.name for p in _locales_dir(locales_dir).glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return tuple(sorted(found | {"en"}))


@dataclass(frozen=True)
class RenderedText:
    """One string in the language asked for, or the source text with `fallback=True`."""

    text: str
    lang: str  # the language the text is actually in
    fallback: bool
    status: str  # "source", "missing" (fell back), or a translation status

    @property
    def direction(self) -> str:
        """ "rtl" or "ltr", for the language the text is in."""
        return "rtl" if self.lang in RTL_LANGUAGES else "ltr"


class _Translator:
    def __init__(self, lang: str, source_language: str, locales_dir: Path | None) -> None:
        self.lang = lang
        self.source_language = source_language
        self.catalog = None if lang == source_language else _catalog(lang, locales_dir)

    def __call__(self, context: str, text: str) -> RenderedText:
        if self.lang == self.source_language:
            return RenderedText(text, self.lang, False, SOURCE)
        if self.catalog is not None and (found := self.catalog.entries.get((context, text))) is not None:
            return RenderedText(found[0], self.lang, False, found[1])
        return RenderedText(text, self.source_language, True, MISSING)


def _weakest(parts: Iterable[RenderedText]) -> str:
    order = [MISSING, *STATUSES, SOURCE]
    statuses = [part.status for part in parts]
    return min(statuses, key=order.index) if statuses else SOURCE


@dataclass(frozen=True)
class RenderedOption:
    """An answer the person can give, with its label in the language asked for."""

    value: str
    label: RenderedText


@dataclass(frozen=True)
class RenderedQuestion:
    """A question ready to show: text, officer guidance and answers in one language.

    `fallback` is True when any part is shown in the source language instead; `fallback_fields`
    says which. `options` hold the answers to offer (yes/no/unsure for yes/no questions), and
    `declined` the "prefer not to answer" label every answerable question offers.
    """

    id: str
    kind: QuestionKind
    lang: str
    text: RenderedText
    guidance: RenderedText | None
    options: tuple[RenderedOption, ...]
    declined: RenderedText | None
    constraint_message: RenderedText | None
    fallback: bool
    fallback_fields: tuple[str, ...]
    status: str

    @property
    def direction(self) -> str:
        """ "rtl" or "ltr", for the language asked for."""
        return "rtl" if self.lang in RTL_LANGUAGES else "ltr"


def render_question(
    protocol: Protocol, question: Question, lang: str, *, locales_dir: Path | None = None
) -> RenderedQuestion:
    """`question` in `lang`: text, guidance and options, falling back visibly to the source language."""
    tr = _Translator(lang, protocol.source_language, locales_dir)
    parts: dict[str, RenderedText] = {"text": tr(question_context(protocol.id, question), question.text)}
    guidance = None
    if question.guidance:
        guidance = parts["guidance"] = tr(
            question_context(protocol.id, question, "guidance"), question.guidance
        )
    options: list[RenderedOption] = []
    if question.kind is QuestionKind.YES_NO:
        for value in ("yes", "no", "unsure"):
            label = parts[f"option.{value}"] = tr("engine:answer", ANSWER_LABELS[value])
            options.append(RenderedOption(value, label))
    for option in question.options:
        context = question_context(protocol.id, question, f"option.{option.value}")
        label = parts[f"option.{option.value}"] = tr(context, option.label)
        options.append(RenderedOption(option.value, label))
    declined = None
    if question.kind.answerable:
        declined = parts["declined"] = tr("engine:answer", ANSWER_LABELS[DECLINED])
    constraint = None
    if question.constraint_message:
        context = question_context(protocol.id, question, "constraint")
        constraint = parts["constraint"] = tr(context, question.constraint_message)
    fell_back = tuple(name for name, part in parts.items() if part.fallback)
    return RenderedQuestion(
        id=question.id,
        kind=question.kind,
        lang=lang,
        text=parts["text"],
        guidance=guidance,
        options=tuple(options),
        declined=declined,
        constraint_message=constraint,
        fallback=bool(fell_back),
        fallback_fields=fell_back,
        status=_weakest(parts.values()),
    )


@dataclass(frozen=True)
class RenderedConsent:
    """The consent (or assent) items and the agreement question, in one language."""

    kind: str
    lang: str
    items: tuple[tuple[str, RenderedText], ...]  # (topic, text)
    agreement: RenderedText
    fallback: bool
    status: str


def render_consent(protocol: Protocol, lang: str, *, locales_dir: Path | None = None) -> RenderedConsent:
    """The protocol's consent or assent gate in `lang` (shown before any substantive question)."""
    tr = _Translator(lang, protocol.source_language, locales_dir)
    items = tuple(
        (item.topic, tr(f"{protocol.id}:consent.{item.topic}", item.text)) for item in protocol.consent.items
    )
    agreement = tr(f"{protocol.id}:consent.agreement", protocol.consent.agreement)
    parts = [text for _, text in items] + [agreement]
    return RenderedConsent(
        protocol.consent.kind, lang, items, agreement, any(p.fallback for p in parts), _weakest(parts)
    )


@dataclass(frozen=True)
class RenderedEmergency:
    """Emergency guidance for the officer, in one language."""

    lang: str
    guidance: tuple[RenderedText, ...]
    referral_needs: tuple[tuple[str, RenderedText], ...]
    fallback: bool


def render_emergency(
    protocol: Protocol, stop: EmergencyStop, lang: str, *, locales_dir: Path | None = None
) -> RenderedEmergency:
    """The guidance of an EmergencyStop in `lang`."""
    tr = _Translator(lang, protocol.source_language, locales_dir)
    guidance = tuple(tr(f"{protocol.id}:emergency.{rule.id}", rule.guidance) for rule in stop.rules)
    needs = tuple((need, tr("engine:referral", REFERRAL_NEEDS[need])) for need in stop.referral_needs)
    parts = list(guidance) + [text for _, text in needs]
    return RenderedEmergency(lang, guidance, needs, any(p.fallback for p in parts))


def render_protocol_text(
    protocol: Protocol, lang: str, *, locales_dir: Path | None = None
) -> dict[str, RenderedText]:
    """Title, description, validation status and section titles (`section.<id>`) in `lang`."""
    tr = _Translator(lang, protocol.source_language, locales_dir)
    rendered = {
        "title": tr(f"{protocol.id}:title", protocol.title),
        "validation_status": tr(f"{protocol.id}:validation_status", protocol.validation_status),
    }
    if protocol.description:
        rendered["description"] = tr(f"{protocol.id}:description", protocol.description)
    for section in protocol.sections:
        rendered[f"section.{section.id}"] = tr(f"{protocol.id}:section.{section.id}", section.title)
    return rendered


@dataclass(frozen=True)
class RenderedOutcome:
    """An outcome in words: the headline, the protection-record notice and labelled findings."""

    lang: str
    headline: RenderedText
    notice: RenderedText
    indicators: tuple[tuple[str, RenderedText], ...]  # (indicator id, label)
    elements: tuple[tuple[str, RenderedText], ...]
    dimensions: tuple[tuple[str, RenderedText], ...]
    ilo: tuple[tuple[str, RenderedText], ...]
    referral_needs: tuple[tuple[str, RenderedText], ...]


def render_outcome(
    protocol: Protocol, result: Outcome, lang: str, *, locales_dir: Path | None = None
) -> RenderedOutcome:
    """The words for an Outcome in `lang`: decision support, labelled a protection record."""
    tr = _Translator(lang, protocol.source_language, locales_dir)
    labels = {indicator.id: indicator.label for indicator in protocol.indicators}
    ilo_ids = dict.fromkeys(i for f in result.indicators for i in f.ilo)
    return RenderedOutcome(
        lang=lang,
        headline=tr("engine:outcome", LEVEL_HEADLINES[result.level]),
        notice=tr("engine:outcome", PROTECTION_NOTICE),
        indicators=tuple(
            (f.id, tr(f"{protocol.id}:indicator.{f.id}", labels[f.id])) for f in result.indicators
        ),
        elements=tuple((e, tr("engine:element", ELEMENT_LABELS[e])) for e in result.elements),  # type: ignore[index]
        dimensions=tuple((d, tr("engine:dimension", DIMENSIONS[d])) for d in result.dimensions),
        ilo=tuple((i, tr("engine:ilo", ILO_INDICATORS[i])) for i in ilo_ids),
        referral_needs=tuple((n, tr("engine:referral", REFERRAL_NEEDS[n])) for n in result.referral_needs),
    )


@dataclass(frozen=True)
class TranslationStatus:
    """How far one protocol is translated into one language, string by string."""

    protocol_id: str
    lang: str
    total: int
    counts: dict[str, int]  # status -> strings ("missing" for untranslated)
    missing: tuple[str, ...]  # contexts still untranslated
    strings: dict[str, str]  # context -> status

    @property
    def complete(self) -> bool:
        """Every string has a translation (whatever its status)."""
        return not self.missing

    def to_dict(self) -> dict[str, object]:
        """JSON-safe summary (counts by status and the untranslated contexts)."""
        return {"lang": self.lang, "total": self.total, "counts": self.counts, "missing": list(self.missing)}


def translation_status(
    protocol: Protocol, lang: str, *, locales_dir: Path | None = None
) -> TranslationStatus:
    """Per-string status of `protocol` in `lang`: machine-draft / reviewed / field-tested / missing."""
    tr = _Translator(lang, protocol.source_language, locales_dir)
    strings: dict[str, str] = {}
    for message in protocol_messages(protocol):
        strings[message.context] = tr(message.context, message.text).status
    counts: dict[str, int] = {}
    for status in strings.values():
        counts[status] = counts.get(status, 0) + 1
    missing = tuple(context for context, status in strings.items() if status == MISSING)
    return TranslationStatus(protocol.id, lang, len(strings), counts, missing, strings)
