"""The desk's aggregates: k = 11 suppression, complementary suppression, OpenDP releases, signed files.

AG001: with 10 matching interviews a cell is suppressed, with 11 it is shown (and its totals with it).
AG002: an adversary who solves the published row and column sums as linear equations recomputes a cell
       that only primary suppression hid; after complementary suppression no hidden cell is determined,
       checked exactly (rational rank) on crafted tables and on generated ones, and by enumerating every
       non-negative integer table consistent with what is shown (min < max for every hidden cell).
AG003: the tables count months, protocols, levels, indicators (at most MAX_INDICATORS each), regions,
       referral statuses and time to accept; unverified status changes never count.
DP001: the noise OpenDP adds has the scale the stated epsilon implies (variance over 20,000 draws within
       8 %), for a table's share of the release's epsilon and its sensitivity; OpenDP's own map agrees.
DP002: the per-period budget: a release that would exceed it is refused (nothing recorded), another
       period has its own budget, a damaged ledger is refused rather than reset.
DP003: the shared file verifies under the organisation's public key; a changed number, another key, a
       broken file or a malformed table is refused; the combined view sums verified files and keeps
       suppressed cells hidden.
DP004: `waypoint desk aggregate` writes a signed file from the server's interviews and refuses a release
       over budget with one line and exit 1; `waypoint desk combine` refuses a file with a bad signature.
"""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.desk.aggregates.release import (
    LEDGER_FILE,
    BudgetExceededError,
    PrivacyLedger,
    ReleaseSettingError,
    noisy_counts,
    release_tables,
    scale_for,
)
from sync.desk.aggregates.shared_file import SharedFileError, combine, signed_release, verified
from sync.desk.aggregates.suppression import K_ANONYMITY, TOTAL, suppress, suppress_matrix
from sync.desk.aggregates.tables import (
    MAX_INDICATORS,
    CaseFacts,
    build_tables,
    referral_facts,
)
from waypoint.cli import main

Cell = tuple[int, int]


def _cases(count: int, protocol: str = "border-rapid", level: str = "strong_indicators") -> list[CaseFacts]:
    return [CaseFacts("2026-11", protocol, level, ("debt_to_arranger",), "TH-MY")] * count


def _table(tables: list, name: str):  # type: ignore[no-untyped-def]
    return next(table for table in tables if table.name == name)


def test_ag001_ten_cases_suppressed_eleven_shown() -> None:
    background = _cases(40, "adult-labour", "possible_indicators") + _cases(
        25, "adult-labour", "strong_indicators"
    )
    for matching, shown in ((10, None), (11, 11)):
        tables = build_tables(background + _cases(matching))
        level_by_protocol = suppress(_table(tables, "level_by_protocol"))
        assert level_by_protocol.value("strong_indicators", "border-rapid") == shown
        assert level_by_protocol.value(TOTAL, "border-rapid") == shown  # the column's total is the cell
    assert K_ANONYMITY == 11


# The adversary: what the published table says, as linear equations over the hidden cells.


def _equations(extended: list[list[int]], hidden: set[Cell]) -> tuple[list[Cell], list[list[Fraction]]]:
    """Every row and column of the extended table sums to its total: A x = b over the hidden cells."""
    rows, columns = len(extended), len(extended[0])
    variables = sorted(hidden)
    index = {cell: n for n, cell in enumerate(variables)}
    lines: list[list[tuple[Cell, int]]] = []
    for i in range(rows):
        lines.append([((i, j), 1) for j in range(columns - 1)] + [((i, columns - 1), -1)])
    for j in range(columns):
        lines.append([((i, j), 1) for i in range(rows - 1)] + [((rows - 1, j), -1)])
    matrix = []
    for line in lines:
        row = [Fraction(0)] * (len(variables) + 1)
        for cell, sign in line:
            if cell in index:
                row[index[cell]] += sign
            else:
                row[-1] -= sign * extended[cell[0]][cell[1]]
        matrix.append(row)
    return variables, matrix


def _reduced(matrix: list[list[Fraction]], width: int) -> tuple[list[list[Fraction]], list[int]]:
    rows = [list(r) for r in matrix]
    pivots: list[int] = []
    rank = 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank][column]
        rows[rank] = [value / lead for value in rows[rank]]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        pivots.append(column)
        rank += 1
    return rows[:rank], pivots


