"""Practice cases (issue 16): every shipped case, answered as scripted, lands as it says; feedback
names what a different record misses; lint catches broken case files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from screening_protocols import get_protocol
from screening_protocols.catalogue import BANNED_RESPONDENT_STEMS
from screening_protocols.practice import (
    Attempt,
    CaseFileError,
    UnknownCaseError,
    case_paths,
    get_case,
    lint_case,
    list_cases,
    load_case,
    score,
)
from screening_protocols.runner import run_answers
from screening_protocols.translations import available_languages, translation_status

CASES = list_cases()


def test_enough_cases_per_protocol() -> None:
    counts = Counter(case.protocol_id for case in CASES)
    for protocol in ("border-rapid", "consular-screen", "labour-inspection"):
        assert counts[protocol] >= 6, protocol
    assert counts["child-screen"] >= 3


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_answered_as_scripted_lands_on_its_outcome(case) -> None:  # type: ignore[no-untyped-def]
    result = run_answers(get_protocol(case.protocol_id), case.replies)
    assert result.stopped_at is None
    assert result.outcome.level in case.expected_levels
    found = {finding.id for finding in result.outcome.indicators}
    assert set(case.expected_indicators) <= found
    feedback = score(
        case, Attempt(case.replies, {"alone": "yes", "interpreter": "none"}, frozenset(case.safety))
    )
    assert feedback.outcome_ok and not feedback.missed and not feedback.wrongly_recorded
    assert not feedback.differing_answers and feedback.points == feedback.possible


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_is_translated_into_every_complete_protocol_language(case) -> None:  # type: ignore[no-untyped-def]
    protocol = get_protocol(case.protocol_id)
    complete = {
        lang for lang in available_languages() if lang != "en" and translation_status(protocol, lang).complete
    }
    assert {"am", "ar", "es", "fa", "fr", "my", "ne", "pt", "ru", "th", "vi"} <= complete
    assert complete <= set(case.translations)
    for lang in complete:
        assert case.text("story", lang) != case.story
        assert len(case.text("teaching_notes", lang)) == len(case.teaching_notes)


def test_feedback_lists_a_missed_indicator_when_the_trainee_records_otherwise() -> None:
    case = get_case("border-rapid-01")
    answers = {**case.replies, "documents_holder": "me"}  # the person said the arranger holds them
    feedback = score(case, Attempt(answers, {"alone": "no", "interpreter": "companion"}))
    assert "documents_held_by_employer_or_arranger" in feedback.missed
    assert feedback.differing_answers == ("documents_holder",)
    assert set(feedback.safety_skipped) == {"private_place", "no_companion_interpreter"}
    shown = feedback.to_dict()
    assert shown["indicators_missed"][0]["label"].startswith("Identity papers")
    assert shown["score"]["points"] < shown["score"]["possible"]


def test_feedback_lists_an_indicator_recorded_wrongly() -> None:
    case = get_case("border-rapid-02")
    feedback = score(case, Attempt({**case.replies, "harmed": "yes"}))
    assert feedback.wrongly_recorded == ("violence",) and not feedback.outcome_ok


def test_no_case_text_uses_the_banned_words() -> None:
    for path in case_paths():
        text = path.read_text(encoding="utf-8").lower()
        assert not [stem for stem in BANNED_RESPONDENT_STEMS if stem in text], path.name


def test_unknown_case_is_a_coded_error() -> None:
    with pytest.raises(UnknownCaseError) as error:
        get_case("no-such-case")
    assert "border-rapid-01" in error.value.message()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_lint_reports_every_kind_of_problem(tmp_path: Path) -> None:
    good = next(p for p in case_paths() if p.stem == "border-rapid-02").read_text(encoding="utf-8")
    renamed = _write(tmp_path, "other-name.yaml", good)
    assert [p.code for p in lint_case(renamed)] == ["TR003"]
    wrong_level = _write(
        tmp_path, "border-rapid-02.yaml", good.replace("- no_indicators_found", "- strong_indicators")
    )
    assert [p.code for p in lint_case(wrong_level)] == ["TR010"]
    wrong_id = good.replace("harmed: 'no'", "hurt: 'no'")
    assert "TR008" in [p.code for p in lint_case(_write(tmp_path, "border-rapid-02.yaml", wrong_id))]
    bad_answer = good.replace("harmed: 'no'", "harmed: perhaps")
    assert [p.code for p in lint_case(_write(tmp_path, "border-rapid-02.yaml", bad_answer))] == ["TR009"]
    worded = good.replace("A trade fair", "A victim at a trade fair")
    assert [p.code for p in lint_case(_write(tmp_path, "border-rapid-02.yaml", worded))] == ["TR007"]
    assert [p.code for p in lint_case(_write(tmp_path, "x.yaml", "a: [b"))] == ["TR001"]
    assert [p.code for p in lint_case(_write(tmp_path, "y.yaml", "a: &x 1\nb: *x\n"))] == ["TR001"]
    problems = lint_case(_write(tmp_path, "z.yaml", "id: z\nsurprise: 1\nsafety: [dance]\n"))
    assert {"TR002", "TR005"} <= {p.code for p in problems}
    assert all(p.message().startswith("z.yaml:") for p in problems)
    with pytest.raises(CaseFileError) as error:
        load_case(tmp_path / "z.yaml")
    assert error.value.problems
