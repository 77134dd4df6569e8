"""The screening service: the code path the app's screens and the CLI share.

SC001: each answer, decline and back is saved before the call returns; resume returns to the same
       question with every answer (a fresh Vault object, as after a restart).
SC002: finishing on an enrolled device seals the architecture's document, with the engine's outcome.
SC003: finishing before the questions are done is refused; an emergency stop may be finished.
SC004: stop(keep=False) discards (deletion record); stop(keep=True) keeps what was said.
SC005: language codes must be ISO 639-1; a bad answer is refused and nothing is saved.
SC006: a screening begun in the real session cannot write once the duress secret destroyed it.
SC007: resuming with another version of the protocol is refused clearly, the data kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from vault_support import DURESS_SECRET, SECRET, Organisation, protocols_for_tests

from app.screening import ScreeningError, ScreeningService
from app.vault import InterviewError, Vault, VaultLockedError, VaultPolicy
from screening_protocols import AnswerError, AskQuestion, EmergencyStop, Finished


def _service(vault: Vault) -> ScreeningService:
    return ScreeningService(vault, protocols=protocols_for_tests)


def _qid(step: object) -> str:
    assert isinstance(step, AskQuestion)
    return step.question.id


def test_sc001_every_change_is_saved_and_resumes(vault: Vault, open_vault: Callable[..., Vault]) -> None:
    screening = _service(vault).begin("vault-test", respondent_language="fr", consent={"agreed": True})
    assert _qid(screening.step) == "in_danger"
    screening.answer("no")
    screening.answer(34)
    screening.answer("yes")
    assert _qid(screening.step) == "work_place"  # skip logic: asked because works = yes
    screening.decline()
    assert _qid(screening.back()) == "work_place"
    screening.answer("the harbour warehouse")

    restarted = open_vault()  # a new process: nothing but the file
    restarted.unlock(SECRET)
    resumed = _service(restarted).resume(screening.interview_id)
    assert _qid(resumed.step) == "papers"
    assert dict(resumed.interview.answers) == {
        "in_danger": "no",
        "age": 34,
        "works": "yes",
        "work_place": "the harbour warehouse",
    }
    assert resumed.respondent_language == "fr"


def test_sc002_finish_seals_with_outcome(vault: Vault, organisation: Organisation) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    screening = _service(vault).begin(
        "vault-test", respondent_language="ar", checks={"alone": True}, consent={"agreed": True}
    )
    for value in ("no", 17, "no", "employer"):
        screening.answer(value)
    assert isinstance(screening.step, Finished)
    result = screening.finish(notes="  calm, asked for a lawyer  ")
    assert screening.sealed and result.level.value != ""
    (item,) = vault.outbox_store.pending(10)
    assert (item.protocol_id, item.protocol_version) == ("vault-test", "1.0.0")
    document = organisation.open(item)
    assert document["answers"] == {"in_danger": "no", "age": 17, "works": "no", "papers": "employer"}
    assert document["asked"] == ["in_danger", "age", "works", "papers"]
    assert document["outcome"] == result.to_dict()
    assert document["notes"] == "calm, asked for a lawyer"
    assert document["respondent_language"] == "ar" and document["officer_language"] == "en"
    assert document["checks"] == {"alone": True} and document["consent"] == {"agreed": True}
    assert vault.list_interviews()[0].state == "sealed"
    with pytest.raises(InterviewError):
        screening.back()  # sealed: nothing about it can be changed any more


def test_sc003_finish_needs_every_question(vault: Vault) -> None:
    screening = _service(vault).begin("vault-test", respondent_language="en")
    with pytest.raises(ScreeningError):
        screening.finish()
    screening.answer("yes")
    assert isinstance(screening.step, EmergencyStop)
    with pytest.raises(ScreeningError):
        screening.answer("no")
    screening.finish()
    assert vault.list_interviews()[0].state == "completed"


def test_sc004_stop(vault: Vault) -> None:
    service = _service(vault)
    discarded = service.begin("vault-test", respondent_language="en")
    discarded.answer("no")
    assert discarded.stop() is None
    kept = service.begin("vault-test", respondent_language="en")
    kept.answer("no")
    result = kept.stop(keep=True)
    assert result is not None and "age" in result.unknown
    states = {s.id: s.state for s in service.list_interviews()}
    assert states == {discarded.interview_id: "discarded", kept.interview_id: "completed"}
    with pytest.raises(InterviewError):
        service.resume(discarded.interview_id)


def test_sc005_bad_input_saves_nothing(vault: Vault) -> None:
    service = _service(vault)
    for language in ("fre", "FR", "xx", ""):
        with pytest.raises(ScreeningError):
            service.begin("vault-test", respondent_language=language)
    assert vault.list_interviews() == []
    screening = service.begin("vault-test", respondent_language="ti")
    with pytest.raises(AnswerError) as raised:
        screening.answer("perhaps")
    assert "in_danger" in raised.value.message() and "yes, no, unsure" in raised.value.message()
    assert _qid(service.resume(screening.interview_id).step) == "in_danger"


def test_sc006_sessions_do_not_mix(vault: Vault) -> None:
    vault.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    screening = _service(vault).begin("vault-test", respondent_language="en")
    vault.lock()
    with pytest.raises(VaultLockedError):
        screening.answer("no")
    vault.unlock(DURESS_SECRET)
    with pytest.raises(InterviewError):
        screening.answer("no")  # the real interview is gone, and cannot be written


def test_sc007_protocol_version_changed(vault: Vault) -> None:
    screening = _service(vault).begin("vault-test", respondent_language="en")

    def upgraded(protocol_id: str) -> object:
        return replace(protocols_for_tests(protocol_id), version="2.0.0")

    with pytest.raises(ScreeningError) as raised:
        ScreeningService(vault, protocols=upgraded).resume(screening.interview_id)  # type: ignore[arg-type]
    assert "1.0.0" in raised.value.message()
    assert _service(vault).resume(screening.interview_id).step == screening.step
