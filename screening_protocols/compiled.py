"""Compiled protocols: validate and lint once per protocol version, then load by deserialising.

    protocol = load_compiled(path_or_bytes, cache_dir=data_dir / "protocol-cache")

The key is the SHA-256 of the file's bytes (with its name and the compiled format): the same file is
checked once. A hit in memory returns the very Protocol; a hit on disk is plain JSON of the model
(`to_compiled`), read back with `from_compiled` — no schema, no lint, no pickle. A cache file that
cannot be read back is ignored and rewritten, so a damaged cache costs one check, never a wrong
protocol. Protocol files hold no personal data, so the cache is plain JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from screening_protocols import expressions
from screening_protocols.catalogue import PalermoElement, Strength
from screening_protocols.errors import ProtocolError
from screening_protocols.loader import check
from screening_protocols.model import (
    Audience,
    Calculate,
    Consent,
    ConsentItem,
    Decision,
    EmergencyRule,
    Indicator,
    Option,
    Protocol,
    Question,
    QuestionKind,
    ReferralRule,
    Section,
)

COMPILED_FORMAT = "waypoint-compiled-protocol/1"  # change when the model or expression meaning changes
MEMORY_SLOTS = 32
_memory: OrderedDict[str, Protocol] = OrderedDict()


def content_key(data: bytes, name: str) -> str:
    """The cache key of one protocol file: its bytes, its name (lint checks it) and the format."""
    digest = hashlib.sha256()
    for part in (COMPILED_FORMAT.encode(), name.encode(), data):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def load_compiled(
    source: Path | str | bytes, *, name: str | None = None, cache_dir: Path | None = None
) -> Protocol:
    """The protocol in `source`, checked only the first time its content is seen.

    Raises ProtocolError (every error) when the file is invalid, like `load_protocol`.
    """
    if isinstance(source, bytes):
        data, label = source, name or "<protocol>"
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError:
            return _checked(path, None, name)  # check() reports the unreadable file as PR021
        label = name or str(path)
    key = content_key(data, label)
    if (hit := _memory.get(key)) is not None:
        _memory.move_to_end(key)
        return hit
    protocol = _read_cache(cache_dir, key) if cache_dir is not None else None
    if protocol is None:
        protocol = _checked(source, data, name)
        if cache_dir is not None:
            _write_cache(cache_dir, key, protocol)
    _memory[key] = protocol
    if len(_memory) > MEMORY_SLOTS:
        _memory.popitem(last=False)
    return protocol


def _checked(source: Path | str | bytes, data: bytes | None, name: str | None) -> Protocol:
    result = check(source if data is None or isinstance(source, bytes) else Path(source), name=name)
    if result.protocol is None:
        raise ProtocolError(result.file, list(result.errors))
    return result.protocol


def _read_cache(cache_dir: Path, key: str) -> Protocol | None:
    try:
        data = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        return from_compiled(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, expressions.ExpressionSyntaxError):
        return None


def _write_cache(cache_dir: Path, key: str, protocol: Protocol) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(to_compiled(protocol), file, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, cache_dir / f"{key}.json")
    except OSError:
        return  # a read-only or full disk only costs the next load a check


def to_compiled(protocol: Protocol) -> dict[str, Any]:
    """The checked protocol as plain JSON data (expressions as their source text)."""

    def text(expression: expressions.Expression | None) -> str | None:
        return None if expression is None else expression.source

    return {
        "format": COMPILED_FORMAT,
        "id": protocol.id,
        "version": protocol.version,
        "title": protocol.title,
        "audience": protocol.audience,
        "frameworks": list(protocol.frameworks),
        "validation_status": protocol.validation_status,
        "source_language": protocol.source_language,
        "description": protocol.description,
        "estimated_minutes": protocol.estimated_minutes,
        "max_questions": protocol.max_questions,
        "status": protocol.status,
        "source_path": protocol.source_path,
        "consent": {
            "kind": protocol.consent.kind,
            "agreement": protocol.consent.agreement,
            "items": [[i.topic, i.text, i.line] for i in protocol.consent.items],
        },
        "sections": [[s.id, s.title, list(s.question_ids), s.line] for s in protocol.sections],
        "questions": [
            {
                "id": q.id,
                "kind": q.kind.value,
                "text": q.text,
                "section": q.section,
                "guidance": q.guidance,
                "required": q.required,
                "key": q.key,
                "audience": q.audience.value,
                "options": [[o.value, o.label, o.unknown, o.exclusive] for o in q.options],
                "fact": q.fact,
                "relevant": text(q.relevant),
                "constraint": text(q.constraint),
                "constraint_message": q.constraint_message,
                "ask_when_unknown": q.ask_when_unknown,
                "min": q.minimum,
                "max": q.maximum,
                "max_length": q.max_length,
                "line": q.line,
            }
            for q in protocol.questions
        ],
        "calculates": [[c.id, c.calculation.source, c.line] for c in protocol.calculates],
        "indicators": [
            {
                "id": i.id,
                "label": i.label,
                "when": i.when.source,
                "element": i.element.value,
                "strength": i.strength.value,
                "ilo": list(i.ilo),
                "dimension": i.dimension,
                "triggers": i.triggers,
                "forms": list(i.forms),
                "line": i.line,
            }
            for i in protocol.indicators
        ],
        "referrals": [[r.need, r.when.source, r.line] for r in protocol.referrals],
        "emergencies": [
            [e.id, e.when.source, e.guidance, list(e.referral_needs), e.line] for e in protocol.emergencies
        ],
        "decision": {
            "trigger_style": protocol.decision.trigger_style,
            "palermo_elements": protocol.decision.palermo_elements,
            "ilo_ec_dimensions": protocol.decision.ilo_ec_dimensions,
            "ilo_indicators_at_least": protocol.decision.ilo_indicators_at_least,
            "age_fact": protocol.decision.age_fact,
            "age_disputed_fact": protocol.decision.age_disputed_fact,
            "age_observed_fact": protocol.decision.age_observed_fact,
            "adult_age": protocol.decision.adult_age,
        },
    }


def from_compiled(data: dict[str, Any]) -> Protocol:
    """Read back what `to_compiled` wrote (ValueError/KeyError/TypeError when it has another shape)."""
    if data.get("format") != COMPILED_FORMAT:
        raise ValueError("another compiled format")
    parse = expressions.parse

    def optional(source: str | None) -> expressions.Expression | None:
        return None if source is None else parse(source)

    questions = tuple(
        Question(
            id=q["id"],
            kind=QuestionKind(q["kind"]),
            text=q["text"],
            section=q["section"],
            index=index,
            guidance=q["guidance"],
            required=bool(q["required"]),
            key=bool(q["key"]),
            audience=Audience(q["audience"]),
            options=tuple(Option(str(v), str(label), bool(u), bool(x)) for v, label, u, x in q["options"]),
            fact=q["fact"],
            relevant=optional(q["relevant"]),
            constraint=optional(q["constraint"]),
            constraint_message=q["constraint_message"],
            ask_when_unknown=bool(q["ask_when_unknown"]),
            minimum=q["min"],
            maximum=q["max"],
            max_length=int(q["max_length"]),
            line=int(q["line"]),
        )
        for index, q in enumerate(data["questions"])
    )
    consent = data["consent"]
    return Protocol(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        audience=data["audience"],
        frameworks=tuple(data["frameworks"]),
        validation_status=data["validation_status"],
        source_language=data["source_language"],
        description=data["description"],
        estimated_minutes=data["estimated_minutes"],
        max_questions=data["max_questions"],
        consent=Consent(
            consent["kind"],
            tuple(ConsentItem(topic, text, line) for topic, text, line in consent["items"]),
            consent["agreement"],
        ),
        sections=tuple(Section(sid, title, tuple(ids), line) for sid, title, ids, line in data["sections"]),
        questions=questions,
        indicators=tuple(
            Indicator(
                id=i["id"],
                label=i["label"],
                when=parse(i["when"]),
                element=PalermoElement(i["element"]),
                strength=Strength(i["strength"]),
                ilo=tuple(i["ilo"]),
                dimension=i["dimension"],
                triggers=bool(i["triggers"]),
                forms=tuple(i["forms"]),
                line=int(i["line"]),
            )
            for i in data["indicators"]
        ),
        referrals=tuple(ReferralRule(need, parse(when), line) for need, when, line in data["referrals"]),
        emergencies=tuple(
            EmergencyRule(rid, parse(when), guidance, tuple(needs), line)
            for rid, when, guidance, needs, line in data["emergencies"]
        ),
        decision=Decision(**data["decision"]),
        status=data["status"],
        source_path=data["source_path"],
        calculates=tuple(Calculate(cid, parse(source), line) for cid, source, line in data["calculates"]),
    )
