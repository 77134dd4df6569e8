"""Generate the spoken prompts for private answering: an MP3 for every respondent-facing string and language.

    .venv/bin/python -m scripts.generate_audio            generate what is missing or stale
    .venv/bin/python -m scripts.generate_audio --check    change nothing; exit 1 if anything is stale

Offline and deterministic: Debian's `espeak-ng` speaks the text that the protocol engine renders for the
respondent (so audio and screen never disagree), `lame` encodes it, and
`waypoint/assets/audio/manifest.json` lists every clip with the SHA-256 of the text it speaks. An entry
whose text hash, voice and settings still match, and whose file is intact, is skipped. Every protocol in
the library is spoken, in every shipped language espeak-ng has a voice for (the manifest lists the
others under `languages_without_voice`). One text in one language is one file: entries that say the
same words (the same option in two protocols, "No" on two screens) share it. Recorded human
voices are never overwritten while their text is current (docs/languages.md says how to add them). CI
does not run this: it only checks the manifest against the catalogs (tests/i18n/test_audio_manifest.py).

Needs: `apt-get install espeak-ng lame`.

Why one module of this size: a developer tool run by hand (not shipped in the app): rendering,
espeak-ng, lame and the manifest in one script a translator can read top to bottom.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from app.i18n import SHIPPED_LANGUAGES
from screening_protocols import (
    Audience,
    Protocol,
    QuestionKind,
    RenderedText,
    list_protocols,
    render_consent,
    render_question,
)
from waypoint.core.resources import ASSETS_DIR, LOCALES_DIR

AUDIO_DIR = ASSETS_DIR / "audio"
MANIFEST_PATH = AUDIO_DIR / "manifest.json"
MANIFEST_FORMAT = "waypoint-audio/1"
LICENCE_NOTE = "LICENSE.md"  # beside the clips: how they were made and under which terms

# espeak-ng voice per shipped language. Spanish and Portuguese use the Latin American and Brazilian
# voices, matching CLDR's `es`-for-the-Americas usage and `pt` (= pt-BR) of the written catalogs.
VOICES = {
    "en": "en-gb",
    "fr": "fr",
    "es": "es-419",
    "pt": "pt-br",
    "ru": "ru",
    "ar": "ar",
    "fa": "fa",
    "th": "th",
    "vi": "vi",
    "ne": "ne",
    "my": "my",
    "am": "am",
}
SYNTHESIS_WORKERS = 6  # espeak-ng and lame processes at once (mostly waiting on files, not the CPU)
SPEED_WPM = 140  # a little slower than espeak-ng's 175: clearer for people hearing a second language
SAMPLE_RATE_HZ = 16000  # lame --resample 16 below: espeak-ng's formant speech has little above 8 kHz
BITRATE_KBPS = 16  # mono speech; 2 kB per second of audio. MP3 because every Flet platform plays it
LAME_OPTIONS = ("--quiet", "--noreplaygain", "-m", "m", "-b", str(BITRATE_KBPS), "--resample", "16")
SETTINGS = f"espeak-ng -s {SPEED_WPM}; lame -m m -b {BITRATE_KBPS} --resample 16"

# The private answering screen's own words, spoken when the person touches a button (and the thank-you
# at hand-back). Keys are `ui:<the control's semantics identifier>` (app/screens/private.py); texts are
# msgids of the interface catalog (`waypoint/locales/waypoint.pot`), translated there. A msgid not (yet)
# in the template is skipped with a note: `ui:private-instructions` is proposed for the screen's first prompt.
UI_PROMPTS = {
    "ui:private-yes": "Yes",
    "ui:private-no": "No",
    "ui:private-unsure": "I don't know",
    "ui:private-decline": "I prefer not to say",
    "ui:private-repeat": "Play the question again",
    "ui:private-next": "Continue",
    "ui:private-confirm": "That is my answer",
    "ui:private-key-back": "Delete",
    "ui:private-instructions": "Listen to each question. Then touch a picture to answer.",
    "ui:private-choose-first": "Please touch an answer first.",
    "ui:handback": "Thank you. Please give the device back to the officer.",
    "ui:consent-title": "Before we talk",
    "ui:consent-title-child": "Before we talk (for young people)",
    "ui:consent-research-use": "My answers may be used, without my name, for statistics",
    "ui:consent-agree": "Yes, I agree",
    "ui:consent-refuse": "No",
}


@dataclass(frozen=True)
class Clip:
    """One thing to say: a stable key and, per language, the text (None when not translated)."""

    key: str  # the manifest's lookup `context`: the msgctxt, `engine:answer.<value>` or `ui:<button>`
    kind: str  # consent | agreement | question | option | answer | constraint | prompt
    domain: str  # the catalog the text comes from: "protocols" or "waypoint"
    msgctxt: str | None
    msgid: str
    texts: dict[str, str | None]


def text_sha256(text: str) -> str:
    """The hash that ties a clip to the exact text it speaks (NFC-normalised UTF-8)."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def voiced_languages(languages: tuple[str, ...] = SHIPPED_LANGUAGES) -> tuple[str, ...]:
    """The languages espeak-ng has the voice `VOICES` names for (the others get no audio)."""
    listing = subprocess.run(
        [tool("espeak-ng"), "--voices"], capture_output=True, text=True, check=True
    ).stdout
    installed: set[str] = set()
    for line in listing.splitlines()[1:]:  # Pty Language Age/Gender VoiceName File (alias priority)...
        parts = line.split()
        if len(parts) > 1:
            installed.add(parts[1])
            installed.update(part.lstrip("(") for part in parts[2:] if part.startswith("("))
    return tuple(lang for lang in languages if VOICES.get(lang) in installed)


