"""Shared helpers for the protocol tests: inline protocols and answer strategies.

Imported as `protocol_helpers` (pytest puts this folder on sys.path; the name is unique on purpose).
"""

from __future__ import annotations

import os
import shutil
import textwrap
from datetime import date

import pytest
from hypothesis import strategies as st

from screening_protocols import DECLINED, Protocol, Question, QuestionKind, load_protocol

CONSENT = """\
consent:
  kind: consent
  agreement: Shall we start?
  items:
    - {topic: purpose, text: Why we ask.}
    - {topic: data_use, text: How answers are used.}
    - {topic: retention, text: How long answers are kept.}
    - {topic: withdrawal, text: How to withdraw.}
    - {topic: right_not_to_answer, text: You need not answer.}
    - {topic: right_to_stop, text: You can stop.}
    - {topic: right_to_restrict_use, text: You can restrict use.}
"""


def inline_protocol(body: str, *, header: str = "") -> Protocol:
    """A protocol from a short YAML body (sections, indicators, rules); metadata and consent added."""
    text = (
        'id: inline\nversion: "1"\ntitle: Inline test screen\naudience: general\n'
        "validation_status: Test only.\n" + textwrap.dedent(header) + CONSENT + textwrap.dedent(body)
    )
    return load_protocol(text.encode(), name="inline.yaml")


def answer_values(question: Question) -> st.SearchStrategy[object]:
    """Every kind of valid answer to `question`, "declined" included (None for info screens)."""
    kind = question.kind
    if kind is QuestionKind.INFO:
        return st.none()
    choices: st.SearchStrategy[object]
    if kind is QuestionKind.YES_NO:
        choices = st.sampled_from(["yes", "no", "unsure"])
    elif kind is QuestionKind.SINGLE_CHOICE:
        choices = st.sampled_from([o.value for o in question.options])
    elif kind is QuestionKind.MULTIPLE_CHOICE:
        plain = [o.value for o in question.options if not o.exclusive]
        exclusive = [[o.value] for o in question.options if o.exclusive]
        choices = st.one_of(
            st.lists(st.sampled_from(plain), min_size=1, unique=True),
            st.sampled_from(exclusive or [[plain[0]]]),
        )
    elif kind is QuestionKind.NUMBER:
        low = int(question.minimum if question.minimum is not None else 0)
        high = int(question.maximum if question.maximum is not None else 120)
        choices = st.integers(low, high)
    elif kind is QuestionKind.DATE:
        choices = st.dates(date(1950, 1, 1), date(2030, 12, 31)).map(date.isoformat)
    else:
        choices = st.text(min_size=1, max_size=20).filter(lambda t: t.strip() != "")
    extra = [DECLINED] if question.required else [DECLINED, None]
    return st.one_of(choices, st.sampled_from(extra))


def require_tool(name: str, why: str) -> str:
    """The tool's path; fail under CI=true when it is missing, skip elsewhere (as tests/conftest.py does)."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is missing ({why})"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must install it (.ci/run)")
    pytest.skip(message)
