"""Running a screening over the vault: the one code path the app's screens and the CLI both use.

    service = ScreeningService(vault)
    screening = service.begin("border-rapid", respondent_language="fr", officer_language="en",
                              checks={...}, consent={...})
    screening.step                      # AskQuestion | EmergencyStop | Finished (from the engine)
    screening.answer("yes")             # committed (encrypted) before it returns
    screening.decline(); screening.back()
    screening.decline(distress=True)    # not asked because the person was distressed (unknown)
    outcome = screening.finish(notes)   # completed; sealed to the organisation when enrolled
    screening.stop(keep=False)          # discard (or withdrawn consent): a content-free record remains
    deleted_at = screening.discard()    # the same, returning the time for the person's receipt
    screening = service.resume(id)      # after a crash or a lock: same question, all answers

Every change is one engine call followed by one vault transaction: the in-memory state moves on only
after the new state is on disk, so what the screen shows is never ahead of what survives a kill.
The transaction appends the change (`Interview.changes_since` the last saved state), not the whole
interview, so saving costs the same at question 800 as at question 8. Every `COMPACT_AFTER` changes,
and when the interview is paused (`compact`), the whole state is written once and the change rows
are deleted, in one transaction; resuming replays the rows after that snapshot (`with_changes`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from babel import Locale

from app.screening_errors import (
    LanguageCodeError,
    NoCurrentQuestionError,
    NotAMappingError,
    NotesTooLongError,
    ProtocolVersionChangedError,
    QuestionsRemainError,
    ScreeningError,
)
from app.vault import InterviewSummary, Vault
from screening_protocols import (
    AnswerValue,
    AskQuestion,
    Interview,
    Outcome,
    Protocol,
    Question,
    Step,
    answer_next,
    back,
    decline_next,
    get_protocol,
    next_step,
    outcome,
    resume,
    start,
)
from sync.sealed import SealedInterview

__all__ = [
    "COMPACT_AFTER",
    "MAX_NOTES_LENGTH",
    "Screening",
    "ScreeningError",
    "ScreeningService",
    "check_language_code",
    "screening_context",
]

MAX_NOTES_LENGTH = 4000
# Beside the engine's state (in the vault) and in the sealed outcome: questions not asked because the
# person was distressed. The engine records them as declined (unknown).
DISTRESS_KEY = "not_asked_distress"
_ISO_639_1 = re.compile(r"[a-z]{2}")
# How many change rows may follow an interview's snapshot before the next save writes the whole
# state instead. A snapshot of wide-1000 costs about 25 change rows; at 64 the snapshot adds under
# half a change row's cost per answer on average, and a resume decrypts and replays at most 64 small
# records (a few ms on a phone). Smaller buys little; larger slows resuming a long interview.
COMPACT_AFTER = 64


def check_language_code(code: str, *, field: str) -> str:
    """Return `code` when it is an ISO 639-1 language code (two lower-case letters Babel knows).

    Raises:
        LanguageCodeError: naming the field and what is expected.
    """
    if not isinstance(code, str) or not _ISO_639_1.fullmatch(code) or code not in Locale("en").languages:
        raise LanguageCodeError(field=field)
    return code


def _json_object(value: Mapping[str, Any] | None, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise NotAMappingError(field=field)
    return dict(value)


def screening_context(
    respondent_language: str,
    officer_language: str,
    checks: Mapping[str, Any] | None,
    consent: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """What a screening records besides its answers: languages (checked), pre-checks and consent."""
    return {
        "respondent_language": check_language_code(respondent_language, field="respondent language"),
        "officer_language": check_language_code(officer_language, field="officer language"),
        "checks": _json_object(checks, "checks"),
        "consent": _json_object(consent, "consent"),
    }


def stored_state(interview: Interview, distress: tuple[str, ...]) -> dict[str, Any]:
    """What the vault keeps of a running interview: the engine's state, and the distress marks."""
    state = interview.to_dict()
    if distress:
        state[DISTRESS_KEY] = list(distress)
    return state


def replayed(
    snapshot: Mapping[str, Any], changes: Sequence[Mapping[str, Any]]
) -> tuple[Interview, tuple[str, ...]]:
    """The interview and its distress marks from a stored snapshot and the changes saved after it.

    Raises:
        InterviewStateError: the snapshot or a change does not have the engine's shape.
    """
    interview = Interview.from_dict(snapshot)
    distress = tuple(str(qid) for qid in snapshot.get(DISTRESS_KEY, ()))
    for change in changes:
        interview = interview.with_changes(change)
        if DISTRESS_KEY in change:
            distress = tuple(str(qid) for qid in change[DISTRESS_KEY])
    return interview, distress


