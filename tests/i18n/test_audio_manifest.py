"""Every respondent-facing string has current, playable audio in every shipped language (req. 13).

The manifest (`waypoint/assets/audio/manifest.json`, written by `python -m scripts.generate_audio`) is checked
against the catalogs here; CI never regenerates audio. The expected clips are worked out from the
protocol itself, so a new question, option or consent item without audio fails.

AU001: every consent item, the agreement question, every question asked to the person, its answer
       options, "prefer not to answer" and range messages of `border-rapid`, and the private answering
       screen's spoken button labels, have a clip in every shipped language.
AU002: each clip was made from the current text: its `text_sha256` is the SHA-256 of the NFC text the
       engine (or the interface catalog) gives today, so a changed translation shows up as stale audio.
AU003: each listed file exists, matches its recorded size and hash, decodes as mono MP3 to a duration
       that fits the text and the manifest, and is not silence.
AU004: each entry says whether it is synthetic; synthetic entries name the engine, voice and settings.
AU005: no unlisted audio files, no duplicate (context, language) pairs.
AU006: the app's own manifest reader finds the clips (the format is the one `app/audio.py` reads).
AU100: every protocol (issue 13): every respondent-facing string of every protocol in the library
       (consent items and agreement, questions asked to the person, options, "prefer not to answer",
       range messages) and the app's spoken words (buttons, feedback, consent screen, "give the device
       back") have a current clip in every language with a voice; the app finds no gap in what private
       answering needs (`app.spoken.missing_clips`).
AU101: the languages without a voice are listed in the manifest (and named in this test's output);
       every other required language has clips.
AU102: one text in one language is one file (shared by every entry that says it); the audio stays
       small (mono, 16 kbit/s, under the budget below).
AU103: the licence note sits beside the clips and the manifest points to it.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import miniaudio
import pytest
from babel.messages.pofile import read_po
from i18n_support import AUDIO_DIR, AUDIO_MANIFEST, REQUIRED_LANGUAGES, catalog_path, template_path

from screening_protocols import (
    DECLINED,
    Audience,
    QuestionKind,
    get_protocol,
    list_protocols,
    render_consent,
    render_question,
)
from waypoint.core.resources import ASSETS_DIR

PROTOCOL_ID = "border-rapid"
# The private answering screen's buttons (app/screens/private.py): semantics identifier -> label;
# and the app's other spoken words (feedback, the consent screen, "give the device back").
PRIVATE_BUTTONS = (
    "private-yes",
    "private-no",
    "private-unsure",
    "private-decline",
    "private-repeat",
    "private-confirm",
    "private-instructions",
    "private-choose-first",
    "handback",
    "consent-title",
    "consent-title-child",
    "consent-research-use",
    "consent-agree",
    "consent-refuse",
)
MAX_AUDIO_MB = 25.0  # all clips together; 2 kB per second of speech
MAX_BITRATE_KBPS = 16
MIN_SECONDS, MIN_SECONDS_PER_CHAR = 0.4, 0.03
MAX_SECONDS, MAX_SECONDS_PER_CHAR = 1.5, 0.6
PEAK_AT_LEAST = 1000  # of 32767: speech, not silence


def _sha256(text: str) -> str:
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


@cache
def _manifest() -> dict[str, Any]:
    assert AUDIO_MANIFEST.is_file(), f"{AUDIO_MANIFEST} is missing: run python -m scripts.generate_audio"
    manifest: dict[str, Any] = json.loads(AUDIO_MANIFEST.read_text(encoding="utf-8"))
    return manifest


@cache
def _entries() -> dict[tuple[str, str], dict[str, Any]]:
    return {(entry["context"], entry["language"]): entry for entry in _manifest()["clips"]}


@cache
def _protocol_texts(language: str) -> dict[str, str]:
    """What the respondent hears in `language` in every protocol, by clip context."""
    found: dict[str, str] = {}
    for protocol in list_protocols():
        found.update(_texts_of(protocol.id, language))
    return found


@cache
def _texts_of(protocol_id: str, language: str) -> dict[str, str]:
    """What the respondent hears in `language` in one protocol (None-free: missing text is an error)."""
    PROTOCOL_ID = protocol_id
    protocol = get_protocol(PROTOCOL_ID)
    found: dict[str, str] = {}

    def put(context: str, rendered: Any) -> None:
        assert not rendered.fallback, f"{context} has no {language} translation"
        found[context] = rendered.text

    consent = render_consent(protocol, language)
    for topic, text in consent.items:
        put(f"{PROTOCOL_ID}:consent.{topic}", text)
    put(f"{PROTOCOL_ID}:consent.agreement", consent.agreement)
    for question in protocol.questions:
        if question.audience is not Audience.RESPONDENT:
            continue
        rendered = render_question(protocol, question, language)
        put(f"{PROTOCOL_ID}:{question.id}", rendered.text)
        for option in rendered.options:
            if question.kind is QuestionKind.YES_NO:
                put(f"engine:answer.{option.value}", option.label)
            else:
                put(f"{PROTOCOL_ID}:{question.id}:option.{option.value}", option.label)
        if rendered.declined is not None:
            put(f"engine:answer.{DECLINED}", rendered.declined)
        if rendered.constraint_message is not None:
            put(f"{PROTOCOL_ID}:{question.id}:constraint", rendered.constraint_message)
    return found


@cache
def _ui_catalog(language: str) -> Any:
    path = template_path("waypoint") if language == "en" else catalog_path(language, "waypoint")
    with path.open("rb") as handle:
        return read_po(handle, locale=None if language == "en" else language)


def _ui_text(language: str, msgid: str) -> str:
    """The interface catalog's text for `msgid` in `language` (the msgid itself in English)."""
    message = _ui_catalog("en").get(msgid)
    assert message is not None, f"{msgid!r} is not in the interface template"
    if language == "en":
        return msgid
    message = _ui_catalog(language).get(msgid)
    assert message is not None and message.string and not message.fuzzy, (
        f"{msgid!r} untranslated in {language}"
    )
    return str(message.string)