def clip_filename(lang: str, key: str) -> str:
    """The clip's path under waypoint/assets/audio: `<lang>/<key with ':' as '.'>.mp3`."""
    return f"{lang}/{key.replace(':', '.')}.mp3"


def _text(rendered: RenderedText) -> str | None:
    return None if rendered.fallback else rendered.text


def protocol_clips(protocol: Protocol, languages: tuple[str, ...], locales_dir: Path) -> list[Clip]:
    """Every respondent-facing string of `protocol`: consent items, the agreement question, questions
    asked to the person, their answer options, "prefer not to answer" and range messages."""
    pid = protocol.id
    found: dict[str, Clip] = {}

    def add(key: str, kind: str, context: str, msgid: str, per_lang: dict[str, RenderedText]) -> None:
        if key not in found:
            texts = {lang: _text(rendered) for lang, rendered in per_lang.items()}
            found[key] = Clip(key, kind, "protocols", context, msgid, texts)

    consents = {lang: render_consent(protocol, lang, locales_dir=locales_dir) for lang in languages}
    for index, item in enumerate(protocol.consent.items):
        context = f"{pid}:consent.{item.topic}"
        add(context, "consent", context, item.text, {lang: c.items[index][1] for lang, c in consents.items()})
    context = f"{pid}:consent.agreement"
    add(
        context,
        "agreement",
        context,
        protocol.consent.agreement,
        {lang: c.agreement for lang, c in consents.items()},
    )

    for question in protocol.questions:
        if question.audience is not Audience.RESPONDENT:
            continue
        rendered = {
            lang: render_question(protocol, question, lang, locales_dir=locales_dir) for lang in languages
        }
        context = f"{pid}:{question.id}"
        add(context, "question", context, question.text, {lang: r.text for lang, r in rendered.items()})
        source = rendered[protocol.source_language] if protocol.source_language in rendered else None
        for index, option in enumerate(rendered[languages[0]].options):
            msgid = source.options[index].label.text if source else option.label.text
            if question.kind is QuestionKind.YES_NO:
                add(
                    f"engine:answer.{option.value}",
                    "answer",
                    "engine:answer",
                    msgid,
                    _options(rendered, index),
                )
            else:
                context = f"{pid}:{question.id}:option.{option.value}"
                add(context, "option", context, msgid, _options(rendered, index))
        if question.kind.answerable:
            declined = {lang: r.declined for lang, r in rendered.items() if r.declined is not None}
            msgid = declined[protocol.source_language].text if protocol.source_language in declined else ""
            add("engine:answer.declined", "answer", "engine:answer", msgid, declined)
        if question.constraint_message:
            context = f"{pid}:{question.id}:constraint"
            parts = {lang: r.constraint_message for lang, r in rendered.items() if r.constraint_message}
            add(context, "constraint", context, question.constraint_message, parts)
    return list(found.values())


