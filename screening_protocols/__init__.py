"""Screening protocols as data, and the pure engine that runs them.

    protocol = get_protocol("border-rapid")
    interview = start(protocol, facts={"age": 16})
    step = next_step(protocol, interview)          # AskQuestion | EmergencyStop | Finished
    interview, step = answer_next(protocol, interview, step.question.id, "yes")  # and what comes next
    result = outcome(protocol, interview)          # level, indicators (with `because`), unknown, ...
    render_question(protocol, step.question, "ar") # text, guidance, options; visible fallback

No Flet, SQL or HTTP import anywhere in this package (tests/test_architecture.py).
"""

from screening_protocols.catalogue import OutcomeLevel, PalermoElement, Strength
from screening_protocols.engine import (
    Answered,
    AskQuestion,
    EmergencyStop,
    Finished,
    Step,
    allowed_answers,
    answer,
    answer_next,
    back,
    carried_facts,
    decline,
    decline_next,
    next_step,
    resume,
    start,
)
from screening_protocols.errors import (
    AnswerError,
    ErrorCode,
    InterviewStateError,
    Problem,
    ProtocolError,
    UnknownProtocolError,
)
from screening_protocols.interview import DECLINED, UNSURE, AnswerValue, Interview
from screening_protocols.library import get_protocol, list_protocols
from screening_protocols.loader import check, load_protocol
from screening_protocols.model import (
    Audience,
    Consent,
    ConsentItem,
    EmergencyRule,
    Indicator,
    Option,
    Protocol,
    Question,
    QuestionKind,
    Section,
)
from screening_protocols.outcome import IndicatorFinding, Outcome, outcome
from screening_protocols.translations import (
    RenderedConsent,
    RenderedEmergency,
    RenderedOutcome,
    RenderedQuestion,
    RenderedText,
    TranslationStatus,
    available_languages,
    render_consent,
    render_emergency,
    render_outcome,
    render_outcome_labels,
    render_protocol_text,
    render_question,
    translation_status,
)

__all__ = [
    "DECLINED",
    "UNSURE",
    "AnswerError",
    "AnswerValue",
    "Answered",
    "AskQuestion",
    "Audience",
    "Consent",
    "ConsentItem",
    "EmergencyRule",
    "EmergencyStop",
    "ErrorCode",
    "Finished",
    "Indicator",
    "IndicatorFinding",
    "Interview",
    "InterviewStateError",
    "Option",
    "Outcome",
    "OutcomeLevel",
    "PalermoElement",
    "Problem",
    "Protocol",
    "ProtocolError",
    "Question",
    "QuestionKind",
    "RenderedConsent",
    "RenderedEmergency",
    "RenderedOutcome",
    "RenderedQuestion",
    "RenderedText",
    "Section",
    "Step",
    "Strength",
    "TranslationStatus",
    "UnknownProtocolError",
    "allowed_answers",
    "answer",
    "answer_next",
    "available_languages",
    "back",
    "carried_facts",
    "check",
    "decline",
    "decline_next",
    "get_protocol",
    "list_protocols",
    "load_protocol",
    "next_step",
    "outcome",
    "render_consent",
    "render_emergency",
    "render_outcome",
    "render_outcome_labels",
    "render_protocol_text",
    "render_question",
    "resume",
    "start",
    "translation_status",
]