class Screening:
    """One interview being run: the engine's state, kept in step with its encrypted copy in the vault."""

    def __init__(
        self,
        vault: Vault,
        protocol: Protocol,
        interview_id: str,
        interview: Interview,
        started_at: datetime,
        context: Mapping[str, Any],
        not_asked_distress: tuple[str, ...] = (),
        log: tuple[int, int] = (0, 0),
    ) -> None:
        self._vault = vault
        self.protocol = protocol
        self.interview_id = interview_id
        self._interview = interview
        self.started_at = started_at
        self._context = dict(context)
        self.sealed = False
        self._step: Step = next_step(protocol, interview)
        self._outcome: Outcome | None = None  # computed on first use, for the state it was asked in
        # Questions the officer did not ask because the person was distressed (declined: unknown).
        self._distress = not_asked_distress
        # The vault's change log for this interview as this object last saved it: the newest
        # sequence number, and how many change rows follow the snapshot.
        self._log_seq, self._log_rows = log

    @property
    def interview(self) -> Interview:
        """The engine state as last saved."""
        return self._interview

    @property
    def not_asked_distress(self) -> tuple[str, ...]:
        """Questions not asked because the person was distressed (recorded as declined: unknown)."""
        return self._distress

    @property
    def respondent_language(self) -> str:
        return str(self._context["respondent_language"])

    @property
    def officer_language(self) -> str:
        return str(self._context["officer_language"])

    @property
    def checks(self) -> Mapping[str, Any]:
        """The pre-checks as recorded (answers and red flags)."""
        checks = self._context.get("checks")
        return checks if isinstance(checks, Mapping) else {}

    @property
    def step(self) -> Step:
        """What to do now: ask a question, stop for an emergency, or finish (computed once per change)."""
        return self._step

    def outcome(self) -> Outcome:
        """Decision support for the answers so far (for a summary screen); nothing is saved.

        Computed once per state: the summary shows it and `finish` seals the same object.
        """
        if self._outcome is None:
            self._outcome = outcome(self.protocol, self._interview)
        return self._outcome

    def answer(self, value: AnswerValue) -> Step:
        """Answer the current question and save, in one transaction, before returning the next step.

        Raises:
            AnswerError: the value does not fit the question (nothing is saved).
            ScreeningError: there is no question to answer now.
            VaultLockedError: the vault locked; unlock and resume, nothing saved is lost.
        """
        question = self._current_question()
        interview, step = answer_next(self.protocol, self._interview, question.id, value)
        return self._save(interview, step=step)

    def decline(self, distress: bool = False) -> Step:
        """ "Prefer not to answer" the current question (unknown, never "no"), saved before returning.

        `distress=True`: the officer did not ask it because the person was distressed; it counts as
        unknown like a declined answer, and is recorded as not asked because of distress.
        """
        question = self._current_question()
        declined, step = decline_next(self.protocol, self._interview, question.id)
        marks = (*self._distress, question.id) if distress else self._distress
        return self._save(declined, marks, step=step)

    def back(self) -> Step:
        """Undo the last answer (it is removed, and its question is asked again), saved before returning."""
        undone = back(self.protocol, self._interview)
        return self._save(undone, tuple(qid for qid in self._distress if qid in undone.answers))

    def finish(self, notes: str | None = None) -> Outcome:
        """Complete the interview; when the device is enrolled it is sealed in the same transaction.

        Args:
            notes: the officer's free-text notes (encrypted, then sealed with the interview).

        Returns:
            The outcome, for the summary screen.

        Raises:
            QuestionsRemainError: questions remain (answer or decline them, or `stop(keep=True)`).
        """
        if isinstance(self.step, AskQuestion):
            raise QuestionsRemainError()
        return self._complete(notes)

    def stop(self, keep: bool = False, notes: str | None = None) -> Outcome | None:
        """Stop now. `keep=False` (discard, or consent withdrawn): the content is deleted and only a
        deletion record remains. `keep=True` (the person agreed to keep what was said): completed with
        the answers so far and the officer's `notes`, unanswered questions counted as unknown.

        Returns:
            The outcome when kept, None when discarded.
        """
        if keep:
            return self._complete(notes)
        self.discard()
        return None

    def discard(self) -> datetime:
        """Delete the content now (only a content-free record remains); returns when, for a receipt."""
        return self._vault.interviews.discard(self.interview_id)

    def _current_question(self) -> Question:
        step = self.step
        if not isinstance(step, AskQuestion):
            raise NoCurrentQuestionError()
        return step.question

    def compact(self) -> None:
        """Fold the saved changes into one snapshot (e.g. on pause), in one transaction; nothing is
        lost if it is interrupted. Does nothing when no change follows the snapshot."""
        if self._log_rows:
            state = stored_state(self._interview, self._distress)
            self._log_seq = self._vault.interviews.save_state(self.interview_id, state)
            self._log_rows = 0

    def _save(
        self, interview: Interview, distress: tuple[str, ...] | None = None, *, step: Step | None = None
    ) -> Step:
        """Save `interview` (one transaction), then move on to it; `step` is its next step when known."""
        distress = self._distress if distress is None else distress
        records = self._vault.interviews
        saved = None
        if self._log_rows < COMPACT_AFTER:
            change = interview.changes_since(self._interview)
            if distress != self._distress:
                change[DISTRESS_KEY] = list(distress)
            saved = records.append_change(self.interview_id, change, after=self._log_seq)
        if saved is None:  # time to compact, or another tab saved this draft since: the whole state
            self._log_seq = records.save_state(self.interview_id, stored_state(interview, distress))
            self._log_rows = 0
        else:
            self._log_seq, self._log_rows = saved
        self._interview = interview
        self._distress = distress
        self._step = next_step(self.protocol, interview) if step is None else step
        self._outcome = None
        return self._step

    def _complete(self, notes: str | None) -> Outcome:
        if notes is not None and (not isinstance(notes, str) or len(notes) > MAX_NOTES_LENGTH):
            raise NotesTooLongError(limit=MAX_NOTES_LENGTH)
        result = self.outcome()
        state = self._interview.to_dict()
        submission = SealedInterview(
            interview_id=self.interview_id,
            protocol_id=self.protocol.id,
            protocol_version=self.protocol.version,
            started_at=self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            respondent_language=self.respondent_language,
            officer_language=self.officer_language,
            answers=state["answers"],
            asked=tuple(state["asked"]),
            outcome={**result.to_dict(), **({DISTRESS_KEY: list(self._distress)} if self._distress else {})},
            notes=notes.strip() if notes and notes.strip() else None,
            checks=self._context.get("checks", {}),
            consent=self._context.get("consent", {}),
        )
        self.sealed = self._vault.interviews.complete(self.interview_id, submission)
        return result

    def resume_after_emergency(self) -> Step:
        """The person is safe and agrees to go on after an emergency stop: the screen continues with
        every answer kept (the outcome stays "immediate danger"), saved before returning."""
        return self._save(resume(self.protocol, self._interview))


