"""Practice mode: the real screens over a screening that lives in memory only.

`PracticeScreening` is a `Screening` whose vault refuses every use (`_NoVault`): an answer moves the
engine on and nothing is written, so a practice interview never reaches the vault's interview tables
or the outbox, never syncs and cannot be resumed or turned into a real one. At the end the trainee's
record is scored against the case (`screening_protocols.practice.score`) and only the score is kept,
per protocol, in a separate file next to the vault (`PracticeScores`): numbers, no answers, no text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from app.i18n import Translator
from app.screening import Screening, screening_context
from app.vault import Vault
from screening_protocols import (
    AnswerValue,
    EmergencyStop,
    Interview,
    Outcome,
    Protocol,
    Step,
    get_protocol,
    next_step,
    render_question,
    start,
)
from screening_protocols.interview import DECLINED
from screening_protocols.practice import Attempt, Feedback, PracticeCase, score
from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = ["PRACTICE_SCORES_FILE", "PracticeRun", "PracticeScores", "PracticeScreening", "scripted_reply"]

PRACTICE_SCORES_FILE = "practice-scores.json"
PRACTICE_ID = "practice"  # the interview id a practice screening shows: never a vault record


class PracticeIsolationError(WaypointError):
    """Something tried to reach the vault from a practice screening (a bug: practice keeps nothing)."""

    code = "WP-TRAIN-004"
    what = N_("Practice interviews are never saved.")
    todo = N_("Leave practice from the home screen to run a real screening.")


class _NoVault:
    """Stands where a practice screening's vault would be: any use of it is refused."""

    def __getattr__(self, name: str) -> Any:
        raise PracticeIsolationError()


class PracticeScores:
    """The running score per protocol: `{protocol: {"cases": n, "points": p, "possible": q}}`, in a JSON
    file of its own (never the vault). Only numbers, so it holds nothing about any person."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / PRACTICE_SCORES_FILE

    def load(self) -> dict[str, dict[str, int]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(pid): {k: int(row.get(k, 0)) for k in ("cases", "points", "possible")}
            for pid, row in data.items()
            if isinstance(row, dict)
        }

    def record(self, feedback: Feedback) -> dict[str, int]:
        """Add one finished case to its protocol's score (written atomically); the protocol's total."""
        scores = self.load()
        row = scores.setdefault(feedback.protocol_id, {"cases": 0, "points": 0, "possible": 0})
        row["cases"] += 1
        row["points"] += feedback.points
        row["possible"] += feedback.possible
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(scores, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path)
        return row


@dataclass(eq=False)
class PracticeRun:
    """One practice case being run: the case, the safety steps seen so far, and the feedback at the end."""

    case: PracticeCase
    scores: PracticeScores
    steps: set[str] = field(default_factory=set)
    checks: dict[str, str] = field(default_factory=dict)
    feedback: Feedback | None = None
    total: dict[str, int] | None = None  # the protocol's running score after this case

    def begin(
        self,
        protocol_id: str,
        *,
        respondent_language: str,
        officer_language: str = "en",
        checks: Mapping[str, Any] | None = None,
        consent: Mapping[str, Any] | None = None,
        facts: Mapping[str, AnswerValue] | None = None,
    ) -> PracticeScreening:
        """Like `ScreeningService.begin`, in memory: the case's protocol, whatever else was chosen."""
        protocol = get_protocol(self.case.protocol_id)
        self.checks = {str(k): str(v) for k, v in (checks or {}).items()}
        context = screening_context(respondent_language, officer_language, self.checks, consent)
        return PracticeScreening(self, protocol, start(protocol, facts), context)


class PracticeScreening(Screening):
    """A screening that keeps its answers in memory; finishing scores it instead of saving it."""

    def __init__(
        self, run: PracticeRun, protocol: Protocol, interview: Interview, context: dict[str, Any]
    ) -> None:
        super().__init__(
            cast(Vault, _NoVault()), protocol, PRACTICE_ID, interview, datetime.now(UTC), context
        )
        self.run = run

    def _save(
        self, interview: Interview, distress: tuple[str, ...] | None = None, *, step: Step | None = None
    ) -> Step:
        self._interview = interview
        self._distress = self._distress if distress is None else distress
        self._step = step = next_step(self.protocol, interview) if step is None else step
        self._outcome = None
        if isinstance(step, EmergencyStop):
            self.run.steps.add("stop_for_danger")
        return step

    def stop(self, keep: bool = False, notes: str | None = None) -> Outcome | None:
        return self._complete(notes) if keep else None  # scored, never saved

    def discard(self) -> datetime:
        return datetime.now(UTC)  # practice keeps nothing to delete

    def _complete(self, notes: str | None) -> Outcome:
        answers = dict(self._interview.answers)
        attempt = Attempt(answers, self.run.checks, frozenset(self.run.steps))
        self.run.feedback = score(self.run.case, attempt, self.officer_language)
        self.run.total = self.run.scores.record(self.run.feedback)
        return self.outcome()


def scripted_reply(case: PracticeCase, question_id: str, translator: Translator) -> str:
    """What the person replies to `question_id`, as the trainee reads it (in the officer's language)."""
    _ = translator.gettext
    value: AnswerValue = case.replies.get(question_id)
    if question_id not in case.replies or value == "dont_know":
        return _("The person does not know.")
    if value == DECLINED:
        return _("The person prefers not to answer.")
    protocol = get_protocol(case.protocol_id)
    rendered = render_question(protocol, protocol.by_id[question_id], translator.language)
    labels = {option.value: option.label.text for option in rendered.options}
    chosen = value if isinstance(value, tuple | list) else (value,)
    return ", ".join(labels.get(str(v), str(v)) for v in chosen)