def _options(rendered: dict[str, Any], index: int) -> dict[str, RenderedText]:
    return {lang: r.options[index].label for lang, r in rendered.items()}


def prompt_clips(languages: tuple[str, ...], locales_dir: Path) -> list[Clip]:
    """The private answering screen's own spoken labels, translated in the interface catalogs."""
    template_path = locales_dir / "waypoint.pot"
    if not template_path.exists():
        print(f"no {template_path} yet: no interface prompts", file=sys.stderr)
        return []
    template = _read(template_path, None)
    catalogs = {}
    for lang in languages:
        path = locales_dir / lang / "LC_MESSAGES" / "waypoint.po"
        if lang != "en" and path.exists():
            catalogs[lang] = _read(path, lang)
    clips = []
    for key, msgid in UI_PROMPTS.items():
        if template.get(msgid) is None:
            print(f"{msgid!r} ({key}) is not in {template_path}: not spoken", file=sys.stderr)
            continue
        texts: dict[str, str | None] = {}
        for lang in languages:
            message = catalogs[lang].get(msgid) if lang in catalogs else None
            if lang == "en":
                texts[lang] = msgid
            elif message is not None and not message.fuzzy and isinstance(message.string, str):
                texts[lang] = message.string or None
            else:
                texts[lang] = None
        clips.append(Clip(key, "prompt", "waypoint", None, msgid, texts))
    return clips


