"""Finished screenings stay useful: the outcome summary kept after sealing, until the retention purge.

VD010: finishing on an enrolled device seals the answers away, and the summary (level, indicators with
       their elements, referral needs, language, age group, protocol, finished time) stays readable.
VD011: not enrolled, the summary exists from completion and survives the later sealing; it needs an
       unlocked session, and a session sees only its own space's summaries.
VD012: the retention purge removes the summary with the envelope; a discard removes it at once.
VD013: the summary is encrypted: neither it nor the answers appear in any file under the data folder.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from vault_support import (
    DURESS_SECRET,
    SECRET,
    FakeClock,
    Organisation,
    all_bytes_under,
    protocols_for_tests,
)

from app.screening import ScreeningService
from app.vault import FinishedIndicator, FinishedSummary, InterviewError, Vault, VaultLockedError, VaultPolicy


def _finish(vault: Vault, answers: tuple[object, ...], notes: str | None = None) -> str:
    screening = ScreeningService(vault, protocols=protocols_for_tests).begin(
        "vault-test", respondent_language="ar", consent={"agreed": True}
    )
    for value in answers:
        screening.answer(value)
    screening.finish(notes=notes)
    return screening.interview_id


def test_vd010_summary_survives_sealing(vault: Vault, organisation: Organisation, clock: FakeClock) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    interview = _finish(vault, ("no", 17, "no", "employer"), notes="asked for a lawyer")
    assert vault.list_interviews()[0].state == "sealed"
    summary = vault.finished_summary(interview)
    assert isinstance(summary, FinishedSummary)
    assert (summary.interview_id, summary.protocol_id, summary.protocol_version) == (
        interview,
        "vault-test",
        "1.0.0",
    )
    assert summary.finished_at == datetime.fromtimestamp(clock.now(), tz=UTC)
    assert summary.level != "" and summary.respondent_language == "ar"
    assert summary.indicators == (FinishedIndicator("papers_held", "means", None, "strong"),)
    assert summary.elements.get("means") == ("papers_held",)
    assert summary.referral_needs == ("legal", "child_protection")
    assert (summary.age_group, summary.child, summary.gender) == ("child", True, None)
    assert vault.finished_summaries() == [summary]
    with pytest.raises(InterviewError):
        vault.interviews.load_completed(interview)  # the answers themselves are gone


def test_vd011_summary_from_completion_and_per_space(
    vault: Vault, organisation: Organisation, clock: FakeClock, open_vault: Callable[..., Vault]
) -> None:
    vault.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    first = _finish(vault, ("no", 40, "no", "me"))
    clock.advance(60)
    second = _finish(vault, ("no", 30, "no", "employer"))
    assert [s.interview_id for s in vault.finished_summaries()] == [second, first]
    adult = vault.finished_summary(first)
    assert (adult.age_group, adult.child, adult.indicators, adult.referral_needs) == ("adult", False, (), ())
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    assert sorted(vault.seal_completed()) == sorted([first, second])
    assert vault.finished_summary(first) == adult
    vault.lock()
    with pytest.raises(VaultLockedError):
        vault.finished_summaries()
    other = open_vault()
    with pytest.raises(VaultLockedError):
        other.finished_summary(first)
    other.unlock(DURESS_SECRET)
    assert other.finished_summaries() == []
    with pytest.raises(InterviewError):
        other.finished_summary(first)


def test_vd012_purge_and_discard_remove_the_summary(
    vault: Vault, organisation: Organisation, clock: FakeClock
) -> None:
    vault.set_policy(VaultPolicy(retention_days=7))
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    sent = _finish(vault, ("no", 40, "no", "employer"))
    vault.lock()
    vault.outbox_store.mark_sent([sent], b"receipt")
    now = datetime.fromtimestamp(clock.now(), tz=UTC)
    assert vault.purge_expired(now + timedelta(days=6)) == 0
    vault.unlock(SECRET)
    assert vault.finished_summary(sent).interview_id == sent
    assert vault.purge_expired(now + timedelta(days=7, seconds=1)) == 1
    with pytest.raises(InterviewError):
        vault.finished_summary(sent)
    assert vault.finished_summaries() == []

    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)  # still attested
    screening = ScreeningService(vault, protocols=protocols_for_tests).begin(
        "vault-test", respondent_language="en"
    )
    screening.answer("yes")  # an emergency stop: finished, and sealed at once (enrolled)
    screening.finish()
    assert vault.finished_summary(screening.interview_id).emergency == ("danger_now",)


def test_vd012_discard_of_a_completed_interview_removes_its_summary(vault: Vault) -> None:
    interview = _finish(vault, ("no", 40, "no", "employer"))
    assert vault.finished_summary(interview).referral_needs == ("legal",)
    vault.interviews.discard(interview)
    with pytest.raises(InterviewError):
        vault.finished_summary(interview)


def test_vd013_summary_is_encrypted(vault: Vault, organisation: Organisation) -> None:
    vault.device_store.save_enrollment(organisation.enrollment, organisation.signing_key)
    _finish(vault, ("no", 40, "no", "employer"), notes="Lighthouse-Canary-9931")
    vault.close()
    everything = all_bytes_under(vault.database_path.parent)
    for marker in (b"papers_held", b"legal", b"Lighthouse-Canary-9931", b"employer"):
        assert marker not in everything
