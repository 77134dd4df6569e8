"""Respondent-facing text never labels or accuses the person, in any shipped language (req. 14).

RW001: no respondent-facing protocol string (consent items, the agreement question, questions asked to
       the person, their options, the shared answer labels, range messages) of any library protocol
       uses a word for "trafficking", "victim", "prostitute" or "illegal", in English or in its
       translation into any shipped language that has one.
RW002: neither do the private answering screen's spoken labels (the interface strings with audio).
RW003: the lint itself catches each banned word in each language, and leaves ordinary words alone.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from i18n_support import AUDIO_MANIFEST, REQUIRED_LANGUAGES, catalog_path, read_catalog

from screening_protocols import Audience, list_protocols, render_consent, render_question
from screening_protocols.catalogue import BANNED_RESPONDENT_STEMS

# Words that name the respondent as a victim of trafficking, a prostitute or an illegal migrant, as
# they are usually written in each language (stems or short phrases, matched case-insensitively).
# Written with a native-speaker review in mind: add to them, do not weaken them.
BANNED_WORDS: dict[str, tuple[str, ...]] = {
    "en": BANNED_RESPONDENT_STEMS,
    "fr": (
        "traite des êtres",
        "traite d'êtres",
        "traite d’êtres",
        "traite de personnes",
        "trafic d'êtres",
        "trafic d’êtres",
        "victime",
        "prostitu",
        "illégal",
        "clandestin",
    ),
    "es": ("trata de personas", "trata de seres", "tráfico de personas", "víctima", "prostitu", "ilegal"),
    "pt": ("tráfico de pessoas", "tráfico humano", "vítima", "prostitu", "ilegal"),
    "ru": (r"торговл\w* людьми", "жертв", "проститу", "нелегал", "незаконн"),
    "ar": ("اتجار", "ضحية", "ضحايا", "دعارة", "بغاء", "عاهر", "غير شرعي", "غير قانوني"),
    "fa": ("قاچاق", "قربانی", "روسپی", "فاحشه", "تن‌فروش", "تن فروش", "غیرقانونی", "غیر قانونی"),
    "th": ("ค้ามนุษย์", "เหยื่อ", "โสเภณี", "ผิดกฎหมาย"),
    "vi": ("buôn người", "buôn bán người", "nạn nhân", "mại dâm", "gái điếm", "bất hợp pháp"),
    "ne": ("बेचबिखन", "पीडित", "वेश्या", "गैरकानुनी", "अवैध"),
    "my": ("လူကုန်ကူး", "သားကောင်", "ပြည့်တန်ဆာ", "တရားမဝင်"),
    "am": ("ሕገወጥ", "ህገወጥ", "ሕገ ወጥ", "ህገ ወጥ", "ተጠቂ", "ሴተኛ አዳሪ", "የሰው ንግድ"),
}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def banned_words_in(text: str, language: str) -> list[str]:
    """The banned words (of English and of `language`) that `text` contains."""
    folded = _fold(text)
    patterns = BANNED_WORDS["en"] + BANNED_WORDS.get(language, ())
    return [pattern for pattern in dict.fromkeys(patterns) if re.search(_fold(pattern), folded)]


def _respondent_texts(language: str) -> list[tuple[str, str]]:
    found = []
    for protocol in list_protocols():
        consent = render_consent(protocol, language)
        found += [(f"{protocol.id}:consent.{topic}", text.text) for topic, text in consent.items]
        found.append((f"{protocol.id}:consent.agreement", consent.agreement.text))
        for question in protocol.questions:
            if question.audience is not Audience.RESPONDENT:
                continue
            rendered = render_question(protocol, question, language)
            found.append((f"{protocol.id}:{question.id}", rendered.text.text))
            found += [(f"{protocol.id}:{question.id}:{o.value}", o.label.text) for o in rendered.options]
            if rendered.declined is not None:
                found.append(("engine:answer.declined", rendered.declined.text))
            if rendered.constraint_message is not None:
                found.append((f"{protocol.id}:{question.id}:constraint", rendered.constraint_message.text))
    return found


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_rw001_protocol_respondent_text_is_neutral(language: str) -> None:
    problems = [
        f"{context}: {words} in {text!r}"
        for context, text in _respondent_texts(language)
        if (words := banned_words_in(text, language))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_rw002_spoken_interface_labels_are_neutral(language: str) -> None:
    manifest = json.loads(AUDIO_MANIFEST.read_text(encoding="utf-8"))
    msgids = {entry["msgid"] for entry in manifest["clips"] if entry["domain"] == "waypoint"}
    assert msgids, "the manifest lists no spoken interface labels"
    texts = list(msgids)
    if language != "en":
        catalog = read_catalog(catalog_path(language, "waypoint"), language)
        texts += [str(message.string) for msgid in msgids if (message := catalog.get(msgid)) is not None]
    problems = [f"{words} in {text!r}" for text in texts if (words := banned_words_in(text, language))]
    assert not problems, "\n".join(problems)


PLANTED = {
    "en": ("Are you a trafficking victim?", "Did you work illegally?"),
    "fr": ("Êtes-vous victime de la traite des êtres humains ?", "Êtes-vous en situation illégale ?"),
    "es": ("¿Es usted víctima de trata de personas?", "¿Trabaja de forma ilegal?"),
    "pt": ("Você é vítima de tráfico de pessoas?", "Você está ilegal aqui?"),
    "ru": ("Вы жертва торговли людьми?", "Вы здесь нелегально?"),
    "ar": ("هل أنت ضحية اتجار بالبشر؟", "هل إقامتك غير قانونية؟"),
    "fa": ("آیا قربانی قاچاق انسان هستید؟", "آیا اقامت شما غیرقانونی است؟"),
    "th": ("คุณเป็นเหยื่อการค้ามนุษย์หรือไม่", "คุณเข้าเมืองผิดกฎหมายหรือไม่"),
    "vi": ("Bạn có phải là nạn nhân buôn người không?", "Bạn ở đây bất hợp pháp à?"),
    "ne": ("के तपाईं मानव बेचबिखनको पीडित हुनुहुन्छ?", "के तपाईं यहाँ अवैध रूपमा हुनुहुन्छ?"),
    "my": ("သင်သည် လူကုန်ကူးခံရသူ ဖြစ်ပါသလား။", "သင် တရားမဝင် နေထိုင်နေပါသလား။"),
    "am": ("የሰው ንግድ ተጠቂ ነዎት?", "እዚህ ሕገወጥ ነዎት?"),
}
ORDINARY = {
    "en": "Can you leave your work whenever you want?",
    "es": "¿Se trata bien a las personas en su trabajo?",  # "se trata" (is treated) is not "trata de"
    "ru": "В магазине идёт торговля продуктами.",  # trade, not trade in people
    "fa": "می‌خواهم چند پرسش کوتاه از شما بپرسم.",
}


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_rw003_lint_catches_each_language(language: str) -> None:
    for planted in PLANTED[language]:
        assert banned_words_in(planted, language), f"the {language} lint misses {planted!r}"
    if language in ORDINARY:
        assert not banned_words_in(ORDINARY[language], language)
