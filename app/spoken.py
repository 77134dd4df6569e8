"""What private answering says: the clips a protocol needs, and which of them have no audio.

Clips are named by manifest context (`app.audio`): a protocol string's message context, or `ui:<name>`
for the app's own words (spoken translations of interface msgids, made by scripts/generate_audio.py).
The officer sees before handing the device over whether every clip exists in the person's language.
"""

from __future__ import annotations

from app.audio import AudioCatalog
from app.wording import private_answerable_question
from screening_protocols import Protocol
from screening_protocols.messages import question_context
from waypoint.core.i18n import N_

__all__ = [
    "CHOOSE_FIRST_CLIP",
    "HANDBACK_CLIP",
    "INSTRUCTIONS_CLIP",
    "UI_TEXTS",
    "consent_clips",
    "missing_clips",
    "respondent_clips",
]

INSTRUCTIONS_CLIP = "ui:private-instructions"
# What the instruction clip says (scripts/generate_audio.py speaks the catalog's translations of it).
INSTRUCTIONS_TEXT = N_("Listen to each question. Then touch a picture to answer.")
HANDBACK_CLIP = "ui:handback"
CHOOSE_FIRST_CLIP = "ui:private-choose-first"
CHOOSE_FIRST_TEXT = N_("Please touch an answer first.")
# What the app's own feedback clips say, to show the same words on screen.
UI_TEXTS = {CHOOSE_FIRST_CLIP: CHOOSE_FIRST_TEXT}
# Clips every private session may play, whatever the protocol.
PRIVATE_UI_CLIPS = (
    INSTRUCTIONS_CLIP,
    HANDBACK_CLIP,
    CHOOSE_FIRST_CLIP,
    "ui:private-yes",
    "ui:private-no",
    "ui:private-unsure",
    "ui:private-decline",
    "ui:private-key-back",
    "ui:consent-research-use",
    "ui:consent-agree",
)


def consent_clips(protocol: Protocol) -> list[str]:
    """The consent screen's clips in the order they play: title, items, switch, agreement."""
    title = "ui:consent-title-child" if protocol.consent.kind == "assent" else "ui:consent-title"
    items = [f"{protocol.id}:consent.{item.topic}" for item in protocol.consent.items]
    return [title, *items, "ui:consent-research-use", f"{protocol.id}:consent.agreement"]


def respondent_clips(protocol: Protocol) -> list[str]:
    """Every clip private answering in `protocol` can play: consent, the questions asked to the
    person that are answered on the private screen, their options and range messages, the buttons."""
    clips = [*consent_clips(protocol), *PRIVATE_UI_CLIPS]
    for question in protocol.questions:
        if not private_answerable_question(question):
            continue
        clips.append(question_context(protocol.id, question))
        if str(question.kind) == "single_choice":
            clips += [question_context(protocol.id, question, f"option.{o.value}") for o in question.options]
        if question.constraint_message:
            clips.append(question_context(protocol.id, question, "constraint"))
    return clips


def missing_clips(catalog: AudioCatalog, protocol: Protocol, language: str) -> tuple[int, int]:
    """How many of the clips private answering needs have no audio in `language`, of how many."""
    needed = respondent_clips(protocol)
    return sum(1 for key in needed if catalog.clip(key, language) is None), len(needed)