class ScreeningService:
    """Begins, resumes and discards screenings in one vault session."""

    def __init__(self, vault: Vault, protocols: Callable[[str], Protocol] = get_protocol) -> None:
        self._vault = vault
        self._protocols = protocols

    def begin(
        self,
        protocol_id: str,
        *,
        respondent_language: str,
        officer_language: str = "en",
        checks: Mapping[str, Any] | None = None,
        consent: Mapping[str, Any] | None = None,
        facts: Mapping[str, AnswerValue] | None = None,
    ) -> Screening:
        """Start a screening and save it before returning (an empty one survives a crash too).

        Args:
            protocol_id: a library protocol id.
            respondent_language: ISO 639-1 code of the language the person answers in.
            officer_language: ISO 639-1 code of the officer's language.
            checks: the pre-checks (e.g. whether the person is alone), JSON-safe.
            consent: what the person agreed to, JSON-safe.
            facts: facts carried from earlier (e.g. {"age": 16}), never asked again.

        Raises:
            ScreeningError: a language code is not ISO 639-1.
            UnknownProtocolError / AnswerError: from the engine.
            VaultLockedError: the vault is locked.
        """
        protocol = self._protocols(protocol_id)
        context = screening_context(respondent_language, officer_language, checks, consent)
        interview = start(protocol, facts)
        records = self._vault.interviews
        interview_id = records.create(
            protocol_id=protocol.id,
            protocol_version=protocol.version,
            engine_state=interview.to_dict(),
            context=context,
        )
        stored = records.load(interview_id)
        return Screening(self._vault, protocol, interview_id, interview, stored.started_at, context)

    def resume(self, interview_id: str) -> Screening:
        """Carry on an in-progress interview at the same question, with all its answers.

        Raises:
            InterviewError: no such in-progress interview in this session.
            ProtocolVersionChangedError: the app now has another version of the protocol it was started with.
        """
        stored = self._vault.interviews.load(interview_id)
        protocol = self._protocols(stored.protocol_id)
        if protocol.version != stored.protocol_version:
            raise ProtocolVersionChangedError(started=stored.protocol_version, current=protocol.version)
        interview, distress = replayed(stored.engine_state, stored.changes)
        return Screening(
            self._vault,
            protocol,
            interview_id,
            interview,
            stored.started_at,
            stored.context,
            distress,
            log=(stored.log_seq, len(stored.changes)),
        )

    def discard(self, interview_id: str) -> None:
        """Delete an in-progress or completed (not yet sealed) interview, e.g. when consent is withdrawn."""
        self._vault.interviews.discard(interview_id)

    def list_interviews(self) -> list[InterviewSummary]:
        """This session's interviews: metadata only."""
        return self._vault.list_interviews()