def determined_cells(extended: list[list[int]], hidden: set[Cell]) -> set[Cell]:
    """Hidden cells the equations fix exactly: a pivot row with no free variable left in it."""
    variables, matrix = _equations(extended, hidden)
    reduced, pivots = _reduced(matrix, len(variables))
    free = set(range(len(variables))) - set(pivots)
    return {
        variables[pivot] for row, pivot in zip(reduced, pivots, strict=True) if all(row[f] == 0 for f in free)
    }


def feasible_ranges(extended: list[list[int]], hidden: set[Cell]) -> dict[Cell, tuple[int, int]]:
    """Min and max of each hidden cell over every non-negative integer table that matches what is shown
    (exhaustive over the free variables, each between 0 and the grand total: small tables only)."""
    variables, matrix = _equations(extended, hidden)
    reduced, pivots = _reduced(matrix, len(variables))
    free = [f for f in range(len(variables)) if f not in pivots]
    grand = (
        extended[-1][-1]
        if (len(extended) - 1, len(extended[0]) - 1) not in hidden
        else sum(max(v, 0) for v in extended[-1])
    )
    assert len(free) <= 3, "the exhaustive adversary is for small tables"
    ranges: dict[Cell, list[int]] = {}
    for choice in itertools.product(range(grand + 1), repeat=len(free)):
        values: dict[int, Fraction] = dict(zip(free, map(Fraction, choice), strict=True))
        for row, pivot in zip(reduced, pivots, strict=True):
            values[pivot] = row[-1] - sum(row[f] * values[f] for f in free)
        if any(v < 0 or v.denominator != 1 for v in values.values()):
            continue
        for n, cell in enumerate(variables):
            low, high = ranges.setdefault(cell, [int(values[n]), int(values[n])])
            ranges[cell] = [min(low, int(values[n])), max(high, int(values[n]))]
    return {cell: (low, high) for cell, (low, high) in ranges.items()}


CRAFTED = [
    [[20, 5, 30], [40, 50, 60], [12, 13, 14]],  # one small cell: its row and column give it back
    [[3, 25, 30], [18, 2, 40], [22, 35, 7]],  # small cells on the diagonal
    [[4, 30], [25, 28]],  # a 2 x 2 table
    [[0, 12, 6], [15, 0, 19], [14, 16, 0]],  # empty cells cannot protect anything
    [[2, 3, 30, 40]],  # one row: the totals row repeats it
]


def test_ag002_adversary_recomputes_primary_only_but_not_complementary() -> None:
    extended, _ = suppress_matrix(CRAFTED[0])
    primary_only = {(0, 1)}
    assert determined_cells(extended, primary_only) == {(0, 1)}  # the adversary is real
    assert feasible_ranges(extended, primary_only)[(0, 1)] == (5, 5)
    for matrix in CRAFTED:
        extended, hidden = suppress_matrix(matrix)
        assert {(i, j) for i, row in enumerate(extended) for j, v in enumerate(row) if 0 < v < 11} <= hidden
        assert determined_cells(extended, hidden) == set(), matrix
        for cell, (low, high) in feasible_ranges(extended, hidden).items():
            assert low < high, (matrix, cell)
            if 0 < extended[cell[0]][cell[1]] < K_ANONYMITY:  # a small cell could also be empty
                assert low == 0, (matrix, cell, low)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda rows: st.integers(1, 4).flatmap(
            lambda columns: st.lists(
                st.lists(st.integers(0, 30), min_size=columns, max_size=columns), min_size=rows, max_size=rows
            )
        )
    )
)
def test_ag002_no_hidden_cell_is_determined_by_the_totals(matrix: list[list[int]]) -> None:
    extended, hidden = suppress_matrix(matrix)
    assert all(
        not 0 < v < K_ANONYMITY or (i, j) in hidden
        for i, row in enumerate(extended)
        for j, v in enumerate(row)
    )
    assert determined_cells(extended, hidden) == set()