def _read(path: Path, lang: str | None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def collect_clips(
    languages: tuple[str, ...] = SHIPPED_LANGUAGES, locales_dir: Path = LOCALES_DIR
) -> list[Clip]:
    """Every clip Waypoint ships, in a stable order."""
    clips: dict[str, Clip] = {}  # by key: the engine's answer words are shared by every protocol
    for protocol in list_protocols():
        for clip in protocol_clips(protocol, languages, locales_dir):
            clips.setdefault(clip.key, clip)
    return [*clips.values(), *prompt_clips(languages, locales_dir)]


def tool(name: str) -> str:
    """The full path of a Debian tool the generator needs (`espeak-ng` or `lame`)."""
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is missing: sudo apt-get install espeak-ng lame")
    return found


def tool_versions() -> dict[str, str]:
    """The speech engine and encoder versions, as recorded in the manifest."""
    espeak = subprocess.run(
        [tool("espeak-ng"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    lame = subprocess.run([tool("lame"), "--version"], capture_output=True, text=True, check=True).stdout
    espeak_version = espeak.split("text-to-speech:")[1].split()[0]
    lame_version = lame.split("version")[1].split()[0]
    return {"engine": f"espeak-ng {espeak_version}", "encoder": f"lame {lame_version}"}


def synthesise(text: str, voice: str, target: Path) -> None:
    """Speak `text` with espeak-ng's `voice` and write a mono MP3 to `target`."""
    with tempfile.TemporaryDirectory() as scratch:
        wav = Path(scratch) / "speech.wav"
        _speak(text, voice, wav)
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [tool("lame"), *LAME_OPTIONS, str(wav), str(target)],
            check=True,
            capture_output=True,
        )


def _speak(text: str, voice: str, wav: Path, depth: int = 0) -> None:
    """espeak-ng `text` into `wav`. espeak-ng 1.51 aborts (a buffer overflow) on some long Burmese
    sentences: then each half of the words is spoken on its own and the two are joined."""
    run = subprocess.run(
        [tool("espeak-ng"), "-v", voice, "-s", str(SPEED_WPM), "-w", str(wav)],
        input=text.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if run.returncode == 0:
        return
    words = text.split()
    if len(words) < 2 or depth >= 6:
        run.check_returncode()
    middle = len(words) // 2
    halves = [wav.with_name(f"{wav.stem}.{part}.wav") for part in (1, 2)]
    _speak(" ".join(words[:middle]), voice, halves[0], depth + 1)
    _speak(" ".join(words[middle:]), voice, halves[1], depth + 1)
    with wave.open(str(wav), "wb") as joined:
        for index, half in enumerate(halves):
            with wave.open(str(half), "rb") as part:
                if index == 0:
                    joined.setparams(part.getparams())
                joined.writeframes(part.readframes(part.getnframes()))


def mp3_duration_ms(path: Path) -> int:
    """The clip's length, decoded with the same library the tests use."""
    import miniaudio

    decoded = miniaudio.mp3_read_file_s16(str(path))
    frames: int = decoded.num_frames
    rate: int = decoded.sample_rate
    return round(frames * 1000 / rate)


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    """The current manifest, or an empty one."""
    if path.exists():
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return manifest
    return {"clips": []}


def _current(entry: dict[str, Any] | None, text: str, voice: str, audio_dir: Path) -> bool:
    if entry is None:
        return False
    path = audio_dir / entry["file"]
    if not path.is_file() or entry.get("file_sha256") != file_sha256(path):
        return False
    if entry.get("text_sha256") != text_sha256(text):
        return False
    if not entry.get("synthetic", True):
        return True  # a human recording of the current text: never replaced
    return entry.get("voice") == voice and entry.get("settings") == SETTINGS


def generate(
    clips: list[Clip], *, audio_dir: Path = AUDIO_DIR, check_only: bool = False
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Bring the audio and its manifest up to date.

    Returns the new manifest, what was (or, with `check_only`, would be) generated, and what could
    not be: (key, language) pairs whose text is not translated yet.
    """
    old = {(e["context"], e["language"]): e for e in load_manifest(audio_dir / "manifest.json")["clips"]}
    versions = tool_versions() if not check_only else {}
    made: list[str] = []
    missing: list[str] = []
    # One file per (language, text): the first clip that says it owns it, the others share it.
    owners: dict[tuple[str, str], tuple[Clip, str]] = {}
    for clip in clips:
        for lang, text in clip.texts.items():
            if text is None:
                missing.append(f"{clip.key} [{lang}]")
            else:
                owners.setdefault((lang, text_sha256(text)), (clip, lang))
    spoken: dict[tuple[str, str], dict[str, Any] | None] = {}
    to_make: list[tuple[tuple[str, str], Clip, str, str]] = []
    for said, (clip, lang) in owners.items():
        text = clip.texts[lang]
        assert text is not None
        entry = old.get((clip.key, lang))
        if _current(entry, text, VOICES[lang], audio_dir):
            spoken[said] = entry
            continue
        made.append(f"{clip.key} [{lang}]")
        if entry is not None and not entry.get("synthetic", True):
            print(f"replacing a recorded voice whose text changed: {clip.key} [{lang}]", file=sys.stderr)
        to_make.append((said, clip, lang, text))
    if not check_only:
        with ThreadPoolExecutor(max_workers=SYNTHESIS_WORKERS) as pool:
            made_entries = pool.map(
                lambda job: _synthesise_entry(job[1], job[2], job[3], audio_dir, versions), to_make
            )
            for (said, *_rest), entry in zip(to_make, made_entries, strict=True):
                spoken[said] = entry
    entries: list[dict[str, Any]] = []
    for clip in clips:
        for lang, text in clip.texts.items():
            found = spoken.get((lang, text_sha256(text))) if text is not None else None
            if found is not None:
                kept = {key: value for key, value in found.items() if key not in _DESCRIPTION}
                entries.append({**kept, **_describe(clip, lang)})
    manifest = {
        "format": MANIFEST_FORMAT,
        "about": "Spoken prompts for private answering; synthetic ones are drafts. See docs/languages.md.",
        "codec": {
            "container": "mp3",
            "channels": 1,
            "sample_rate_hz": SAMPLE_RATE_HZ,
            "bitrate_kbps": BITRATE_KBPS,
        },
        "languages": [lang for lang in SHIPPED_LANGUAGES if any(lang in clip.texts for clip in clips)],
        "languages_without_voice": [
            lang for lang in SHIPPED_LANGUAGES if not any(lang in clip.texts for clip in clips)
        ],
        "licence": LICENCE_NOTE,
        "protocols": [protocol.id for protocol in list_protocols()],
        "clips": sorted(entries, key=lambda e: (e["context"], SHIPPED_LANGUAGES.index(e["language"]))),
    }
    return manifest, made, missing


_DESCRIPTION = frozenset({"context", "language", "kind", "domain", "msgctxt", "msgid"})


def _describe(clip: Clip, lang: str) -> dict[str, Any]:
    return {
        "context": clip.key,
        "language": lang,
        "kind": clip.kind,
        "domain": clip.domain,
        "msgctxt": clip.msgctxt,
        "msgid": clip.msgid,
    }


def _synthesise_entry(
    clip: Clip, lang: str, text: str, audio_dir: Path, versions: dict[str, str]
) -> dict[str, Any]:
    relative = clip_filename(lang, clip.key)
    path = audio_dir / relative
    synthesise(text, VOICES[lang], path)
    return {
        "file": relative,
        "synthetic": True,
        "engine": versions["engine"],
        "encoder": versions["encoder"],
        "voice": VOICES[lang],
        "settings": SETTINGS,
        "text_sha256": text_sha256(text),
        "file_sha256": file_sha256(path),
        "bytes": path.stat().st_size,
        "duration_ms": mp3_duration_ms(path),
    }


def remove_orphans(manifest: dict[str, Any], audio_dir: Path = AUDIO_DIR) -> list[Path]:
    """Delete MP3 files under `audio_dir` that the manifest no longer lists."""
    listed = {entry["file"] for entry in manifest["clips"]}
    removed = []
    for path in sorted(audio_dir.glob("*/*.mp3")):
        if path.relative_to(audio_dir).as_posix() not in listed:
            path.unlink()
            removed.append(path)
    return removed


def main(argv: list[str] | None = None) -> int:
    """Generate missing or stale clips and rewrite the manifest (or only report, with --check)."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.generate_audio", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when anything is stale")
    args = parser.parse_args(argv)
    if not args.check:
        tool("espeak-ng"), tool("lame")
    clips = collect_clips(voiced_languages())
    manifest, made, missing = generate(clips, check_only=args.check)
    for item in missing:
        print(f"not translated yet, no audio: {item}", file=sys.stderr)
    if args.check:
        for item in made:
            print(f"stale or missing audio: {item}")
        return 1 if made or missing else 0
    MANIFEST_PATH.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    removed = remove_orphans(manifest)
    files = [AUDIO_DIR / entry["file"] for entry in manifest["clips"]]
    files = sorted(set(files))
    total = sum(path.stat().st_size for path in files)
    print(
        f"generated {len(made)}, removed {len(removed)}; {len(manifest['clips'])} entries, "
        f"{len(files)} files, {total / 1e6:.2f} MB in all; "
        f"no voice: {', '.join(manifest['languages_without_voice']) or 'none'}"
    )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