@cache
def _button_texts(language: str) -> dict[str, str]:
    """The spoken labels of the private answering buttons in `language`, by clip context."""
    found = {}
    for button in PRIVATE_BUTTONS:
        entry = _entries().get((f"ui:{button}", "en"))
        assert entry is not None, f"no clip for the {button} button"
        found[f"ui:{button}"] = _ui_text(language, entry["msgid"])
    return found


def _text_of(entry: dict[str, Any]) -> str:
    if entry["domain"] == "protocols":
        return _protocol_texts(entry["language"])[entry["context"]]
    return _ui_text(entry["language"], entry["msgid"])


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_au001_au002_every_respondent_string_has_current_audio(language: str) -> None:
    expected = {**_protocol_texts(language), **_button_texts(language)}
    missing = sorted(context for context in expected if (context, language) not in _entries())
    assert not missing, f"no {language} audio for: {missing}"
    stale = sorted(
        context
        for context, text in expected.items()
        if _entries()[context, language]["text_sha256"] != _sha256(text)
    )
    assert not stale, f"{language} audio no longer matches its text (regenerate): {stale}"


def _chars(entry: dict[str, Any]) -> int:
    return sum(1 for char in _text_of(entry) if not char.isspace())


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_au003_every_clip_is_a_playable_recording_of_its_text(language: str) -> None:
    problems = []
    for (context, entry_language), entry in _entries().items():
        if entry_language != language:
            continue
        path = AUDIO_DIR / entry["file"]
        if not path.is_file() or path.stat().st_size == 0:
            problems.append(f"{context}: {path} is missing or empty")
            continue
        data = path.read_bytes()
        if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["file_sha256"]:
            problems.append(f"{context}: {path.name} is not the file the manifest describes")
        decoded = miniaudio.mp3_read_s16(data)
        seconds = decoded.num_frames / decoded.sample_rate
        chars = _chars(entry)
        low = max(MIN_SECONDS, MIN_SECONDS_PER_CHAR * chars)
        high = MAX_SECONDS + MAX_SECONDS_PER_CHAR * chars
        if decoded.nchannels != 1:
            problems.append(f"{context}: {decoded.nchannels} channels, expected mono")
        if not low <= seconds <= high:
            problems.append(f"{context}: {seconds:.2f} s is implausible for {chars} characters")
        if abs(seconds * 1000 - entry["duration_ms"]) > 100:
            problems.append(
                f"{context}: decodes to {seconds:.2f} s, the manifest says {entry['duration_ms']} ms"
            )
        if max(max(decoded.samples), -min(decoded.samples)) < PEAK_AT_LEAST:
            problems.append(f"{context}: silent")
    assert not problems, "\n".join(problems)