def test_ag003_tables_count_what_the_desk_opened() -> None:
    many = ("a", "b", "c", "d", "e", "f")
    cases = [
        CaseFacts("2026-10", "border-rapid", "strong_indicators", many[:MAX_INDICATORS], "TH-MY"),
        CaseFacts("2026-11", "child-screen", "no_indicators_found", (), "unspecified"),
    ]
    referral = {
        "received_at": "2026-11-02T10:00:00Z",
        "status": "accepted",
        "history": [
            {"status": "accepted", "at": "2026-11-02T09:00:00Z", "signature_verified": False},
            {"status": "accepted", "at": "2026-11-04T10:00:00Z", "signature_verified": True},
        ],
    }
    tables = build_tables(cases, [referral_facts(referral)], levels=["immediate_danger"])
    assert _table(tables, "month_by_protocol").count("2026-10", "border-rapid") == 1
    assert "immediate_danger" in _table(tables, "level_by_protocol").rows  # listed even when empty
    assert _table(tables, "region_by_level").count("TH-MY", "strong_indicators") == 1
    indicators = _table(tables, "indicator_by_protocol")
    assert indicators.contributions == MAX_INDICATORS
    assert sum(indicators.cells.values()) == MAX_INDICATORS
    assert _table(tables, "referral_status_by_month").count("accepted", "2026-11") == 1
    assert "revoked" in _table(tables, "referral_status_by_month").rows  # every status, even when empty
    assert _table(tables, "time_to_accept_by_month").count("within_3_days", "2026-11") == 1  # 48 h, signed


def _discrete_laplace_variance(scale: float) -> float:
    q = math.exp(-1 / scale)
    return 2 * q / (1 - q) ** 2


@pytest.mark.parametrize(("epsilon", "sensitivity"), [(0.5, 1), (2.0, 1), (1.0, MAX_INDICATORS)])
def test_dp001_noise_scale_matches_the_stated_epsilon(epsilon: float, sensitivity: int) -> None:
    scale = scale_for(epsilon, sensitivity)
    assert scale == pytest.approx(sensitivity / epsilon, rel=1e-6)
    draws = noisy_counts([0] * 20_000, epsilon, sensitivity)  # one bounded release of 20,000 cells
    variance = sum(d * d for d in draws) / len(draws)
    assert variance == pytest.approx(_discrete_laplace_variance(sensitivity / epsilon), rel=0.08)
    assert abs(sum(draws) / len(draws)) < 6 * math.sqrt(variance / len(draws))  # unbiased


def test_dp001_release_splits_epsilon_over_tables_and_suppresses_after_noise() -> None:
    tables = build_tables(_cases(500) + _cases(3, "adult-labour"))
    released = release_tables(tables, epsilon=6.0)
    assert [t.name for t in released] == [t.name for t in tables]
    for table in released:
        flat = [v for row in table.values for v in row]
        assert all(v is None or v == 0 or v >= K_ANONYMITY for v in flat)
    region = next(t for t in released if t.name == "region_by_level")
    assert region.value("TH-MY", "strong_indicators") == pytest.approx(503, abs=40)  # share 1: scale 1
    with pytest.raises(ReleaseSettingError):
        scale_for(0.0, 1)


