"""The app saves the change, not the whole interview, on every answer (issue 17; schema version 11).

AC010: each answer, decline or back appends exactly one `interview_change` row and leaves the
       snapshot (`interview.engine_state`) untouched; every row is the same size (padded) whatever the
       interview's length, so the bytes written per answer do not grow with the answers so far.
AC011: resuming after N answers (across compactions, `back`, distress declines and an emergency
       resume) gives the interview held in memory: same answers, order, step and distress marks.
AC012: compaction: after `COMPACT_AFTER` change rows the next save writes one snapshot and deletes the
       rows, in one transaction; `compact` (pause) does the same; finishing, sealing and discarding
       delete the rows.
AC013: a version-10 vault migrates to 11 with nothing lost: its drafts resume from their snapshot and
       go on saving changes.
AC014: the duress unlock and the wipe remove every change row (the decoy's own stay), and no
       answer of the real space survives in the files.
AC016: two screenings of one draft (two tabs) never append a change made from a state the log has
       moved past: the second writer saves the whole state instead (the last writer wins, as before
       the change log), and the draft always resumes.
AC015: change rows are bound to their interview and sequence: a row removed, swapped or replayed from
       an older copy stops the load (VaultIntegrityError) instead of resuming a wrong interview.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from vault_support import DURESS_SECRET, SECRET, WRONG_SECRET, FakeClock, all_bytes_under

from app.screening import COMPACT_AFTER, Screening, ScreeningService
from app.vault import Vault, VaultIntegrityError, VaultPolicy, VaultWipedError, WrongSecretError
from screening_protocols import AskQuestion, EmergencyStop, Protocol, load_protocol
from tests.protocols.protocol_helpers import CONSENT


def wide_protocol(size: int = 300) -> Protocol:
    """`size` questions: yes/no with skip logic, a free-text question every 7th, and a danger rule."""
    lines = ["sections:", "  - id: s", "    title: S", "    questions:"]
    for i in range(size):
        kind = "text" if i % 7 == 3 else "yes_no"
        lines += [f"      - id: q{i}", f"        kind: {kind}", f"        text: Question {i}?"]
        if i % 3 == 2:
            lines.append(f"        relevant: ${{q{i - 1}}} != 'no'")
    lines += [
        "emergency:",
        "  - id: danger",
        "    when: ${q0} = 'yes'",
        "    guidance: Get help now.",
        "    referral_needs: [shelter]",
    ]
    text = (
        'id: wide\nversion: "1"\ntitle: Wide\naudience: general\nvalidation_status: Test.\n'
        "decision:\n  age_fact: null\n" + CONSENT + "\n".join(lines) + "\n"
    )
    return load_protocol(text.encode(), name="wide.yaml")


WIDE = wide_protocol(600)


def wide_protocols(protocol_id: str) -> Protocol:
    assert protocol_id == "wide"
    return WIDE


def _service(vault: Vault) -> ScreeningService:
    return ScreeningService(vault, protocols=wide_protocols)


def _value(screening: Screening, n: int) -> str:
    step = screening.step
    assert isinstance(step, AskQuestion)
    if step.question.id == "q0":
        return "no"  # not the danger rule: its test answers q0 itself
    return f"answer {n}" if step.question.kind.value == "text" else ("yes", "no", "unsure")[n % 3]


def _answer(screening: Screening, count: int, start: int = 0) -> None:
    """Answer `count` questions."""
    for n in range(start, start + count):
        screening.answer(_value(screening, n))


def _rows(vault: Vault, sql: str, *params: object) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(vault.database_path)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def _change_count(vault: Vault) -> int:
    return int(_rows(vault, "SELECT count(*) FROM interview_change")[0][0])  # type: ignore[call-overload]


def _snapshot(vault: Vault, interview_id: str) -> bytes:
    found = _rows(vault, "SELECT engine_state FROM interview WHERE id = ?", interview_id)
    return bytes(found[0][0])  # type: ignore[arg-type]


def _same(resumed: Screening, screening: Screening) -> None:
    assert resumed.interview.to_dict() == screening.interview.to_dict()
    assert tuple(resumed.interview.asked) == tuple(screening.interview.asked)
    assert resumed.not_asked_distress == screening.not_asked_distress
    assert resumed.step == screening.step


def test_ac010_one_change_row_per_answer_not_the_snapshot(vault: Vault) -> None:
    screening = _service(vault).begin("wide", respondent_language="fr")
    snapshot = _snapshot(vault, screening.interview_id)
    sizes = set()
    for n in range(40):
        before = _change_count(vault)
        if n % 10 == 5:
            screening.decline(distress=n % 20 == 5)
        elif n % 10 == 9:
            screening.back()
        else:
            _answer(screening, 1, n)
        assert _change_count(vault) == before + 1
        assert _snapshot(vault, screening.interview_id) == snapshot  # the whole state is not rewritten
        sizes |= {len(blob) for (blob,) in _rows(vault, "SELECT change FROM interview_change")}  # type: ignore[arg-type]
    assert sizes == {512 + 29}  # one padded block + version, nonce and tag: the same at every answer


def test_ac011_resume_after_n_answers_equals_memory(vault: Vault) -> None:
    service = _service(vault)
    screening = service.begin("wide", respondent_language="fr")
    done = 0
    for count in (3, 5, 57, 2, 64, 70):
        _answer(screening, count, done)
        done += count
        screening.back()
        screening.back()
        screening.decline(distress=True)
        _same(service.resume(screening.interview_id), screening)
    assert len(screening.interview.asked) > 150
    assert screening.not_asked_distress


def test_ac011_resume_replays_an_emergency_continue(vault: Vault) -> None:
    service = _service(vault)
    screening = service.begin("wide", respondent_language="fr")
    screening.answer("yes")  # q0 = yes: the danger rule stops the screen (one change row)
    assert isinstance(screening.step, EmergencyStop)
    _same(service.resume(screening.interview_id), screening)
    screening.resume_after_emergency()
    _answer(screening, 3, 1)
    resumed = service.resume(screening.interview_id)
    _same(resumed, screening)
    assert resumed.interview.resumed == ("danger",)


def test_ac012_compaction_after_compact_after_rows(vault: Vault) -> None:
    service = _service(vault)
    screening = service.begin("wide", respondent_language="fr")
    snapshot = _snapshot(vault, screening.interview_id)
    _answer(screening, COMPACT_AFTER)
    assert _change_count(vault) == COMPACT_AFTER
    assert _snapshot(vault, screening.interview_id) == snapshot
    _answer(screening, 1, COMPACT_AFTER)  # this save writes the snapshot and deletes the rows
    assert _change_count(vault) == 0
    assert _snapshot(vault, screening.interview_id) != snapshot
    _same(service.resume(screening.interview_id), screening)
    _answer(screening, 3, COMPACT_AFTER + 1)
    assert _change_count(vault) == 3
    resumed = service.resume(screening.interview_id)
    resumed.compact()  # what a pause does
    assert _change_count(vault) == 0
    _same(service.resume(screening.interview_id), screening)
    resumed.compact()  # nothing to fold: no write
    assert _change_count(vault) == 0


def test_ac012_finishing_and_discarding_delete_the_rows(vault: Vault) -> None:
    service = _service(vault)
    kept = service.begin("wide", respondent_language="fr")
    dropped = service.begin("wide", respondent_language="fr")
    _answer(kept, 4)
    _answer(dropped, 4)
    assert _change_count(vault) == 8
    kept.stop(keep=True, notes="kept")  # completed (not enrolled: stays encrypted on the device)
    assert _change_count(vault) == 4
    dropped.discard()
    assert _change_count(vault) == 0
    assert vault.interviews.load_completed(kept.interview_id).answers == kept.interview.to_dict()["answers"]


def test_ac013_version_10_vault_migrates_with_nothing_lost(
    tmp_path: Path, open_vault: Callable[..., Vault]
) -> None:
    old = open_vault()
    old.create(SECRET)
    screening = _service(old).begin("wide", respondent_language="fr")
    _answer(screening, 12)
    screening.compact()  # what a version-10 app left: the whole state in the snapshot
    expected = screening.interview.to_dict()
    old.close()
    connection = sqlite3.connect(old.database_path)
    with connection:
        connection.execute("DROP TABLE interview_change")
        connection.execute("UPDATE schema_version SET version = 10")
    connection.close()

    vault = open_vault()
    assert _rows(vault, "SELECT version FROM schema_version") == [(11,)]
    vault.unlock(SECRET)
    resumed = _service(vault).resume(screening.interview_id)
    assert resumed.interview.to_dict() == expected
    assert vault.interviews.load(screening.interview_id).changes == ()
    _answer(resumed, 2, 12)
    assert _change_count(vault) == 2
    assert len(_service(vault).resume(screening.interview_id).interview.asked) == 14


def test_ac014_duress_removes_change_rows(
    vault: Vault, open_vault: Callable[..., Vault], clock: FakeClock
) -> None:
    vault.set_policy(VaultPolicy(), duress_secret=DURESS_SECRET)
    real = _service(vault).begin("wide", respondent_language="fr")
    _answer(real, 20)
    assert _change_count(vault) == 20
    vault.close()

    decoy = open_vault()
    decoy.unlock(DURESS_SECRET)
    assert _change_count(decoy) == 0
    assert b"answer 3" not in all_bytes_under(decoy.database_path.parent)
    own = _service(decoy).begin("wide", respondent_language="fr")
    _answer(own, 2)
    assert _change_count(decoy) == 2  # the decoy's own rows are kept
    decoy.lock()
    decoy.unlock(DURESS_SECRET)  # the unlock's clean-up of other spaces keeps them too
    assert _change_count(decoy) == 2


def test_ac014_wipe_removes_change_rows(
    vault: Vault, open_vault: Callable[..., Vault], clock: FakeClock
) -> None:
    vault.set_policy(VaultPolicy(wipe_after_failures=5))
    screening = _service(vault).begin("wide", respondent_language="fr")
    _answer(screening, 5)
    vault.lock()
    for _ in range(10):  # bounded: the fifth failure wipes
        clock.advance(3600)
        try:
            vault.unlock(WRONG_SECRET)
        except WrongSecretError:
            continue
        except VaultWipedError:
            break
    assert _change_count(vault) == 0
    assert vault.was_wiped


def test_ac015_tampered_change_rows_stop_the_load(vault: Vault) -> None:
    service = _service(vault)
    screening = service.begin("wide", respondent_language="fr")
    _answer(screening, 3)
    interview_id = screening.interview_id
    path = vault.database_path

    def edit(sql: str) -> None:
        connection = sqlite3.connect(path)
        with connection:
            connection.execute(sql)
        connection.close()

    edit("CREATE TABLE saved AS SELECT * FROM interview_change")
    edit(
        "UPDATE interview_change SET change = (SELECT change FROM saved WHERE seq = 1) WHERE seq = 2"
    )  # a ciphertext moved to another sequence number
    with pytest.raises(VaultIntegrityError):
        vault.interviews.load(interview_id)
    edit("DELETE FROM interview_change WHERE seq = 3")  # the newest change removed
    edit("UPDATE interview_change SET change = (SELECT change FROM saved WHERE seq = 2) WHERE seq = 2")
    with pytest.raises(VaultIntegrityError):
        vault.interviews.load(interview_id)
    edit("INSERT INTO interview_change SELECT * FROM saved WHERE seq = 3")
    assert len(service.resume(interview_id).interview.asked) == 3  # restored: loads again


def test_ac016_two_tabs_on_one_draft(vault: Vault) -> None:
    service = _service(vault)
    first = service.begin("wide", respondent_language="fr")
    _answer(first, 5)
    second = service.resume(first.interview_id)
    _answer(first, 2, 5)  # the first tab moves on
    snapshot = _snapshot(vault, first.interview_id)
    _answer(second, 1, 100)  # made from the older state: written whole, not as a change
    assert _snapshot(vault, first.interview_id) != snapshot
    assert _change_count(vault) == 0
    _same(service.resume(first.interview_id), second)
    _answer(first, 1, 7)  # and back: the first tab's state wins again
    _same(service.resume(first.interview_id), first)
    _answer(first, 2, 8)  # then changes again, after the snapshot it wrote
    assert _change_count(vault) == 2
    _same(service.resume(first.interview_id), first)
