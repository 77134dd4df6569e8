"""Each text keeps its own direction on a screen mirrored for another language.

Flet can only switch a control to right to left, so a left-to-right line inside a mirrored screen is
aligned left and wrapped in left-to-right marks (app/components/text.py); a keypad keeps 1 2 3 from
left to right; an officer's observation is not put to the person at all.

BI100: on an Arabic respondent's question, the English officer's line is kept left to right (its
       question mark stays at its end) and aligned left; the Arabic line is right to left.
BI101: the hand-back screen (Arabic respondent, English officer): the officer's heading and
       instruction are left to right, the secret field is aligned left.
BI102: the private keypad is not mirrored: in Arabic its rows hold their keys in reverse, so the
       mirrored rows show 1 2 3 from left to right, as in English.
BI103: an officer-only question (an observation) is shown in the officer's language only, small,
       under "For the officer", on a screen laid out for the officer; never large in Arabic.
BI104: an officer's guidance under an Arabic question is left to right and aligned left.
BI105: the keypad in English: 1 2 3 in that order.
"""

from __future__ import annotations

import flet as ft
from flet_harness import AppHarness, iter_controls
from ui_support import answer_current, set_up, to_first_question

from app.components.text import LRM
from screening_protocols import Audience


def _texts(app: AppHarness, root: object | None = None) -> list[ft.Text]:
    return [c for c in iter_controls(root or app.top_view) if isinstance(c, ft.Text) and c.value]


def _ltr_isolated(text: ft.Text) -> bool:
    value = str(text.value)
    return value.startswith(LRM) and value.endswith(LRM) and text.text_align == ft.TextAlign.LEFT


async def test_bi100_officer_line_stays_left_to_right(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app, respondent="ar", officer="en")
    assert app.top_view.rtl
    block = app.by_key("question-text-in_danger")
    arabic, english = _texts(app, block)
    assert arabic.rtl and not str(arabic.value).startswith(LRM)
    assert not english.rtl and _ltr_isolated(english)
    assert str(english.value).strip(LRM).endswith("?")


async def test_bi101_handback_for_a_left_to_right_officer(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app, respondent="ar", officer="en", private=True)
    await app.click("private-handback")
    await app.wait_for(lambda: app.top_view.route == "/handback", what="the hand-back screen")
    assert app.top_view.rtl
    field = app.by_key("handback-secret")
    assert field.text_align == ft.TextAlign.LEFT
    officer_lines = [
        t for t in _texts(app) if "secret" in str(t.value) or str(t.value).strip(LRM) == "Officer"
    ]
    assert len(officer_lines) == 2 and all(_ltr_isolated(t) for t in officer_lines)


def _keypad_rows(app: AppHarness) -> list[list[str]]:
    keypad = app.by_key("private-keypad")
    return [
        [str(c.key) for c in iter_controls(row) if str(getattr(c, "key", "")).startswith("private-key-")]
        for row in keypad.controls
    ]


async def _to_keypad(app: AppHarness, respondent: str) -> None:
    await set_up(app)
    await to_first_question(app, respondent=respondent, officer="en", private=True)
    await app.click("private-no")  # in_danger
    await app.click("private-confirm")
    await app.wait_for(lambda: app.find("private-keypad") is not None, what="the keypad (age)")


async def test_bi102_keypad_is_not_mirrored(app: AppHarness) -> None:
    await _to_keypad(app, "ar")
    rows = _keypad_rows(app)
    assert rows[0] == ["private-key-3", "private-key-2", "private-key-1"]  # shown mirrored: 1 2 3
    assert rows[3] == ["private-key-back", "private-key-0"]
    assert all(row.rtl for row in app.by_key("private-keypad").controls)


async def test_bi105_keypad_in_english(app: AppHarness) -> None:
    await _to_keypad(app, "en")
    assert _keypad_rows(app)[0] == ["private-key-1", "private-key-2", "private-key-3"]


async def test_bi103_officer_only_question_in_the_officers_language(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app, respondent="ar", officer="en")
    await answer_current(app, "no")  # in_danger
    await answer_current(app, "34")  # age
    step = app.page.data.state.step
    assert step.question.id == "age_observed" and step.question.audience is Audience.OFFICER
    assert not app.top_view.rtl  # laid out for the (English) officer
    panel = app.by_key("question-text-age_observed")
    label, question = _texts(app, panel)
    assert label.value == "For the officer" and (label.size or 0) <= 12
    assert (question.size or 0) <= 16 and not question.rtl
    arabic = [t for t in _texts(app) if any("\u0600" <= ch <= "\u06ff" for ch in str(t.value))]
    assert arabic == [], [t.value for t in arabic]
    buttons = [c for c in iter_controls(app.top_view) if str(getattr(c, "key", "")).startswith("answer-")]
    assert buttons and all("·" not in str(b.content) for b in buttons)  # officer's words only


async def test_bi104_guidance_stays_left_to_right(app: AppHarness) -> None:
    await set_up(app)
    await to_first_question(app, respondent="ar", officer="en")
    guidance = app.find("question-guidance")
    assert guidance is not None, "border-rapid's first question has guidance"
    texts = _texts(app, guidance)  # the guidance, then the distress cues
    assert len(texts) == 2
    assert all(_ltr_isolated(text) for text in texts)