def test_dp002_budget_per_period(tmp_path: Path) -> None:
    ledger = PrivacyLedger(tmp_path / LEDGER_FILE, budget=1.0)
    ledger.charge("2026-11", 0.6)
    with pytest.raises(BudgetExceededError) as refused:
        ledger.charge("2026-11", 0.5)
    assert refused.value.code == "WP-SYNC-040"
    assert "0.4" in str(refused.value) and "--epsilon" in str(refused.value)
    assert ledger.spent("2026-11") == pytest.approx(0.6)  # the refused release recorded nothing
    ledger.charge("2026-11", 0.4)
    ledger.charge("2026-12", 1.0)
    assert ledger.left("2026-11") == pytest.approx(0.0)
    assert (tmp_path / LEDGER_FILE).stat().st_mode & 0o777 == 0o600
    with pytest.raises(ReleaseSettingError):
        ledger.charge("2026-13", 0.1)
    (tmp_path / LEDGER_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(ReleaseSettingError):
        ledger.charge("2027-01", 0.1)


def _release(key: X25519PrivateKey, count: int) -> bytes:
    tables = [suppress(t) for t in build_tables(_cases(count))]
    return signed_release(tables, key, period="2026-11", epsilon=0.5, k=K_ANONYMITY)


def test_dp003_signed_file_and_combined_view() -> None:
    consulate_a, consulate_b = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    file_a, file_b = _release(consulate_a, 30), _release(consulate_b, 5)
    a = verified(file_a, consulate_a.public_key(), name="a.json")
    b = verified(file_b, consulate_b.public_key(), name="b.json")
    view = combine([a, b])
    table = view["tables"]["level_by_protocol"]
    cell = table["values"][table["rows"].index("strong_indicators")][table["columns"].index("border-rapid")]
    assert cell is None  # suppressed in b: stays hidden in the sum
    alone = combine([a, verified(_release(consulate_b, 12), consulate_b.public_key(), name="b")])
    table = alone["tables"]["level_by_protocol"]
    assert (
        table["values"][table["rows"].index("strong_indicators")][table["columns"].index("border-rapid")]
        == 42
    )
    with pytest.raises(SharedFileError, match="signature"):
        verified(file_a, consulate_b.public_key(), name="a.json")  # another organisation's key
    changed = json.loads(file_a)
    changed["tables"]["level_by_protocol"]["values"][0][0] = 31
    with pytest.raises(SharedFileError, match="signature") as refused:
        verified(json.dumps(changed).encode(), consulate_a.public_key(), name="a.json")
    assert refused.value.code == "WP-SYNC-042"
    with pytest.raises(SharedFileError, match="not a shared"):
        verified(b"[]", consulate_a.public_key(), name="a.json")
    with pytest.raises(SharedFileError, match="malformed"):  # signed, yet rows and values disagree
        combine([{"tables": {"t": {"rows": ["a", TOTAL], "columns": [TOTAL], "values": [[1]]}}}])


def test_dp004_cli_aggregate_and_combine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import test_sync_desk_htcds as served

    from sync.desk import generate_organisation_keys

    def dated(interview_id: str, enrollment: object) -> bytes:
        document = json.loads(original(interview_id, enrollment))
        document["completed_at"] = "2026-11-05T10:00:00Z"
        return json.dumps(document).encode()

    original = served._document
    monkeypatch.setattr(served, "_document", dated)
    keys = generate_organisation_keys(tmp_path / "key", served.PASSPHRASE)
    database_url = served._server_with_interviews(tmp_path, keys, 12)
    env = {"WAYPOINT_KEY_PASSPHRASE": served.PASSPHRASE}
    regions = tmp_path / "regions.json"
    regions.write_text(json.dumps({"some-device": "TH-MY"}), encoding="utf-8")
    out = tmp_path / "shared" / "2026-11.json"
    arguments = ["desk", "aggregate", "--database-url", database_url, "--key", str(keys.private_key)]
    arguments += ["--out", str(out), "--period", "2026-11", "--regions", str(regions)]
    result = CliRunner().invoke(main, [*arguments, "--epsilon", "0.75"], env=env)
    assert result.exit_code == 0, result.output
    assert "epsilon 0.75, 0.25 left of 1" in result.stdout and "12 interview(s)" in result.stdout
    assert "did not verify: not counted" in result.stderr  # the broken and the unsigned one
    assert out.stat().st_mode & 0o777 == 0o600
    released = json.loads(out.read_bytes())
    assert released["epsilon"] == 0.75 and released["k"] == K_ANONYMITY and released["period"] == "2026-11"
    refused = CliRunner().invoke(main, [*arguments, "--epsilon", "0.5"], env=env)
    assert refused.exit_code == 1 and "WP-SYNC-040" in refused.stderr
    assert "only 0.25 left" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    combined = tmp_path / "combined.json"
    combine_arguments = ["desk", "combine", "--file", str(out), "--public-key", str(keys.public_key)]
    result = CliRunner().invoke(main, [*combine_arguments, "--out", str(combined)])
    assert result.exit_code == 0 and json.loads(combined.read_bytes())["sources"][0]["period"] == "2026-11"
    released["epsilon"] = 0.01  # a forged release
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(released), encoding="utf-8")
    other = generate_organisation_keys(tmp_path / "other", served.PASSPHRASE)
    for file, key in ((forged, keys.public_key), (out, other.public_key)):
        combine_arguments = ["desk", "combine", "--file", str(file), "--public-key", str(key)]
        result = CliRunner().invoke(main, [*combine_arguments, "--out", str(tmp_path / "no.json")])
        assert result.exit_code == 1 and "WP-SYNC-042" in result.stderr and "signature" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "no.json").exists()