def test_au004_every_entry_says_how_it_was_made() -> None:
    for entry in _manifest()["clips"]:
        where = f"{entry['context']} [{entry['language']}]"
        assert isinstance(entry.get("synthetic"), bool), f"{where}: `synthetic` must be true or false"
        assert entry.get("voice"), f"{where}: name the voice (or the speaker of a recording)"
        assert len(entry.get("text_sha256", "")) == 64, f"{where}: no hash of the source text"
        if entry["synthetic"]:
            assert str(entry.get("engine", "")).startswith("espeak-ng "), f"{where}: engine and version"
            assert entry.get("settings"), f"{where}: synthesis settings"


def test_au005_files_and_entries_match_one_to_one() -> None:
    clips = _manifest()["clips"]
    pairs = [(entry["context"], entry["language"]) for entry in clips]
    assert len(pairs) == len(set(pairs)), "duplicate (context, language) entries"
    listed = {entry["file"] for entry in clips}
    on_disk = {path.relative_to(AUDIO_DIR).as_posix() for path in AUDIO_DIR.rglob("*.mp3")}
    assert on_disk == listed, (
        f"unlisted: {sorted(on_disk - listed)}; listed but absent: {sorted(listed - on_disk)}"
    )
    assert all(Path(file).suffix == ".mp3" for file in listed)


def test_au006_the_app_finds_the_clips() -> None:
    from app.audio import AudioCatalog

    catalog = AudioCatalog.load(ASSETS_DIR)
    for language in REQUIRED_LANGUAGES:
        for context in (f"{PROTOCOL_ID}:in_danger", f"{PROTOCOL_ID}:consent.purpose", "ui:private-repeat"):
            clip = catalog.clip(context, language)
            assert clip is not None, f"the app finds no {language} clip for {context}"
            assert (ASSETS_DIR / clip.src).is_file()


def _voiced() -> list[str]:
    return [lang for lang in REQUIRED_LANGUAGES if lang not in _manifest()["languages_without_voice"]]


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_au100_every_protocol_is_spoken(language: str) -> None:
    from app.audio import AudioCatalog
    from app.spoken import missing_clips

    if language not in _voiced():
        pytest.skip(f"espeak-ng has no voice for {language} (listed in the manifest)")
    expected = {**_protocol_texts(language), **_button_texts(language)}
    for protocol in list_protocols():
        assert any(context.startswith(f"{protocol.id}:") for context in expected), protocol.id
    missing = sorted(context for context in expected if (context, language) not in _entries())
    assert not missing, f"no {language} audio for: {missing}"
    stale = sorted(
        c for c, text in expected.items() if _entries()[c, language]["text_sha256"] != _sha256(text)
    )
    assert not stale, f"{language} audio no longer matches its text (regenerate): {stale}"
    catalog = AudioCatalog.load(ASSETS_DIR)
    for protocol in list_protocols():
        gaps, needed = missing_clips(catalog, protocol, language)
        assert gaps == 0, f"private answering in {protocol.id} lacks {gaps} of {needed} {language} clips"


def test_au101_languages_without_a_voice_are_listed() -> None:
    without = _manifest()["languages_without_voice"]
    print(f"languages without an espeak-ng voice: {', '.join(without) or 'none'}")
    assert set(without) <= set(REQUIRED_LANGUAGES)
    with_clips = {entry["language"] for entry in _manifest()["clips"]}
    assert with_clips == set(REQUIRED_LANGUAGES) - set(without)
    assert _manifest()["languages"] == [lang for lang in REQUIRED_LANGUAGES if lang not in without]


def test_au102_one_file_per_text_and_small() -> None:
    files: dict[tuple[str, str], set[str]] = {}
    for entry in _manifest()["clips"]:
        files.setdefault((entry["language"], entry["text_sha256"]), set()).add(entry["file"])
    shared = {key: names for key, names in files.items() if len(names) > 1}
    assert not shared, f"the same words in several files: {sorted(shared.items())[:5]}"
    on_disk = list(AUDIO_DIR.rglob("*.mp3"))
    assert len(on_disk) == len(files)
    total_mb = sum(path.stat().st_size for path in on_disk) / 1e6
    print(f"{len(_manifest()['clips'])} entries, {len(on_disk)} files, {total_mb:.2f} MB")
    assert total_mb <= MAX_AUDIO_MB
    codec = _manifest()["codec"]
    assert codec["channels"] == 1 and codec["bitrate_kbps"] <= MAX_BITRATE_KBPS


def test_au103_licence_beside_the_clips() -> None:
    note = AUDIO_DIR / _manifest()["licence"]
    assert note.is_file()
    text = note.read_text(encoding="utf-8")
    assert "espeak" in text.lower() and "LAME" in text and "Apache-2.0" in text
