"""The shipped protocol library meets the issue's requirements.

LB001: border-rapid: at most 8 answerable questions, about 3 minutes, any-yes trigger style.
LB002: consular-screen: 20 to 30 questions covering journey, recruitment, work, control, documents,
       debt and safety.
LB003: labour-inspection: every one of the 11 ILO forced-labour indicators has an indicator.
LB004: the child pathway asks for assent, not consent, and applies the child rule.
LB005: every protocol asks about danger first, has an emergency rule, states its validation status and
       covers every required consent topic; every answerable question accepts "declined".
LB006: respondent-facing text never uses a labelling word, in any language shipped.
"""

from __future__ import annotations

import re

import pytest

from screening_protocols import (
    DECLINED,
    AskQuestion,
    answer,
    get_protocol,
    list_protocols,
    render_consent,
    render_question,
    start,
)
from screening_protocols.catalogue import BANNED_RESPONDENT_STEMS, CONSENT_TOPICS, ILO_INDICATORS
from screening_protocols.engine import decline, next_step
from screening_protocols.model import Audience
from screening_protocols.translations import available_languages

# The banned words in the shipped languages (stems), so translations cannot smuggle a label back in.
LABELS = re.compile(
    r"\b(" + "|".join(BANNED_RESPONDENT_STEMS) + r"|victime|trafiqu|traite des|prostitu|ilégal|illégal|ilegal"
    r"|víctima|trata de|ضحي|الاتجار|غير شرعي|غير قانوني)",
    re.IGNORECASE,
)


def answerable(protocol_id: str) -> int:
    return sum(1 for q in get_protocol(protocol_id).questions if q.kind.answerable)


def test_lb001_border_rapid_is_short_and_any_yes() -> None:
    protocol = get_protocol("border-rapid")
    respondent = [q for q in protocol.questions if q.kind.answerable and q.audience is Audience.RESPONDENT]
    assert len(respondent) <= 8 == protocol.max_questions  # officer observations take none of their time
    assert protocol.estimated_minutes is not None and protocol.estimated_minutes <= 3
    assert protocol.decision.trigger_style == "any_yes" and protocol.audience == "border"


def test_lb002_consular_screen_covers_the_topics() -> None:
    protocol = get_protocol("consular-screen")
    assert 20 <= answerable("consular-screen") <= 30
    assert {"safety", "journey", "recruitment", "work", "control", "documents", "debt"} <= {
        section.id for section in protocol.sections
    }


def test_lb003_labour_inspection_covers_the_ilo_11() -> None:
    protocol = get_protocol("labour-inspection")
    covered = {ilo for indicator in protocol.indicators for ilo in indicator.ilo}
    assert covered == set(ILO_INDICATORS)
    assert protocol.audience == "labour"


def test_lb004_child_pathway_uses_assent() -> None:
    protocol = get_protocol("child-screen")
    assert protocol.consent.kind == "assent"
    assert protocol.decision.age_fact == "age"


@pytest.mark.parametrize("protocol_id", [p.id for p in list_protocols()])
def test_lb005_common_requirements(protocol_id: str) -> None:
    protocol = get_protocol(protocol_id)
    first = protocol.questions[0]
    assert first.id == "in_danger" and any(first.id in rule.when.references for rule in protocol.emergencies)
    assert "not validated" in protocol.validation_status.lower()
    required = {topic for topic, needed in CONSENT_TOPICS.items() if needed}
    assert required <= {item.topic for item in protocol.consent.items}
    interview = start(protocol)
    while isinstance(step := next_step(protocol, interview), AskQuestion):  # decline everything: accepted
        question = step.question
        if question.kind.answerable:
            interview = decline(protocol, interview, question.id)
            assert interview.answers[question.id] == DECLINED
        else:
            interview = answer(protocol, interview, question.id, None)
    assert interview.asked


@pytest.mark.parametrize("lang", available_languages())
@pytest.mark.parametrize("protocol_id", [p.id for p in list_protocols()])
def test_lb006_no_labelling_words_in_any_language(protocol_id: str, lang: str) -> None:
    protocol = get_protocol(protocol_id)
    texts = [text.text for _, text in render_consent(protocol, lang).items]
    for question in protocol.questions:
        if question.audience is Audience.RESPONDENT:
            rendered = render_question(protocol, question, lang)
            texts += [rendered.text.text, *(option.label.text for option in rendered.options)]
    found = [text for text in texts if LABELS.search(text)]
    assert not found, found
